//! Transactional outbox: events to publish are written in the same transaction as the state
//! change that caused them, and a relay publishes them afterwards.
//!
//! Only one relay publishes at a time: [`claim_batch`] takes a transaction-level advisory lock,
//! so rows go to Kafka in id order and per-key order is kept even with several relays running
//! (the others get `None` and try again later). The lock is released when the batch's
//! transaction ends, including when the relay dies, so there is nothing to clean up.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::Context;
use crate::{PgPool, StoreError, Tx};

/// Advisory lock key of the outbox relay ("mfoutbox" in ASCII); any constant works as long as
/// nothing else in the database uses it.
const RELAY_LOCK_KEY: i64 = 0x6d66_6f75_7462_6f78;

/// One event waiting to be (or already) published.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub topic: String,
    /// Kafka message key (the StudyInstanceUID).
    pub key: String,
    pub event_id: Uuid,
    /// The serialized envelope.
    pub payload: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

/// Queues an event for publication inside the caller's transaction; returns its outbox id.
pub async fn enqueue(
    tx: &mut Tx<'_>,
    topic: &str,
    key: &str,
    event_id: Uuid,
    payload: &[u8],
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO outbox (topic, key, event_id, payload) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(topic)
    .bind(key)
    .bind(event_id)
    .bind(payload)
    .fetch_one(&mut **tx)
    .await
    .op_on(
        "outbox.enqueue",
        format_args!("event {event_id} on {topic}"),
    )
}

/// A claimed batch: the relay publishes `messages`, then calls [`mark_published`] with the ids
/// that made it and [`OutboxBatch::commit`]. [`OutboxBatch::rollback`] (e.g. when the broker is
/// down) leaves every row for the next claim. Dropping the batch also rolls back, but only once
/// the pool next touches the connection, so the lock may linger a moment: prefer `rollback`.
#[derive(Debug)]
pub struct OutboxBatch {
    tx: Tx<'static>,
    /// Unpublished rows in id order.
    pub messages: Vec<OutboxMessage>,
}

impl OutboxBatch {
    /// Ends the batch, persisting the marks and releasing the relay lock.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await.op("outbox.commit")
    }

    /// Ends the batch without publishing anything and releases the relay lock now.
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await.op("outbox.rollback")
    }
}

/// Opens a transaction holding the relay lock and returns up to `limit` unpublished rows in id
/// order, or `None` when another relay holds the lock.
pub async fn claim_batch(pool: &PgPool, limit: i64) -> Result<Option<OutboxBatch>, StoreError> {
    let mut tx = pool.begin().await.op("outbox.claim_batch: begin")?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(RELAY_LOCK_KEY)
        .fetch_one(&mut *tx)
        .await
        .op("outbox.claim_batch: lock")?;
    if !locked {
        // Nothing was written; rolling back just returns the connection.
        tx.rollback().await.op("outbox.claim_batch: release")?;
        return Ok(None);
    }
    let messages = sqlx::query_as::<_, OutboxMessage>(
        "SELECT id, topic, key, event_id, payload, created_at
         FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1",
    )
    .bind(limit.max(0))
    .fetch_all(&mut *tx)
    .await
    .op("outbox.claim_batch: select")?;
    Ok(Some(OutboxBatch { tx, messages }))
}

/// Marks rows published inside the batch's transaction; returns how many were marked.
pub async fn mark_published(batch: &mut OutboxBatch, ids: &[i64]) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE outbox SET published_at = now() WHERE id = ANY($1) AND published_at IS NULL",
    )
    .bind(ids)
    .execute(&mut *batch.tx)
    .await
    .op_on("outbox.mark_published", format_args!("{} ids", ids.len()))?;
    Ok(done.rows_affected())
}

/// Number of unpublished rows and the creation time of the oldest (for the backlog metric).
pub async fn backlog(pool: &PgPool) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
    sqlx::query_as("SELECT count(*), min(created_at) FROM outbox WHERE published_at IS NULL")
        .fetch_one(pool)
        .await
        .op("outbox.backlog")
}

/// Deletes rows published before `before`; returns how many.
pub async fn prune_published(pool: &PgPool, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM outbox WHERE published_at < $1")
        .bind(before)
        .execute(pool)
        .await
        .op("outbox.prune_published")?;
    Ok(done.rows_affected())
}
