//! Radiologists' reads (`reads`) and the arbitration they can open.
//!
//! [`submit_read`] stores a read and completes its worklist item in one transaction. In double
//! reading, the submission that completes the pair of first and second reads asks an
//! [`ArbitrationRule`] (the triage policy's, so the recall rule lives in one place) whether the
//! two disagree, and if so opens an `arbitration` item in the same transaction. Both submissions of
//! a pair take the study's lock, so whichever commits second sees the other's read.

use chrono::{DateTime, Utc};
use mammoflow_domain::{BiRads, Density, Finding};
use serde_json::json;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::Row;

use crate::error::Context;
use crate::worklists::{
    self, get_for_update, lock_study, study_subject, ItemStatus, ReadRole, WorklistError, WorklistItem, ITEM_COLUMNS,
};
use crate::{PgPool, StoreError, Tx};

/// A read as the radiologist submits it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRead {
    pub item_id: i64,
    /// The reader's id, as the lease and the audit log name them (e.g. `user:alice`).
    pub reader: String,
    pub birads_right: Option<BiRads>,
    pub birads_left: Option<BiRads>,
    pub density: Option<Density>,
    pub findings: Vec<Finding>,
    pub free_text: String,
    /// MammoRGTool's reading of `free_text`, kept next to the form values.
    pub parsed: Option<serde_json::Value>,
    /// Required when `parsed` is given.
    pub parser_version: Option<String>,
}

/// A stored read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadRow {
    pub id: i64,
    pub study_uid: String,
    pub worklist_item_id: Option<i64>,
    pub reader: String,
    pub role: ReadRole,
    pub birads_right: Option<BiRads>,
    pub birads_left: Option<BiRads>,
    pub density: Option<Density>,
    pub findings: Vec<Finding>,
    pub free_text: String,
    pub parsed: Option<serde_json::Value>,
    pub parser_version: Option<String>,
    pub submitted_at: DateTime<Utc>,
}

const READ_COLUMNS: &str = "id, study_uid, worklist_item_id, reader, role, birads_right, birads_left, density, \
    findings, free_text, parsed, parser_version, submitted_at";

impl<'r> sqlx::FromRow<'r, PgRow> for ReadRow {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        let findings: Json<Vec<Finding>> = row.try_get("findings")?;
        Ok(ReadRow {
            id: row.try_get("id")?,
            study_uid: row.try_get("study_uid")?,
            worklist_item_id: row.try_get("worklist_item_id")?,
            reader: row.try_get("reader")?,
            role: worklists::code(row, "role")?,
            birads_right: optional_code(row, "birads_right")?,
            birads_left: optional_code(row, "birads_left")?,
            density: optional_code(row, "density")?,
            findings: findings.0,
            free_text: row.try_get("free_text")?,
            parsed: row.try_get("parsed")?,
            parser_version: row.try_get("parser_version")?,
            submitted_at: row.try_get("submitted_at")?,
        })
    }
}

fn optional_code<T>(row: &PgRow, column: &str) -> Result<Option<T>, sqlx::Error>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| t.parse())
        .transpose()
        .map_err(|e: T::Err| sqlx::Error::ColumnDecode { index: column.to_string(), source: Box::new(e) })
}

/// The arbitration item to open for a disagreeing pair of reads.
#[derive(Debug, Clone, PartialEq)]
pub struct NewArbitration {
    pub queue: String,
    pub priority: f64,
    pub due_at: DateTime<Utc>,
    pub policy_version: Option<String>,
    pub rule_fired: String,
    pub reason: String,
    pub flags: Vec<String>,
}

/// Decides whether a completed pair of blinded reads needs a third reader.
pub trait ArbitrationRule {
    /// `Some` opens an arbitration item for the study.
    fn arbitration(&self, first: &ReadRow, second: &ReadRow, now: DateTime<Utc>) -> Option<NewArbitration>;
}

/// What [`submit_read`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmittedRead {
    pub read: ReadRow,
    /// The completed item.
    pub item: WorklistItem,
    /// The arbitration item this read opened, if any.
    pub arbitration: Option<WorklistItem>,
}

/// Stores `read` for the item its reader holds, completes the item, opens arbitration when
/// `rule` says the first and second reads disagree, and audits the submission: all in one
/// transaction.
pub async fn submit_read(
    pool: &PgPool,
    read: &NewRead,
    rule: &(impl ArbitrationRule + ?Sized),
) -> Result<SubmittedRead, WorklistError> {
    if read.parsed.is_some() && read.parser_version.as_deref().is_none_or(|v| v.trim().is_empty()) {
        return Err(WorklistError::Invalid { field: "parser_version", reason: "required with a parsed report".into() });
    }
    let op = "reads.submit_read";
    let mut tx = pool.begin().await.op_on(op, format_args!("item {}", read.item_id))?;
    let result = submit_in(&mut tx, read, rule).await;
    worklists::finish(tx, result, op).await
}

async fn submit_in(
    tx: &mut Tx<'_>,
    read: &NewRead,
    rule: &(impl ArbitrationRule + ?Sized),
) -> Result<SubmittedRead, WorklistError> {
    let item_id = read.item_id;
    let held = get_for_update(tx, item_id).await?;
    match held.status {
        ItemStatus::Claimed if held.lease_holder.as_deref() == Some(read.reader.as_str()) => {}
        ItemStatus::Claimed | ItemStatus::Pending => {
            return Err(WorklistError::NotHolder { item: item_id, reader: read.reader.clone() })
        }
        status => return Err(WorklistError::Closed { item: item_id, status }),
    }
    if held.read_role.is_blinded() {
        lock_study(tx, &held.study_uid).await?;
    }
    let stored = insert_read(tx, read, &held).await?;
    let item = worklists::complete(tx, item_id, &read.reader).await?;
    let arbitration = match paired_reads(tx, &stored).await? {
        Some((first, second)) => match rule.arbitration(&first, &second, Utc::now()) {
            Some(new) => open_arbitration(tx, &item, &new).await?,
            None => None,
        },
        None => None,
    };
    let details = json!({
        "item": item_id, "read": stored.id, "read_role": stored.role.as_str(),
        "birads_right": stored.birads_right.map(BiRads::code),
        "birads_left": stored.birads_left.map(BiRads::code),
        "arbitration_item": arbitration.as_ref().map(|a| a.id),
    });
    crate::audit::record(&mut **tx, &read.reader, "read.submitted", &study_subject(&stored.study_uid), &details)
        .await?;
    Ok(SubmittedRead { read: stored, item, arbitration })
}

async fn insert_read(tx: &mut Tx<'_>, read: &NewRead, item: &WorklistItem) -> Result<ReadRow, StoreError> {
    sqlx::query_as(&format!(
        "INSERT INTO reads (study_uid, worklist_item_id, reader, role, birads_right, birads_left, density,
                            findings, free_text, parsed, parser_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING {READ_COLUMNS}"
    ))
    .bind(&item.study_uid)
    .bind(item.id)
    .bind(&read.reader)
    .bind(item.read_role.as_str())
    .bind(read.birads_right.map(BiRads::code))
    .bind(read.birads_left.map(BiRads::code))
    .bind(read.density.map(Density::code))
    .bind(Json(&read.findings))
    .bind(&read.free_text)
    .bind(&read.parsed)
    .bind(&read.parser_version)
    .fetch_one(&mut **tx)
    .await
    .op_on("reads.insert", format_args!("item {} study {}", item.id, item.study_uid))
}

/// When `stored` is a first or second read and the other one exists: (first, second).
async fn paired_reads(tx: &mut Tx<'_>, stored: &ReadRow) -> Result<Option<(ReadRow, ReadRow)>, StoreError> {
    let other = match stored.role {
        ReadRole::First => ReadRole::Second,
        ReadRole::Second => ReadRole::First,
        ReadRole::Single | ReadRole::Arbitration => return Ok(None),
    };
    let found: Option<ReadRow> = sqlx::query_as(&format!(
        "SELECT {READ_COLUMNS} FROM reads WHERE study_uid = $1 AND role = $2
         ORDER BY submitted_at DESC, id DESC LIMIT 1"
    ))
    .bind(&stored.study_uid)
    .bind(other.as_str())
    .fetch_optional(&mut **tx)
    .await
    .op_on("reads.paired_reads", format_args!("study {}", stored.study_uid))?;
    Ok(found.map(|o| if stored.role == ReadRole::First { (stored.clone(), o) } else { (o, stored.clone()) }))
}

/// Opens the study's arbitration item (provenance copied from the completed item); `None` when
/// the study already has a live one.
async fn open_arbitration(
    tx: &mut Tx<'_>,
    completed: &WorklistItem,
    new: &NewArbitration,
) -> Result<Option<WorklistItem>, StoreError> {
    sqlx::query_as(&format!(
        "INSERT INTO worklist_items (queue, study_uid, read_role, priority, due_at, policy_version,
                                     model_version, parser_version, rule_fired, reason, flags)
         VALUES ($1, $2, 'arbitration', $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (study_uid, read_role) WHERE status <> 'cancelled' DO NOTHING
         RETURNING {ITEM_COLUMNS}"
    ))
    .bind(&new.queue)
    .bind(&completed.study_uid)
    .bind(new.priority)
    .bind(new.due_at)
    .bind(new.policy_version.as_ref().or(completed.policy_version.as_ref()))
    .bind(&completed.model_version)
    .bind(&completed.parser_version)
    .bind(&new.rule_fired)
    .bind(&new.reason)
    .bind(Json(&new.flags))
    .fetch_optional(&mut **tx)
    .await
    .op_on("reads.open_arbitration", format_args!("study {}", completed.study_uid))
}

/// One read by id.
pub async fn get(pool: &PgPool, read_id: i64) -> Result<Option<ReadRow>, StoreError> {
    sqlx::query_as(&format!("SELECT {READ_COLUMNS} FROM reads WHERE id = $1"))
        .bind(read_id)
        .fetch_optional(pool)
        .await
        .op_on("reads.get", format_args!("read {read_id}"))
}

/// Every read of a study, oldest first. Callers showing reads to a person must hide the other
/// blinded reads from a first or second reader.
pub async fn for_study(pool: &PgPool, study_uid: &str) -> Result<Vec<ReadRow>, StoreError> {
    sqlx::query_as(&format!("SELECT {READ_COLUMNS} FROM reads WHERE study_uid = $1 ORDER BY submitted_at, id"))
        .bind(study_uid)
        .fetch_all(pool)
        .await
        .op_on("reads.for_study", format_args!("study {study_uid}"))
}
