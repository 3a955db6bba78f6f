//! Postgres access for mammoflow: the only place SQL lives.
//!
//! * [`connect`] / [`migrate`]: a pool and the one migration history under `migrations/`.
//! * [`local`]: find a server (DATABASE_URL, 127.0.0.1:5432) or start a private cluster; fresh
//!   per-test databases.
//! * [`inbox`], [`outbox`], [`dead_letters`]: the event backbone's effectively-once delivery.
//! * [`studies`], [`audit`]: pipeline state.
//! * [`ai_reports`] (model registry and generated reports), [`parsed_reports`] (structured results).
//!
//! Queries are runtime-checked (`sqlx::query` with binds), so building needs no database; the
//! tests run every statement against a real server instead.

pub mod accounts;
pub mod ai_reports;
pub mod audit;
pub mod audit_data;
pub mod codes;
pub mod dead_letters;
mod error;
pub mod inbox;
pub mod local;
pub mod outbox;
pub mod outcomes;
pub mod parsed_reports;
pub mod program_period;
pub mod reads;
pub mod studies;
#[cfg(feature = "testing")]
pub mod testing;
pub mod triage_policies;
mod urls;
pub mod worklists;

use std::time::Duration;

pub use error::StoreError;
pub use sqlx::PgPool;

/// A transaction on the store's pool. Handlers do their state change, inbox row and outbox rows
/// in one of these.
pub type Tx<'a> = sqlx::Transaction<'a, sqlx::Postgres>;

/// Every migration under `migrations/`, embedded at compile time (see build.rs).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// How long a caller waits for a free pooled connection before the error is reported (as a
/// transient one) instead of hanging.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens a pool of at most `max_connections` connections and checks that the server answers.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, StoreError> {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect(url)
        .await
        .map_err(|source| StoreError::Connect {
            target: urls::redact(url),
            source,
        })
}

/// Applies pending migrations. Safe to call from several processes at once (sqlx serialises
/// them with an advisory lock) and a no-op when the schema is current.
pub async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// Whether the server answers a trivial query (health checks).
pub async fn ping(pool: &PgPool) -> Result<(), StoreError> {
    use crate::error::Context;
    sqlx::query("SELECT 1").execute(pool).await.op("ping")?;
    Ok(())
}
