//! Dead letters: consumed records that can never be processed, kept byte for byte with the
//! reason, so the consumer can move its offset on and an operator can inspect and replay them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::Context;
use crate::{PgPool, StoreError};

/// A record to dead-letter. `payload` is the raw record value.
#[derive(Debug, Clone, Copy)]
pub struct NewDeadLetter<'a> {
    pub consumer_group: &'a str,
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a str>,
    pub event_id: Option<Uuid>,
    pub event_type: Option<&'a str>,
    pub payload: &'a [u8],
    /// One sentence an operator can act on.
    pub reason: &'a str,
    /// Machine-readable class, lower snake case (`decode`, `unsupported_version`, `invalid`, ...).
    pub error_kind: &'a str,
}

/// A stored dead letter.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeadLetter {
    pub id: i64,
    pub consumer_group: String,
    pub topic: String,
    #[sqlx(rename = "kafka_partition")]
    pub partition: i32,
    #[sqlx(rename = "kafka_offset")]
    pub offset: i64,
    pub key: Option<String>,
    pub event_id: Option<Uuid>,
    pub event_type: Option<String>,
    pub payload: Vec<u8>,
    pub reason: String,
    pub error_kind: String,
    pub created_at: DateTime<Utc>,
    /// How many times the same record (group, topic, partition, offset) was dead-lettered.
    pub seen_count: i32,
    pub last_seen_at: DateTime<Utc>,
    pub replayed_at: Option<DateTime<Utc>>,
    pub replay_count: i32,
}

/// Which dead letters [`list`] returns (newest first).
#[derive(Debug, Clone, Default)]
pub struct DeadLetterFilter {
    pub consumer_group: Option<String>,
    pub topic: Option<String>,
    /// Only those not replayed yet.
    pub pending_only: bool,
    /// Keyset pagination: only ids below this one.
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Stores a dead letter and returns its id. The same record dead-lettered again (a consumer that
/// died before committing its offset) updates the existing row instead of adding one.
pub async fn insert<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    d: &NewDeadLetter<'_>,
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO dead_letters (consumer_group, topic, kafka_partition, kafka_offset, key,
                                   event_id, event_type, payload, reason, error_kind)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (consumer_group, topic, kafka_partition, kafka_offset) DO UPDATE
            SET seen_count = dead_letters.seen_count + 1,
                last_seen_at = now(),
                reason = EXCLUDED.reason,
                error_kind = EXCLUDED.error_kind
         RETURNING id",
    )
    .bind(d.consumer_group)
    .bind(d.topic)
    .bind(d.partition)
    .bind(d.offset)
    .bind(d.key)
    .bind(d.event_id)
    .bind(d.event_type)
    .bind(d.payload)
    .bind(d.reason)
    .bind(d.error_kind)
    .fetch_one(exec)
    .await
    .op_on(
        "dead_letters.insert",
        format_args!(
            "{} {}/{}@{}",
            d.consumer_group, d.topic, d.partition, d.offset
        ),
    )
}

const COLUMNS: &str = "id, consumer_group, topic, kafka_partition, kafka_offset, key, event_id, \
    event_type, payload, reason, error_kind, created_at, seen_count, last_seen_at, replayed_at, \
    replay_count";

/// Dead letters matching `filter`, newest first.
pub async fn list(pool: &PgPool, filter: &DeadLetterFilter) -> Result<Vec<DeadLetter>, StoreError> {
    // NULL parameters switch their condition off, so one statement serves every filter.
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM dead_letters
         WHERE ($1::text IS NULL OR consumer_group = $1)
           AND ($2::text IS NULL OR topic = $2)
           AND (NOT $3 OR replayed_at IS NULL)
           AND ($4::bigint IS NULL OR id < $4)
         ORDER BY id DESC LIMIT $5"
    ))
    .bind(filter.consumer_group.as_deref())
    .bind(filter.topic.as_deref())
    .bind(filter.pending_only)
    .bind(filter.before_id)
    .bind(filter.limit.max(0))
    .fetch_all(pool)
    .await
    .op("dead_letters.list")
}

/// One dead letter by id.
pub async fn get(pool: &PgPool, id: i64) -> Result<Option<DeadLetter>, StoreError> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM dead_letters WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
        .op_on("dead_letters.get", format_args!("id {id}"))
}

/// Counts: (all, not yet replayed).
pub async fn count(pool: &PgPool) -> Result<(i64, i64), StoreError> {
    sqlx::query_as("SELECT count(*), count(*) FILTER (WHERE replayed_at IS NULL) FROM dead_letters")
        .fetch_one(pool)
        .await
        .op("dead_letters.count")
}

/// Notes that an operator replayed the dead letter; false when there is no such id.
pub async fn mark_replayed(pool: &PgPool, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE dead_letters SET replayed_at = now(), replay_count = replay_count + 1 WHERE id = $1",
    )
    .bind(id)
    .execute(pool)
    .await
    .op_on("dead_letters.mark_replayed", format_args!("id {id}"))?;
    Ok(done.rows_affected() == 1)
}
