//! What a service implements to consume one topic.

use std::future::Future;

use mammoflow_events::{Envelope, Event};
use mammoflow_store::{StoreError, Tx};

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMeta {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    /// The record key, lossily decoded as UTF-8 (the StudyInstanceUID for our events).
    pub key: Option<String>,
    /// Record timestamp in milliseconds since the epoch, when the broker gave one.
    pub timestamp_ms: Option<i64>,
}

/// How a handler failed.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The event can never be processed (invalid content, a state it contradicts). The record
    /// is dead-lettered with `reason`, and the consumer moves on. `kind` is a short lower-snake
    /// label for metrics and the dead-letter table.
    #[error("{kind}: {reason}")]
    Permanent { kind: &'static str, reason: String },
    /// Retrying later may succeed (a dependency is down or overloaded). The transaction is rolled
    /// back and the same record is retried with backoff; it is never skipped.
    #[error("transient: {0}")]
    Transient(String),
}

impl HandlerError {
    pub fn permanent(kind: &'static str, reason: impl Into<String>) -> Self {
        HandlerError::Permanent {
            kind,
            reason: reason.into(),
        }
    }

    pub fn transient(reason: impl std::fmt::Display) -> Self {
        HandlerError::Transient(reason.to_string())
    }
}

/// Database errors keep their classification: a lost connection is retried, a statement that
/// fails on the data itself (a constraint, a bad value) is permanent.
impl From<StoreError> for HandlerError {
    fn from(e: StoreError) -> Self {
        if e.is_transient() {
            HandlerError::Transient(e.to_string())
        } else {
            HandlerError::Permanent {
                kind: "store",
                reason: e.to_string(),
            }
        }
    }
}

/// A consumer of one event type, run by [`run_consumer`](crate::run_consumer).
///
/// `handle` gets the transaction in which the consumer already recorded the event in the inbox.
/// The handler writes its state change **and** its outgoing events (with
/// `mammoflow_store::outbox::enqueue`) in that transaction; the consumer commits it, then stores
/// the record's offset. So a crash anywhere either loses nothing (no commit: the record comes
/// again) or repeats nothing (committed: the inbox recognises the redelivery).
///
/// Implementations may write `async fn handle(..)`; the declared form only adds the `Send` bound
/// the consumer task needs.
pub trait Handler: Send + Sync + 'static {
    type Event: Event;

    /// The Kafka consumer group, also the inbox and dead-letter scope (`ingest`, `triage`, ...).
    fn consumer_group(&self) -> &str;

    fn handle(
        &self,
        tx: &mut Tx<'_>,
        envelope: &Envelope<Self::Event>,
        meta: &MessageMeta,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;
}
