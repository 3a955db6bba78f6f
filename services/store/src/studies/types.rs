//! Values stored in `studies` and `study_instances`, with their text codes (the codes are the
//! migrations' CHECK lists; a test keeps the two in step).

use crate::codes::text_code;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use mammoflow_domain::View;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::Row;
use uuid::Uuid;

/// Where a study is in the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StudyStatus {
    /// Four standard views found; waiting for inference.
    Ready,
    /// Cannot go the normal way (missing view, unreadable file, ...); goes to a human read.
    Ineligible,
    Inferred,
    Parsed,
    Triaged,
    /// A later stage gave up on it; goes to a human read.
    Failed,
}

impl StudyStatus {
    pub const ALL: [StudyStatus; 6] = [
        StudyStatus::Ready,
        StudyStatus::Ineligible,
        StudyStatus::Inferred,
        StudyStatus::Parsed,
        StudyStatus::Triaged,
        StudyStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StudyStatus::Ready => "ready",
            StudyStatus::Ineligible => "ineligible",
            StudyStatus::Inferred => "inferred",
            StudyStatus::Parsed => "parsed",
            StudyStatus::Triaged => "triaged",
            StudyStatus::Failed => "failed",
        }
    }
}

/// How ingest used one referenced DICOM object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstanceRole {
    /// One of the four standard views used downstream.
    Standard,
    /// An extra or non-presentation image, kept for the record.
    Ignored,
    /// The header could not be read.
    Unreadable,
}

impl InstanceRole {
    pub const ALL: [InstanceRole; 3] = [
        InstanceRole::Standard,
        InstanceRole::Ignored,
        InstanceRole::Unreadable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InstanceRole::Standard => "standard",
            InstanceRole::Ignored => "ignored",
            InstanceRole::Unreadable => "unreadable",
        }
    }
}

text_code!(StudyStatus, "study status");
text_code!(InstanceRole, "instance role");

/// A study as ingest stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStudy {
    pub study_uid: String,
    pub site: String,
    pub patient_key: String,
    pub accession_number: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub software_versions: Option<String>,
    /// DICOM PatientAge as written, e.g. "052Y".
    pub patient_age: Option<String>,
    /// DICOM StudyDate, when the header had a valid one: the exam's day for the audit.
    pub study_date: Option<NaiveDate>,
    pub status: StudyStatus,
    /// Required (by the schema) when `status` is ineligible or failed.
    pub status_reason: Option<String>,
    /// JSON array of typed problems.
    pub problems: serde_json::Value,
    pub correlation_id: Uuid,
    pub arrived_event_id: Uuid,
}

/// One DICOM object a study references. Serialized as one element of the JSON array that
/// `insert_ingested` hands to Postgres in a single statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewInstance {
    /// None when the file could not be read far enough to know it.
    pub sop_instance_uid: Option<String>,
    pub series_uid: Option<String>,
    pub view: Option<View>,
    pub uri: String,
    pub role: InstanceRole,
    pub note: Option<String>,
    /// Extracted header attributes (a JSON object).
    pub header: serde_json::Value,
}

/// Result of [`super::insert_ingested`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    Inserted,
    /// The study UID was stored before; nothing was changed.
    AlreadyExists,
}

/// A stored study.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyRow {
    pub study_uid: String,
    pub site: String,
    pub patient_key: String,
    pub accession_number: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub software_versions: Option<String>,
    pub patient_age: Option<String>,
    pub study_date: Option<NaiveDate>,
    pub status: StudyStatus,
    pub status_reason: Option<String>,
    pub problems: serde_json::Value,
    pub correlation_id: Uuid,
    pub arrived_event_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored instance.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRow {
    pub id: i64,
    pub study_uid: String,
    pub sop_instance_uid: Option<String>,
    pub series_uid: Option<String>,
    pub view: Option<View>,
    pub uri: String,
    pub role: InstanceRole,
    pub note: Option<String>,
    pub header: serde_json::Value,
}

/// Parses a text column into a typed code, reporting a bad value as a decode error of that column.
fn code<T>(row: &PgRow, column: &str) -> Result<T, sqlx::Error>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.try_get(column)?;
    text.parse().map_err(|e: T::Err| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: Box::new(e),
    })
}

impl<'r> sqlx::FromRow<'r, PgRow> for StudyRow {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        Ok(StudyRow {
            study_uid: row.try_get("study_uid")?,
            site: row.try_get("site")?,
            patient_key: row.try_get("patient_key")?,
            accession_number: row.try_get("accession_number")?,
            manufacturer: row.try_get("manufacturer")?,
            model: row.try_get("model")?,
            software_versions: row.try_get("software_versions")?,
            patient_age: row.try_get("patient_age")?,
            study_date: row.try_get("study_date")?,
            status: code(row, "status")?,
            status_reason: row.try_get("status_reason")?,
            problems: row.try_get("problems")?,
            correlation_id: row.try_get("correlation_id")?,
            arrived_event_id: row.try_get("arrived_event_id")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

impl<'r> sqlx::FromRow<'r, PgRow> for InstanceRow {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        let view = match row.try_get::<Option<String>, _>("view")? {
            None => None,
            Some(text) => Some(
                text.parse::<View>()
                    .map_err(|e| sqlx::Error::ColumnDecode {
                        index: "view".into(),
                        source: Box::new(e),
                    })?,
            ),
        };
        Ok(InstanceRow {
            id: row.try_get("id")?,
            study_uid: row.try_get("study_uid")?,
            sop_instance_uid: row.try_get("sop_instance_uid")?,
            series_uid: row.try_get("series_uid")?,
            view,
            uri: row.try_get("uri")?,
            role: code(row, "role")?,
            note: row.try_get("note")?,
            header: row.try_get("header")?,
        })
    }
}
