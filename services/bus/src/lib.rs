//! mammoflow's event backbone on Kafka (rdkafka).
//!
//! * [`ensure_topics`]: topic creation at start-up (idempotent).
//! * [`Publisher`]: idempotent producer (`acks=all`); key = the payload key, headers
//!   `event_type` / `event_id`.
//! * [`run_consumer`] with a [`Handler`]: one consumer group on one topic; the handler's state
//!   change, its outgoing events (outbox rows) and the inbox row commit in one Postgres
//!   transaction, and only then is the offset stored. Undecodable records and permanent handler
//!   errors become dead letters (table row + `mammo.dead-letter.v1` event); transient errors
//!   retry the same record with capped backoff.
//! * [`run_outbox_relay`]: publishes outbox rows in order, marking them only once the broker
//!   confirmed them.
//! * [`replay_dead_letter`]: an operator sends a dead letter (or its correction) back.
//! * [`BusMetrics`]: the Prometheus side of all of the above.
//!
//! Delivery is at-least-once on the wire and effectively-once in the database (see DESIGN.md,
//! "Delivery"). SQL stays in `mammoflow-store`; this crate only opens and commits transactions.

mod admin;
mod backoff;
mod config;
mod consumer;
mod deadletter;
mod error;
mod handler;
mod lag;
mod metrics;
mod process;
mod publisher;
mod relay;
mod replay;

pub use admin::ensure_topics;
pub use backoff::BackoffPolicy;
pub use config::KafkaConfig;
pub use consumer::{run_consumer, ConsumerOptions, ConsumerSummary};
pub use error::BusError;
pub use handler::{Handler, HandlerError, MessageMeta};
pub use metrics::{BusMetrics, ConsumeOutcome};
pub use publisher::{Delivered, Publisher, PublisherOptions, HEADER_EVENT_ID, HEADER_EVENT_TYPE};
pub use relay::{run_outbox_relay, RelayOptions, RelaySummary, RELAY_METRICS_GROUP};
pub use replay::replay_dead_letter;
