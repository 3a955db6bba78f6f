//! Start-up shared by every mammoflow process: the thin service binaries and `mammoflow up`.
//!
//! [`PlatformArgs`] is the one configuration surface (flags and environment variables);
//! [`Platform::start`] connects Postgres (or finds/starts a local one), applies migrations,
//! connects Kafka (or starts the embedded broker when allowed), creates the topics, and holds
//! the metrics registry and health state. Stages are then spawned with
//! [`Platform::spawn_consumer`] and one [`Platform::spawn_relay`] per process;
//! [`run_stage_service`] is the whole `main` of a one-stage binary.

mod args;
mod platform;
mod service;

pub use args::{BrokerMode, PlatformArgs};
pub use platform::{Platform, PlatformError};
pub use service::run_stage_service;
pub use axum::Router;
