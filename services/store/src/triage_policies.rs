//! Triage policies (`triage_policies`): every policy a triage process ran with, stored exactly as
//! loaded, so any worklist item's `policy_version` can be explained later.
//!
//! A version names one text forever: loading a version again with other text is refused, so a
//! policy cannot change under an existing name.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::error::Context;
use crate::{PgPool, StoreError, Tx};

/// Namespace of the advisory lock serialising activations ("mftp").
const POLICY_LOCK: i32 = 0x6d66_7470;

/// A queue a policy routes to, added to `queues` when the database does not have it yet.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyQueue {
    pub name: String,
    pub title: String,
    pub sla_seconds: f64,
}

/// A policy to store and make active.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPolicy {
    pub version: String,
    /// `single_reorder` or `double_reading`.
    pub mode: String,
    /// The file exactly as read.
    pub policy_toml: String,
    pub queues: Vec<PolicyQueue>,
}

/// A stored policy.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PolicyRow {
    pub version: String,
    pub mode: String,
    pub policy_toml: String,
    pub loaded_at: DateTime<Utc>,
    pub active: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyStoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "triage policy version {version:?} is already stored with different text; a changed policy \
         needs a new version"
    )]
    TextMismatch { version: String },
}

/// Stores `policy` (once per version), adds the queues it names, and makes it the active policy,
/// all in one transaction. An activation that changes which policy is active is audited with
/// `actor`.
pub async fn activate(pool: &PgPool, policy: &NewPolicy, actor: &str) -> Result<PolicyRow, PolicyStoreError> {
    let op = "triage_policies.activate";
    let version = policy.version.as_str();
    let mut tx = pool.begin().await.op_on(op, version)?;
    let result = activate_in(&mut tx, policy, actor).await;
    crate::worklists::finish(tx, result, op).await
}

async fn activate_in(tx: &mut Tx<'_>, policy: &NewPolicy, actor: &str) -> Result<PolicyRow, PolicyStoreError> {
    let op = "triage_policies.activate";
    let version = policy.version.as_str();
    // Two processes starting at once must not interleave deactivation and activation.
    sqlx::query("SELECT pg_advisory_xact_lock($1, 0)")
        .bind(POLICY_LOCK)
        .execute(&mut **tx)
        .await
        .op_on(op, version)?;
    let stored: Option<(String, bool)> =
        sqlx::query_as("SELECT policy_toml, active FROM triage_policies WHERE version = $1")
            .bind(version)
            .fetch_optional(&mut **tx)
            .await
            .op_on(op, version)?;
    let was_active = match stored {
        Some((text, _)) if text != policy.policy_toml => {
            return Err(PolicyStoreError::TextMismatch { version: version.to_string() })
        }
        Some((_, active)) => active,
        None => {
            sqlx::query("INSERT INTO triage_policies (version, mode, policy_toml) VALUES ($1, $2, $3)")
                .bind(version)
                .bind(&policy.mode)
                .bind(&policy.policy_toml)
                .execute(&mut **tx)
                .await
                .op_on(op, version)?;
            false
        }
    };
    for queue in &policy.queues {
        crate::worklists::ensure_queue(&mut **tx, &queue.name, &queue.title, Some(queue.sla_seconds)).await?;
    }
    if !was_active {
        // Two statements: the one-active unique index is checked row by row, so the old policy
        // must be off before the new one is on.
        sqlx::query("UPDATE triage_policies SET active = false WHERE active")
            .execute(&mut **tx)
            .await
            .op_on(op, version)?;
        sqlx::query("UPDATE triage_policies SET active = true WHERE version = $1")
            .bind(version)
            .execute(&mut **tx)
            .await
            .op_on(op, version)?;
        let details = json!({"mode": policy.mode});
        crate::audit::record(&mut **tx, actor, "triage_policy.activated", &format!("triage_policy:{version}"), &details)
            .await?;
    }
    let row: PolicyRow = sqlx::query_as(
        "SELECT version, mode, policy_toml, loaded_at, active FROM triage_policies WHERE version = $1",
    )
    .bind(version)
    .fetch_one(&mut **tx)
    .await
    .op_on(op, version)?;
    Ok(row)
}


/// One stored policy.
pub async fn get(pool: &PgPool, version: &str) -> Result<Option<PolicyRow>, StoreError> {
    sqlx::query_as("SELECT version, mode, policy_toml, loaded_at, active FROM triage_policies WHERE version = $1")
        .bind(version)
        .fetch_optional(pool)
        .await
        .op_on("triage_policies.get", version)
}

/// The active policy, if one was ever activated.
pub async fn active(pool: &PgPool) -> Result<Option<PolicyRow>, StoreError> {
    sqlx::query_as("SELECT version, mode, policy_toml, loaded_at, active FROM triage_policies WHERE active")
        .fetch_optional(pool)
        .await
        .op("triage_policies.active")
}

/// Every stored policy, newest first.
pub async fn list(pool: &PgPool) -> Result<Vec<PolicyRow>, StoreError> {
    sqlx::query_as(
        "SELECT version, mode, policy_toml, loaded_at, active FROM triage_policies ORDER BY loaded_at DESC, version",
    )
    .fetch_all(pool)
    .await
    .op("triage_policies.list")
}
