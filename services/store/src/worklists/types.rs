//! Values of `worklist_items` and `queues`, with their text codes (the migrations' CHECK lists).

use crate::codes::text_code;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;

use crate::StoreError;

/// Which read of a study an item stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadRole {
    /// Single reading (US): the one read every study gets.
    Single,
    /// Double reading: the first of two independent, blinded reads.
    First,
    /// Double reading: the second read, by someone other than the first reader.
    Second,
    /// A third reader settles a recall disagreement between first and second.
    Arbitration,
}

impl ReadRole {
    pub const ALL: [ReadRole; 4] = [ReadRole::Single, ReadRole::First, ReadRole::Second, ReadRole::Arbitration];

    pub fn as_str(self) -> &'static str {
        match self {
            ReadRole::Single => "single",
            ReadRole::First => "first",
            ReadRole::Second => "second",
            ReadRole::Arbitration => "arbitration",
        }
    }

    /// Roles whose reader must not have done another of these roles of the same study: the
    /// first and second reads are independent, and the arbiter is a third person.
    pub fn is_blinded(self) -> bool {
        self != ReadRole::Single
    }
}

/// Where an item is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemStatus {
    Pending,
    Claimed,
    Done,
    Cancelled,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 4] = [ItemStatus::Pending, ItemStatus::Claimed, ItemStatus::Done, ItemStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Pending => "pending",
            ItemStatus::Claimed => "claimed",
            ItemStatus::Done => "done",
            ItemStatus::Cancelled => "cancelled",
        }
    }
}

text_code!(ReadRole, "read role");
text_code!(ItemStatus, "worklist item status");

/// The items triage creates for one study: one per read role, all in the same queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItems {
    pub study_uid: String,
    pub queue: String,
    pub roles: Vec<ReadRole>,
    /// Higher is read sooner.
    pub priority: f64,
    pub due_at: DateTime<Utc>,
    pub policy_version: String,
    /// None when the event named a model version that was never registered.
    pub model_version: Option<String>,
    pub parser_version: Option<String>,
    pub rule_fired: String,
    pub reason: String,
    pub flags: Vec<String>,
}

/// Result of [`super::insert_items`].
#[derive(Debug, Clone, PartialEq)]
pub enum InsertItems {
    /// The new items' ids, in the order of `roles`.
    Inserted(Vec<i64>),
    /// The study already has live items (a re-delivered or repeated triage); nothing changed.
    AlreadyTriaged,
    /// No study with that UID is stored.
    UnknownStudy,
}

/// A stored worklist item.
#[derive(Debug, Clone, PartialEq)]
pub struct WorklistItem {
    pub id: i64,
    pub queue: String,
    pub study_uid: String,
    pub read_role: ReadRole,
    pub priority: f64,
    pub due_at: Option<DateTime<Utc>>,
    pub status: ItemStatus,
    pub lease_holder: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub policy_version: Option<String>,
    pub model_version: Option<String>,
    pub parser_version: Option<String>,
    pub rule_fired: Option<String>,
    pub reason: Option<String>,
    pub flags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<String>,
}

/// Column list matching [`WorklistItem`]'s `FromRow`.
pub(crate) const ITEM_COLUMNS: &str = "id, queue, study_uid, read_role, priority, due_at, status, \
    lease_holder, lease_expires_at, policy_version, model_version, parser_version, rule_fired, \
    reason, flags, created_at, updated_at, completed_at, completed_by";

impl<'r> sqlx::FromRow<'r, PgRow> for WorklistItem {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        let flags: sqlx::types::Json<Vec<String>> = row.try_get("flags")?;
        Ok(WorklistItem {
            id: row.try_get("id")?,
            queue: row.try_get("queue")?,
            study_uid: row.try_get("study_uid")?,
            read_role: code(row, "read_role")?,
            priority: row.try_get("priority")?,
            due_at: row.try_get("due_at")?,
            status: code(row, "status")?,
            lease_holder: row.try_get("lease_holder")?,
            lease_expires_at: row.try_get("lease_expires_at")?,
            policy_version: row.try_get("policy_version")?,
            model_version: row.try_get("model_version")?,
            parser_version: row.try_get("parser_version")?,
            rule_fired: row.try_get("rule_fired")?,
            reason: row.try_get("reason")?,
            flags: flags.0,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            completed_at: row.try_get("completed_at")?,
            completed_by: row.try_get("completed_by")?,
        })
    }
}

/// Parses a text column into a typed code, reporting a bad value as a decode error of that column.
pub(crate) fn code<T>(row: &PgRow, column: &str) -> Result<T, sqlx::Error>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.try_get(column)?;
    text.parse().map_err(|e: T::Err| sqlx::Error::ColumnDecode { index: column.to_string(), source: Box::new(e) })
}

/// Counts of one queue for the worklist pages and SLA metrics.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct QueueStats {
    pub queue: String,
    pub title: String,
    pub pending: i64,
    pub claimed: i64,
    /// Age in seconds of the oldest open (pending or claimed) item; None when there is none.
    pub oldest_age_seconds: Option<f64>,
    /// Open items past their due time.
    pub overdue: i64,
}

/// Why a worklist action by a person was refused.
#[derive(Debug, thiserror::Error)]
pub enum WorklistError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("worklist item {0} does not exist")]
    NotFound(i64),
    #[error("worklist item {item} is {status}; only a pending item can be claimed")]
    NotPending { item: i64, status: ItemStatus },
    #[error("worklist item {item} is not claimed by {reader}")]
    NotHolder { item: i64, reader: String },
    #[error("worklist item {item} is {status}; only an open item can be changed")]
    Closed { item: i64, status: ItemStatus },
    #[error(
        "{reader} already did or holds another blinded read of study {study_uid}; worklist item {item} \
         must go to a different reader"
    )]
    Blinded { item: i64, reader: String, study_uid: String },
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

impl WorklistError {
    /// True when retrying may succeed (the database is unreachable or lost a race).
    pub fn is_transient(&self) -> bool {
        matches!(self, WorklistError::Store(e) if e.is_transient())
    }
}
