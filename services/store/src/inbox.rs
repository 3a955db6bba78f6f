//! Inbox: which events each consumer group has already handled.
//!
//! Kafka delivers at least once. A handler calls [`record`] inside the transaction that applies
//! the event; when it returns `false` the event was applied before (by this or an earlier run of
//! the group) and the handler commits without doing anything else.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::Context;
use crate::{PgPool, StoreError, Tx};

/// Records `event_id` as handled by `consumer_group`. Returns true when the event is new for
/// this group. The row becomes visible only if the surrounding transaction commits, so a crash
/// before commit leaves the event unhandled, as it must.
pub async fn record(
    tx: &mut Tx<'_>,
    consumer_group: &str,
    event_id: Uuid,
    topic: &str,
    partition: i32,
    offset: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO inbox (consumer_group, event_id, topic, kafka_partition, kafka_offset)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (consumer_group, event_id) DO NOTHING",
    )
    .bind(consumer_group)
    .bind(event_id)
    .bind(topic)
    .bind(partition)
    .bind(offset)
    .execute(&mut **tx)
    .await
    .op_on(
        "inbox.record",
        format_args!("group {consumer_group}, event {event_id}"),
    )?;
    Ok(done.rows_affected() == 1)
}

/// Whether `consumer_group` has handled `event_id` (committed).
pub async fn contains(
    pool: &PgPool,
    consumer_group: &str,
    event_id: Uuid,
) -> Result<bool, StoreError> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM inbox WHERE consumer_group = $1 AND event_id = $2)",
    )
    .bind(consumer_group)
    .bind(event_id)
    .fetch_one(pool)
    .await
    .op_on(
        "inbox.contains",
        format_args!("group {consumer_group}, event {event_id}"),
    )
}

/// Deletes inbox rows processed before `before`; returns how many. Safe once Kafka retention no
/// longer holds records that old, since nothing can redeliver them.
pub async fn prune(pool: &PgPool, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM inbox WHERE processed_at < $1")
        .bind(before)
        .execute(pool)
        .await
        .op("inbox.prune")?;
    Ok(done.rows_affected())
}
