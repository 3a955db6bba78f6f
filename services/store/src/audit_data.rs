//! What the audit needs of each study, in one row: the champion AI report's parsed assessment,
//! the final read, and the outcomes.

use chrono::{DateTime, Utc};
use mammoflow_domain::StructuredReport;
use sqlx::types::Json;

use crate::error::Context;
use crate::{PgPool, StoreError};

/// One study of an audit window.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExamRecord {
    pub study_uid: String,
    pub stored_at: DateTime<Utc>,
    pub site: String,
    pub manufacturer: Option<String>,
    pub device_model: Option<String>,
    /// DICOM age string (`052Y`).
    pub patient_age: Option<String>,
    /// The newest champion (non-shadow) report's model and its newest parse.
    pub model_version: Option<String>,
    pub parser_version: Option<String>,
    pub ai_structured: Option<Json<StructuredReport>>,
    /// The final read: the arbitration read when there is one, else the newest read.
    pub reader: Option<String>,
    pub reader_birads_right: Option<String>,
    pub reader_birads_left: Option<String>,
    pub reader_density: Option<String>,
    pub biopsy_performed: bool,
    /// `malignant` if any outcome is, `benign` if all recorded ones are, none without outcomes.
    pub outcome: Option<String>,
}

/// Every study stored in `[from, to)`, oldest first.
pub async fn exam_records(pool: &PgPool, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<ExamRecord>, StoreError> {
    sqlx::query_as(
        "SELECT s.study_uid, s.created_at AS stored_at, s.site, s.manufacturer, s.model AS device_model,
                s.patient_age, ai.model_version, pr.parser_version, pr.structured AS ai_structured,
                rd.reader, rd.birads_right AS reader_birads_right, rd.birads_left AS reader_birads_left,
                rd.density AS reader_density,
                EXISTS (SELECT 1 FROM outcomes o WHERE o.study_uid = s.study_uid AND o.kind = 'biopsy')
                    AS biopsy_performed,
                (SELECT CASE WHEN bool_or(o.result = 'malignant') THEN 'malignant'
                             WHEN count(*) > 0 THEN 'benign' END
                 FROM outcomes o WHERE o.study_uid = s.study_uid) AS outcome
         FROM studies s
         LEFT JOIN LATERAL (SELECT a.id, a.model_version FROM ai_reports a
                            WHERE a.study_uid = s.study_uid AND NOT a.shadow
                            ORDER BY a.generated_at DESC, a.id DESC LIMIT 1) ai ON true
         LEFT JOIN LATERAL (SELECT p.parser_version, p.structured FROM parsed_reports p
                            WHERE p.ai_report_id = ai.id
                            ORDER BY p.created_at DESC, p.id DESC LIMIT 1) pr ON true
         LEFT JOIN LATERAL (SELECT r.reader, r.birads_right, r.birads_left, r.density FROM reads r
                            WHERE r.study_uid = s.study_uid
                            ORDER BY (r.role = 'arbitration') DESC, r.submitted_at DESC, r.id DESC
                            LIMIT 1) rd ON true
         WHERE s.created_at >= $1 AND s.created_at < $2
         ORDER BY s.created_at, s.study_uid",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    .op("audit_data.exam_records")
}
