//! Operational figures of a program period for the summary report: what arrived and in which
//! state it ended, and how each queue kept its SLA.

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::Context;
use crate::{PgPool, StoreError};

/// Studies stored in the window with one status and reason.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StatusCount {
    pub status: String,
    pub reason: Option<String>,
    pub studies: i64,
}

pub async fn status_counts(pool: &PgPool, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<StatusCount>, StoreError> {
    sqlx::query_as(
        "SELECT status, status_reason AS reason, count(*) AS studies FROM studies
         WHERE created_at >= $1 AND created_at < $2
         GROUP BY status, status_reason ORDER BY status, studies DESC, reason",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    .op("program_period.status_counts")
}

/// Studies stored per day of the window.
pub async fn daily_volumes(pool: &PgPool, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<(NaiveDate, i64)>, StoreError> {
    sqlx::query_as(
        "SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) FROM studies
         WHERE created_at >= $1 AND created_at < $2 GROUP BY day ORDER BY day",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    .op("program_period.daily_volumes")
}

/// One queue's items created in the window.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct QueuePeriod {
    pub queue: String,
    pub created: i64,
    pub completed: i64,
    /// Completed no later than their due time (items without one count as on time).
    pub completed_on_time: i64,
    /// Seconds from creation to completion, over completed items.
    pub median_wait_seconds: Option<f64>,
    pub max_wait_seconds: Option<f64>,
    /// Still pending or claimed now, and of those, past their due time.
    pub open_now: i64,
    pub overdue_now: i64,
}

pub async fn queue_periods(pool: &PgPool, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<QueuePeriod>, StoreError> {
    sqlx::query_as(
        "SELECT queue, count(*) AS created,
                count(*) FILTER (WHERE status = 'done') AS completed,
                count(*) FILTER (WHERE status = 'done' AND (due_at IS NULL OR completed_at <= due_at)) AS completed_on_time,
                (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at))
                    FILTER (WHERE completed_at IS NOT NULL))::float8 AS median_wait_seconds,
                (max(extract(epoch FROM completed_at - created_at)))::float8 AS max_wait_seconds,
                count(*) FILTER (WHERE status IN ('pending', 'claimed')) AS open_now,
                count(*) FILTER (WHERE status IN ('pending', 'claimed') AND due_at < now()) AS overdue_now
         FROM worklist_items WHERE created_at >= $1 AND created_at < $2
         GROUP BY queue ORDER BY queue",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    .op("program_period.queue_periods")
}
