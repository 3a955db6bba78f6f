//! Audit log: who did what to which subject, append-only (the table refuses UPDATE and DELETE).

use chrono::{DateTime, Utc};

use crate::error::Context;
use crate::{PgPool, StoreError};

/// One audit entry.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub details: serde_json::Value,
}

/// Appends an entry; pass a transaction to make it part of the change it describes.
pub async fn record<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    actor: &str,
    action: &str,
    subject: &str,
    details: &serde_json::Value,
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO audit_log (actor, action, subject, details) VALUES ($1, $2, $3, $4)
         RETURNING id",
    )
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(details)
    .fetch_one(exec)
    .await
    .op_on("audit.record", format_args!("{actor} {action} {subject}"))
}

/// The newest entries about `subject`, newest first.
pub async fn for_subject(
    pool: &PgPool,
    subject: &str,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    sqlx::query_as(
        "SELECT id, at, actor, action, subject, details FROM audit_log
         WHERE subject = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(subject)
    .bind(limit.max(0))
    .fetch_all(pool)
    .await
    .op_on("audit.for_subject", subject)
}
