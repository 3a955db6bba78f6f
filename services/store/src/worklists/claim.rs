//! Leases: claim, renew, release.
//!
//! Two readers can never hold the same item: a claim is a conditional update of a row the
//! claimer has locked. Blinding needs more than the row lock, because the conflicting rows are
//! the study's *other* items: a blinded claim re-checks under the study's advisory lock (which
//! every blinded claim and every read submission of that study takes), so two concurrent claims
//! of the first and second read of one study by one reader cannot both succeed.

use std::time::Duration;

use serde_json::json;

use super::types::{ItemStatus, ReadRole, WorklistError, WorklistItem, ITEM_COLUMNS};
use super::{finish, get_for_update, lock_study, study_subject};
use crate::error::Context;
use crate::{PgPool, Tx};

/// How many candidates `claim_next` tries when it keeps losing blinding races before it reports
/// an empty queue; each round skips the candidates already refused.
const MAX_CLAIM_ROUNDS: usize = 32;

/// Longest lease a reader can take: a lease is a heartbeat, not a reservation.
const MAX_LEASE: Duration = Duration::from_secs(24 * 3600);

/// True when `reader` holds or did another blinded read of the item's study. `$1` is the item id,
/// `$2` the reader; used as `EXISTS (...)`.
const BLINDED_CONFLICT: &str = "SELECT 1 FROM worklist_items o
    WHERE o.study_uid = w.study_uid AND o.id <> w.id
      AND o.read_role IN ('first', 'second', 'arbitration') AND o.status <> 'cancelled'
      AND (o.lease_holder = $2 OR o.completed_by = $2)";

/// Validates a claim's reader and lease; returns the lease in seconds.
fn checked(reader: &str, lease: Duration) -> Result<f64, WorklistError> {
    if reader.trim().is_empty() {
        return Err(WorklistError::Invalid { field: "reader", reason: "empty".into() });
    }
    if lease.is_zero() || lease > MAX_LEASE {
        return Err(WorklistError::Invalid {
            field: "lease",
            reason: format!("{lease:?} is outside (0, {MAX_LEASE:?}]"),
        });
    }
    Ok(lease.as_secs_f64())
}

/// One attempt of `claim_next`.
enum Round {
    Claimed(WorklistItem),
    /// The candidate lost a blinding race; skip it next time.
    Refused(i64),
    Empty,
}

/// Claims the best pending item of `queue` (highest priority, then earliest due time, then
/// oldest) that `reader` may read, with a lease of `lease`. `None` when there is none. Items
/// other claimers hold locks on are skipped, not waited for.
pub async fn claim_next(
    pool: &PgPool,
    queue: &str,
    reader: &str,
    lease: Duration,
) -> Result<Option<WorklistItem>, WorklistError> {
    let lease_secs = checked(reader, lease)?;
    let op = "worklists.claim_next";
    let mut refused: Vec<i64> = Vec::new();
    for _ in 0..MAX_CLAIM_ROUNDS {
        let mut tx = pool.begin().await.op_on(op, queue)?;
        let round = claim_round(&mut tx, queue, reader, lease_secs, &refused).await;
        // Every round ends its transaction (an empty or refused one changed nothing) before the
        // next candidate's study lock is taken, so claimers never wait on two study locks at once.
        match finish(tx, round, op).await? {
            Round::Claimed(item) => return Ok(Some(item)),
            Round::Refused(id) => refused.push(id),
            Round::Empty => return Ok(None),
        }
    }
    Ok(None)
}

async fn claim_round(
    tx: &mut Tx<'_>,
    queue: &str,
    reader: &str,
    lease_secs: f64,
    refused: &[i64],
) -> Result<Round, WorklistError> {
    // The blinding filter here sees committed claims only; the re-check below closes the race.
    let candidate: Option<(i64, String, String)> = sqlx::query_as(&format!(
        "SELECT w.id, w.study_uid, w.read_role FROM worklist_items w
         WHERE w.queue = $1 AND w.status = 'pending' AND w.id <> ALL($3)
           AND NOT (w.read_role <> 'single' AND EXISTS ({BLINDED_CONFLICT}))
         ORDER BY w.priority DESC, w.due_at, w.id
         LIMIT 1
         FOR UPDATE OF w SKIP LOCKED"
    ))
    .bind(queue)
    .bind(reader)
    .bind(refused)
    .fetch_optional(&mut **tx)
    .await
    .op_on("worklists.claim_next", queue)?;
    let Some((id, study_uid, role)) = candidate else {
        return Ok(Round::Empty);
    };
    if role != ReadRole::Single.as_str() && blinded_conflict(tx, id, &study_uid, reader).await? {
        return Ok(Round::Refused(id));
    }
    let item = take_lease(tx, id, reader, lease_secs).await?;
    audit_claim(tx, &item, reader).await?;
    Ok(Round::Claimed(item))
}

/// Claims one given item (a reader picking a study from the list). Claiming an item one already
/// holds extends its lease.
pub async fn claim(pool: &PgPool, item_id: i64, reader: &str, lease: Duration) -> Result<WorklistItem, WorklistError> {
    let lease_secs = checked(reader, lease)?;
    let op = "worklists.claim";
    let mut tx = pool.begin().await.op_on(op, format_args!("item {item_id}"))?;
    let result = claim_in(&mut tx, item_id, reader, lease_secs).await;
    finish(tx, result, op).await
}

async fn claim_in(tx: &mut Tx<'_>, item_id: i64, reader: &str, lease_secs: f64) -> Result<WorklistItem, WorklistError> {
    let item = get_for_update(tx, item_id).await?;
    match item.status {
        ItemStatus::Pending => {}
        ItemStatus::Claimed if item.lease_holder.as_deref() == Some(reader) => {
            return take_lease(tx, item_id, reader, lease_secs).await;
        }
        status => return Err(WorklistError::NotPending { item: item_id, status }),
    }
    if item.read_role.is_blinded() && blinded_conflict(tx, item_id, &item.study_uid, reader).await? {
        return Err(WorklistError::Blinded { item: item_id, reader: reader.to_string(), study_uid: item.study_uid });
    }
    let item = take_lease(tx, item_id, reader, lease_secs).await?;
    audit_claim(tx, &item, reader).await?;
    Ok(item)
}

/// Extends the lease of an item `reader` holds to `lease` from now.
pub async fn renew(pool: &PgPool, item_id: i64, reader: &str, lease: Duration) -> Result<WorklistItem, WorklistError> {
    let lease_secs = checked(reader, lease)?;
    let renewed: Option<WorklistItem> = sqlx::query_as(&format!(
        "UPDATE worklist_items
         SET lease_expires_at = now() + $3 * interval '1 second', updated_at = now()
         WHERE id = $1 AND status = 'claimed' AND lease_holder = $2
         RETURNING {ITEM_COLUMNS}"
    ))
    .bind(item_id)
    .bind(reader)
    .bind(lease_secs)
    .fetch_optional(pool)
    .await
    .op_on("worklists.renew", format_args!("item {item_id}"))?;
    renewed.ok_or_else(|| WorklistError::NotHolder { item: item_id, reader: reader.to_string() })
}

/// Gives an item `reader` holds back to its queue.
pub async fn release(pool: &PgPool, item_id: i64, reader: &str) -> Result<WorklistItem, WorklistError> {
    let op = "worklists.release";
    let mut tx = pool.begin().await.op_on(op, format_args!("item {item_id}"))?;
    let result = release_in(&mut tx, item_id, reader).await;
    finish(tx, result, op).await
}

async fn release_in(tx: &mut Tx<'_>, item_id: i64, reader: &str) -> Result<WorklistItem, WorklistError> {
    let released: Option<WorklistItem> = sqlx::query_as(&format!(
        "UPDATE worklist_items
         SET status = 'pending', lease_holder = NULL, lease_expires_at = NULL, updated_at = now()
         WHERE id = $1 AND status = 'claimed' AND lease_holder = $2
         RETURNING {ITEM_COLUMNS}"
    ))
    .bind(item_id)
    .bind(reader)
    .fetch_optional(&mut **tx)
    .await
    .op_on("worklists.release", format_args!("item {item_id}"))?;
    let item = released.ok_or_else(|| WorklistError::NotHolder { item: item_id, reader: reader.to_string() })?;
    let details = json!({"item": item.id, "queue": item.queue, "read_role": item.read_role.as_str()});
    crate::audit::record(&mut **tx, reader, "worklist.released", &study_subject(&item.study_uid), &details).await?;
    Ok(item)
}

/// Under the study lock: whether `reader` holds or did another blinded read of the study.
async fn blinded_conflict(tx: &mut Tx<'_>, item_id: i64, study_uid: &str, reader: &str) -> Result<bool, WorklistError> {
    lock_study(tx, study_uid).await?;
    // A new statement: under READ COMMITTED it sees every claim committed before the lock.
    let conflict: bool = sqlx::query_scalar(&format!(
        "SELECT EXISTS ({BLINDED_CONFLICT}) FROM worklist_items w WHERE w.id = $1"
    ))
    .bind(item_id)
    .bind(reader)
    .fetch_one(&mut **tx)
    .await
    .op_on("worklists.blinded_conflict", format_args!("item {item_id}"))?;
    Ok(conflict)
}

async fn take_lease(tx: &mut Tx<'_>, item_id: i64, reader: &str, lease_secs: f64) -> Result<WorklistItem, WorklistError> {
    let item = sqlx::query_as(&format!(
        "UPDATE worklist_items
         SET status = 'claimed', lease_holder = $2,
             lease_expires_at = now() + $3 * interval '1 second', updated_at = now()
         WHERE id = $1
         RETURNING {ITEM_COLUMNS}"
    ))
    .bind(item_id)
    .bind(reader)
    .bind(lease_secs)
    .fetch_one(&mut **tx)
    .await
    .op_on("worklists.take_lease", format_args!("item {item_id}"))?;
    Ok(item)
}

async fn audit_claim(tx: &mut Tx<'_>, item: &WorklistItem, reader: &str) -> Result<(), WorklistError> {
    let details = json!({
        "item": item.id, "queue": item.queue, "read_role": item.read_role.as_str(),
        "lease_expires_at": item.lease_expires_at,
    });
    crate::audit::record(&mut **tx, reader, "worklist.claimed", &study_subject(&item.study_uid), &details).await?;
    Ok(())
}
