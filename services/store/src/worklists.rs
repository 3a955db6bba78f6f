//! Radiologist worklists: the items triage puts on queues, claimed by readers under a lease.
//!
//! * [`insert_items`]: triage's items for one study, at most one live item per read role (the
//!   unique index `worklist_items_one_live_per_role`); a repeated triage of a study changes nothing.
//! * [`claim_next`] / [`claim`] / [`renew`] / [`release`]: leases. `claim_next` walks the claim
//!   index with `FOR UPDATE SKIP LOCKED`, so concurrent readers never get the same item and never
//!   wait for each other. [`expire_leases`] returns items whose lease ran out.
//! * Blind double reading: whoever holds or did one blinded read of a study (first, second,
//!   arbitration) can claim no other blinded read of it.
//! * [`complete`] (used by [`crate::reads::submit_read`]), [`reprioritise`], [`queue_stats`],
//!   [`list_queue`], [`for_study`], [`get`].
//!
//! Every action by a person (claim, release, reprioritise, submit) writes an audit entry in the
//! same transaction, with the person's id as actor and `study:<uid>` as subject.

mod claim;
mod types;

pub use claim::{claim, claim_next, release, renew};
pub use types::{
    InsertItems, ItemStatus, NewItems, QueueStats, ReadRole, WorklistError, WorklistItem,
};
pub(crate) use types::{code, ITEM_COLUMNS};

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::types::Json;

use crate::error::Context;
use crate::{PgPool, StoreError, Tx};

/// Namespace (first key) of the two-key advisory locks this module takes per study ("mfwl").
const STUDY_LOCK_NAMESPACE: i32 = 0x6d66_776c;

/// Serialises changes to one study's items until the transaction ends: triage inserts, blinded
/// claims and read submissions of the same study see each other's committed results.
pub(crate) async fn lock_study(tx: &mut Tx<'_>, study_uid: &str) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(STUDY_LOCK_NAMESPACE)
        .bind(study_uid)
        .execute(&mut **tx)
        .await
        .op_on("worklists.lock_study", format_args!("study {study_uid}"))?;
    Ok(())
}

/// Ends a transaction: commits on success, rolls back at once on failure. A dropped transaction
/// rolls back only when the pool next touches its connection, so the row and advisory locks taken
/// before a refusal would linger, and other readers would skip the item meanwhile.
pub(crate) async fn finish<T, E: From<StoreError>>(tx: Tx<'_>, result: Result<T, E>, op: &'static str) -> Result<T, E> {
    match result {
        Ok(value) => {
            tx.commit().await.op(op)?;
            Ok(value)
        }
        Err(e) => {
            // The refusal is what the caller needs; a failed rollback closes the connection anyway.
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(op, error = %rollback, "rollback after a refused operation failed");
            }
            Err(e)
        }
    }
}

/// Stores triage's items for a study in the caller's transaction. Creates nothing when the study
/// already has a live (not cancelled) item: a re-delivered event, or a second report for a study
/// that is already on a worklist, must not put it on a worklist twice. An empty `roles` list is
/// stored as one single read, so no study ever ends up without a reading item.
pub async fn insert_items(tx: &mut Tx<'_>, items: &NewItems) -> Result<InsertItems, StoreError> {
    let op = "worklists.insert_items";
    let uid = items.study_uid.as_str();
    lock_study(tx, uid).await?;
    let (study_exists, triaged): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM studies WHERE study_uid = $1),
                EXISTS (SELECT 1 FROM worklist_items WHERE study_uid = $1 AND status <> 'cancelled')",
    )
    .bind(uid)
    .fetch_one(&mut **tx)
    .await
    .op_on(op, format_args!("study {uid}"))?;
    if !study_exists {
        return Ok(InsertItems::UnknownStudy);
    }
    if triaged {
        return Ok(InsertItems::AlreadyTriaged);
    }
    let roles: Vec<&str> = if items.roles.is_empty() {
        vec![ReadRole::Single.as_str()]
    } else {
        items.roles.iter().map(|r| r.as_str()).collect()
    };
    let ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO worklist_items (queue, study_uid, read_role, priority, due_at, policy_version,
                                     model_version, parser_version, rule_fired, reason, flags)
         SELECT $1, $2, r.role, $4, $5, $6, $7, $8, $9, $10, $11
         FROM unnest($3::text[]) WITH ORDINALITY AS r(role, n)
         ORDER BY r.n
         ON CONFLICT (study_uid, read_role) WHERE status <> 'cancelled' DO NOTHING
         RETURNING id",
    )
    .bind(&items.queue)
    .bind(uid)
    .bind(&roles)
    .bind(items.priority)
    .bind(items.due_at)
    .bind(&items.policy_version)
    .bind(&items.model_version)
    .bind(&items.parser_version)
    .bind(&items.rule_fired)
    .bind(&items.reason)
    .bind(Json(&items.flags))
    .fetch_all(&mut **tx)
    .await
    .op_on(op, format_args!("study {uid} queue {}", items.queue))?;
    let mut ids = ids;
    // Identity values grow in insertion order, which follows `roles`.
    ids.sort_unstable();
    Ok(InsertItems::Inserted(ids))
}

/// Whether `version` is a registered model version (`worklist_items.model_version` references it).
pub async fn model_version_known(tx: &mut Tx<'_>, version: &str) -> Result<bool, StoreError> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM model_versions WHERE version = $1)")
        .bind(version)
        .fetch_one(&mut **tx)
        .await
        .op_on("worklists.model_version_known", version)
}

/// Adds a queue a policy names but the database does not know yet; an existing queue keeps its
/// title and default SLA.
pub async fn ensure_queue<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    name: &str,
    title: &str,
    sla_seconds: Option<f64>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO queues (name, title, sla) VALUES ($1, $2, $3 * interval '1 second')
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(title)
    .bind(sla_seconds)
    .execute(exec)
    .await
    .op_on("worklists.ensure_queue", name)?;
    Ok(done.rows_affected() == 1)
}

/// Marks a claimed item done by its holder, in the caller's transaction (part of a read).
pub async fn complete(tx: &mut Tx<'_>, item_id: i64, reader: &str) -> Result<WorklistItem, WorklistError> {
    let done: Option<WorklistItem> = sqlx::query_as(&format!(
        "UPDATE worklist_items
         SET status = 'done', lease_holder = NULL, lease_expires_at = NULL, completed_at = now(),
             completed_by = $2, updated_at = now()
         WHERE id = $1 AND status = 'claimed' AND lease_holder = $2
         RETURNING {ITEM_COLUMNS}"
    ))
    .bind(item_id)
    .bind(reader)
    .fetch_optional(&mut **tx)
    .await
    .op_on("worklists.complete", format_args!("item {item_id}"))?;
    done.ok_or_else(|| WorklistError::NotHolder { item: item_id, reader: reader.to_string() })
}

/// Returns every claimed item whose lease has run out to its queue; returns how many.
pub async fn expire_leases(pool: &PgPool) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE worklist_items
         SET status = 'pending', lease_holder = NULL, lease_expires_at = NULL, updated_at = now()
         WHERE status = 'claimed' AND lease_expires_at < now()",
    )
    .execute(pool)
    .await
    .op("worklists.expire_leases")?;
    Ok(done.rows_affected())
}

/// Sets an open item's priority (and due time, when given) on an operator's behalf.
pub async fn reprioritise(
    pool: &PgPool,
    item_id: i64,
    actor: &str,
    priority: f64,
    due_at: Option<DateTime<Utc>>,
    reason: &str,
) -> Result<WorklistItem, WorklistError> {
    if !priority.is_finite() {
        return Err(WorklistError::Invalid { field: "priority", reason: format!("{priority} is not a number") });
    }
    let op = "worklists.reprioritise";
    let mut tx = pool.begin().await.op(op)?;
    let result = reprioritise_in(&mut tx, item_id, actor, priority, due_at, reason).await;
    finish(tx, result, op).await
}

async fn reprioritise_in(
    tx: &mut Tx<'_>,
    item_id: i64,
    actor: &str,
    priority: f64,
    due_at: Option<DateTime<Utc>>,
    reason: &str,
) -> Result<WorklistItem, WorklistError> {
    let before = get_for_update(tx, item_id).await?;
    if !matches!(before.status, ItemStatus::Pending | ItemStatus::Claimed) {
        return Err(WorklistError::Closed { item: item_id, status: before.status });
    }
    let after: WorklistItem = sqlx::query_as(&format!(
        "UPDATE worklist_items SET priority = $2, due_at = coalesce($3, due_at), updated_at = now()
         WHERE id = $1 RETURNING {ITEM_COLUMNS}"
    ))
    .bind(item_id)
    .bind(priority)
    .bind(due_at)
    .fetch_one(&mut **tx)
    .await
    .op_on("worklists.reprioritise", format_args!("item {item_id}"))?;
    let details = json!({
        "item": item_id, "queue": after.queue, "reason": reason,
        "priority": {"from": before.priority, "to": after.priority},
        "due_at": {"from": before.due_at, "to": after.due_at},
    });
    crate::audit::record(&mut **tx, actor, "worklist.reprioritised", &study_subject(&after.study_uid), &details)
        .await?;
    Ok(after)
}

/// One item by id.
pub async fn get(pool: &PgPool, item_id: i64) -> Result<Option<WorklistItem>, StoreError> {
    sqlx::query_as(&format!("SELECT {ITEM_COLUMNS} FROM worklist_items WHERE id = $1"))
        .bind(item_id)
        .fetch_optional(pool)
        .await
        .op_on("worklists.get", format_args!("item {item_id}"))
}

/// Every item of a study (any status), oldest first.
pub async fn for_study(pool: &PgPool, study_uid: &str) -> Result<Vec<WorklistItem>, StoreError> {
    sqlx::query_as(&format!("SELECT {ITEM_COLUMNS} FROM worklist_items WHERE study_uid = $1 ORDER BY id"))
        .bind(study_uid)
        .fetch_all(pool)
        .await
        .op_on("worklists.for_study", format_args!("study {study_uid}"))
}

/// Open (pending or claimed) items of a queue in the order readers get them.
pub async fn list_queue(pool: &PgPool, queue: &str, limit: i64) -> Result<Vec<WorklistItem>, StoreError> {
    sqlx::query_as(&format!(
        "SELECT {ITEM_COLUMNS} FROM worklist_items
         WHERE queue = $1 AND status IN ('pending', 'claimed')
         ORDER BY priority DESC, due_at, id LIMIT $2"
    ))
    .bind(queue)
    .bind(limit.max(0))
    .fetch_all(pool)
    .await
    .op_on("worklists.list_queue", queue)
}

/// Pending and claimed counts, oldest open item age and overdue count of every queue, in display
/// order (queues without items included).
pub async fn queue_stats(pool: &PgPool) -> Result<Vec<QueueStats>, StoreError> {
    sqlx::query_as(
        "SELECT q.name AS queue, q.title,
                count(w.id) FILTER (WHERE w.status = 'pending') AS pending,
                count(w.id) FILTER (WHERE w.status = 'claimed') AS claimed,
                extract(epoch FROM now() - min(w.created_at))::float8 AS oldest_age_seconds,
                count(w.id) FILTER (WHERE w.due_at < now()) AS overdue
         FROM queues q
         LEFT JOIN worklist_items w ON w.queue = q.name AND w.status IN ('pending', 'claimed')
         GROUP BY q.name, q.title, q.display_order
         ORDER BY q.display_order, q.name",
    )
    .fetch_all(pool)
    .await
    .op("worklists.queue_stats")
}

/// Locks one item for the rest of the transaction.
pub(crate) async fn get_for_update(tx: &mut Tx<'_>, item_id: i64) -> Result<WorklistItem, WorklistError> {
    let item: Option<WorklistItem> =
        sqlx::query_as(&format!("SELECT {ITEM_COLUMNS} FROM worklist_items WHERE id = $1 FOR UPDATE"))
            .bind(item_id)
            .fetch_optional(&mut **tx)
            .await
            .op_on("worklists.get_for_update", format_args!("item {item_id}"))?;
    item.ok_or(WorklistError::NotFound(item_id))
}

/// The audit subject of everything done to a study's items.
pub(crate) fn study_subject(study_uid: &str) -> String {
    format!("study:{study_uid}")
}
