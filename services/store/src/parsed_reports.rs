//! Structured results of parsing AI reports and radiologists' free text (`parsed_reports`).
//!
//! One row per (report, parser version): parsing the same text again with the same parser (a
//! re-delivered event) changes nothing, while a new parser version adds a row next to the old
//! one, so results of two parser versions can be compared.

use std::fmt;

use chrono::{DateTime, Utc};
use mammoflow_domain::StructuredReport;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::Row;

use crate::error::Context;
use crate::{PgPool, StoreError, Tx};

/// What the parsed text was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParseSource {
    /// A model-generated report (`ai_reports`).
    Ai,
    /// A radiologist's free text (`reads`).
    Read,
}

impl ParseSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ParseSource::Ai => "ai",
            ParseSource::Read => "read",
        }
    }

    fn parse(s: &str) -> Option<ParseSource> {
        [ParseSource::Ai, ParseSource::Read].into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for ParseSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One parse result to store, whichever text it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewParse<'a> {
    pub parser_version: &'a str,
    pub structured: &'a StructuredReport,
    /// JSON array of the parser's warnings (code, message, span).
    pub warnings: &'a serde_json::Value,
    /// Lowest per-field confidence, 0–1.
    pub confidence: Option<f32>,
}

/// Result of [`insert_for_ai_report`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AiParseInsert {
    /// Stored with this `parsed_reports.id`.
    Inserted(i64),
    /// This report was already parsed by this parser version; nothing changed.
    AlreadyParsed,
    /// The study has no (non-shadow) report from that model version to attach the result to.
    NoAiReport,
}

/// A stored parse result.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedReportRow {
    pub id: i64,
    pub study_uid: String,
    pub source: ParseSource,
    pub ai_report_id: Option<i64>,
    pub read_id: Option<i64>,
    pub parser_version: String,
    pub structured: StructuredReport,
    pub warnings: serde_json::Value,
    pub confidence: Option<f32>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, study_uid, source, ai_report_id, read_id, parser_version, structured, warnings, \
    confidence, created_at";

impl<'r> sqlx::FromRow<'r, PgRow> for ParsedReportRow {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        let source: String = row.try_get("source")?;
        // The column's CHECK allows only the two sources; anything else is a decode error.
        let source = ParseSource::parse(&source).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: "source".into(),
            source: format!("unknown parse source {source:?}").into(),
        })?;
        let Json(structured) = row.try_get::<Json<StructuredReport>, _>("structured")?;
        Ok(ParsedReportRow {
            id: row.try_get("id")?,
            study_uid: row.try_get("study_uid")?,
            source,
            ai_report_id: row.try_get("ai_report_id")?,
            read_id: row.try_get("read_id")?,
            parser_version: row.try_get("parser_version")?,
            structured,
            warnings: row.try_get("warnings")?,
            confidence: row.try_get("confidence")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

fn structured_json(op: &'static str, report: &StructuredReport) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(report).map_err(|source| StoreError::Json { op, source })
}

/// Stores the parse of the announced (non-shadow) report that `model_version` wrote for
/// `study_uid`, in the caller's transaction. The report is looked up in the same statement, so
/// there is no window between finding it and referencing it.
pub async fn insert_for_ai_report(
    tx: &mut Tx<'_>,
    study_uid: &str,
    model_version: &str,
    parse: &NewParse<'_>,
) -> Result<AiParseInsert, StoreError> {
    insert_for_report(tx, study_uid, model_version, false, parse).await
}

/// The same for a challenger's shadow report: no event announces it, so whoever stores it
/// parses it at once, for the audit.
pub async fn insert_for_shadow_report(
    tx: &mut Tx<'_>,
    study_uid: &str,
    model_version: &str,
    parse: &NewParse<'_>,
) -> Result<AiParseInsert, StoreError> {
    insert_for_report(tx, study_uid, model_version, true, parse).await
}

async fn insert_for_report(
    tx: &mut Tx<'_>,
    study_uid: &str,
    model_version: &str,
    shadow: bool,
    parse: &NewParse<'_>,
) -> Result<AiParseInsert, StoreError> {
    let op = "parsed_reports.insert_for_report";
    let structured = structured_json(op, parse.structured)?;
    // One round trip that also tells "no report" from "already parsed": both insert nothing.
    let (ai_report_id, parsed_id): (Option<i64>, Option<i64>) = sqlx::query_as(
        "WITH ai AS (
             SELECT id FROM ai_reports WHERE study_uid = $1 AND model_version = $2 AND shadow = $7
         ), ins AS (
             INSERT INTO parsed_reports (study_uid, source, ai_report_id, parser_version, structured,
                                         warnings, confidence)
             SELECT $1, 'ai', ai.id, $3, $4, $5, $6 FROM ai
             ON CONFLICT (ai_report_id, parser_version) DO NOTHING
             RETURNING id
         )
         SELECT (SELECT id FROM ai), (SELECT id FROM ins)",
    )
    .bind(study_uid)
    .bind(model_version)
    .bind(parse.parser_version)
    .bind(structured)
    .bind(parse.warnings)
    .bind(parse.confidence)
    .bind(shadow)
    .fetch_one(&mut **tx)
    .await
    .op_on(op, format_args!("study {study_uid} model {model_version}"))?;
    Ok(match (ai_report_id, parsed_id) {
        (_, Some(id)) => AiParseInsert::Inserted(id),
        (Some(_), None) => AiParseInsert::AlreadyParsed,
        (None, None) => AiParseInsert::NoAiReport,
    })
}

/// Stores the parse of a radiologist's free text (read `read_id`) in the caller's transaction;
/// `None` when this read was already parsed by this parser version (nothing changed).
pub async fn insert_for_read(
    tx: &mut Tx<'_>,
    study_uid: &str,
    read_id: i64,
    parse: &NewParse<'_>,
) -> Result<Option<i64>, StoreError> {
    let op = "parsed_reports.insert_for_read";
    let structured = structured_json(op, parse.structured)?;
    sqlx::query_scalar(
        "INSERT INTO parsed_reports (study_uid, source, read_id, parser_version, structured, warnings,
                                     confidence)
         VALUES ($1, 'read', $2, $3, $4, $5, $6)
         ON CONFLICT (read_id, parser_version) DO NOTHING
         RETURNING id",
    )
    .bind(study_uid)
    .bind(read_id)
    .bind(parse.parser_version)
    .bind(structured)
    .bind(parse.warnings)
    .bind(parse.confidence)
    .fetch_optional(&mut **tx)
    .await
    .op_on(op, format_args!("study {study_uid} read {read_id}"))
}

/// Every parse result of a study (AI reports and reads, every parser version), oldest first.
pub async fn for_study(pool: &PgPool, study_uid: &str) -> Result<Vec<ParsedReportRow>, StoreError> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM parsed_reports WHERE study_uid = $1 ORDER BY created_at, id"))
        .bind(study_uid)
        .fetch_all(pool)
        .await
        .op_on("parsed_reports.for_study", format_args!("study {study_uid}"))
}

/// The parse results of one AI report (one per parser version), oldest first.
pub async fn for_ai_report(pool: &PgPool, ai_report_id: i64) -> Result<Vec<ParsedReportRow>, StoreError> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM parsed_reports WHERE ai_report_id = $1 ORDER BY created_at, id"
    ))
    .bind(ai_report_id)
    .fetch_all(pool)
    .await
    .op_on("parsed_reports.for_ai_report", format_args!("ai report {ai_report_id}"))
}
