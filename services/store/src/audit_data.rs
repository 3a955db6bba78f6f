//! What the audit needs of each study, in one row: the champion AI report's parsed assessment
//! (or one named model's, shadow reports included, to audit a challenger), the final read, and
//! the outcomes.

use chrono::{DateTime, NaiveDate, Utc};
use mammoflow_audit::{Outcome, ScreeningExam, Strata};
use mammoflow_domain::{BiRads, Density, StructuredReport};
use sqlx::types::Json;

use crate::error::Context;
use crate::{PgPool, StoreError};

/// One study of an audit window.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExamRecord {
    pub study_uid: String,
    pub stored_at: DateTime<Utc>,
    /// The exam's day: DICOM StudyDate, else the (UTC) day it was stored. Windows and periods
    /// of the audit count by it.
    pub exam_date: NaiveDate,
    pub site: String,
    pub manufacturer: Option<String>,
    pub device_model: Option<String>,
    /// DICOM SoftwareVersions as stored (backslash-separated when multi-valued): reports mark
    /// the day a device's software changed, since that shifts AI scores.
    pub software_versions: Option<String>,
    /// DICOM age string (`052Y`).
    pub patient_age: Option<String>,
    /// The newest champion (non-shadow) report's model and its newest parse; with a model named,
    /// that model's report.
    pub model_version: Option<String>,
    /// That report's malignancy probability.
    pub ai_malignancy_probability: Option<f32>,
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

/// Every study whose exam day lies in `[from, to)`, oldest first. `model`: audit that model
/// version's reports (a challenger's shadow reports included) instead of the champion's.
pub async fn exam_records(
    pool: &PgPool,
    from: NaiveDate,
    to: NaiveDate,
    model: Option<&str>,
) -> Result<Vec<ExamRecord>, StoreError> {
    sqlx::query_as(
        "SELECT s.study_uid, s.created_at AS stored_at, ex.exam_date, s.site, s.manufacturer, s.model AS device_model, s.software_versions,
                s.patient_age, ai.model_version, ai.malignancy_probability AS ai_malignancy_probability,
                pr.parser_version, pr.structured AS ai_structured,
                rd.reader, rd.birads_right AS reader_birads_right, rd.birads_left AS reader_birads_left,
                rd.density AS reader_density,
                EXISTS (SELECT 1 FROM outcomes o WHERE o.study_uid = s.study_uid AND o.kind = 'biopsy')
                    AS biopsy_performed,
                (SELECT CASE WHEN bool_or(o.result = 'malignant') THEN 'malignant'
                             WHEN count(*) > 0 THEN 'benign' END
                 FROM outcomes o WHERE o.study_uid = s.study_uid) AS outcome
         FROM studies s
         CROSS JOIN LATERAL (SELECT COALESCE(s.study_date, (s.created_at AT TIME ZONE 'UTC')::date)
                             AS exam_date) ex
         LEFT JOIN LATERAL (SELECT a.id, a.model_version, a.malignancy_probability FROM ai_reports a
                            WHERE a.study_uid = s.study_uid
                              AND CASE WHEN $3::text IS NULL THEN NOT a.shadow ELSE a.model_version = $3 END
                            ORDER BY a.generated_at DESC, a.id DESC LIMIT 1) ai ON true
         LEFT JOIN LATERAL (SELECT p.parser_version, p.structured FROM parsed_reports p
                            WHERE p.ai_report_id = ai.id
                            ORDER BY p.created_at DESC, p.id DESC LIMIT 1) pr ON true
         LEFT JOIN LATERAL (SELECT r.reader, r.birads_right, r.birads_left, r.density FROM reads r
                            WHERE r.study_uid = s.study_uid
                            ORDER BY (r.role = 'arbitration') DESC, r.submitted_at DESC, r.id DESC
                            LIMIT 1) rd ON true
         WHERE COALESCE(s.study_date, (s.created_at AT TIME ZONE 'UTC')::date) >= $1
           AND COALESCE(s.study_date, (s.created_at AT TIME ZONE 'UTC')::date) < $2
         ORDER BY ex.exam_date, s.created_at, s.study_uid",
    )
    .bind(from)
    .bind(to)
    .bind(model)
    .fetch_all(pool)
    .await
    .op("audit_data.exam_records")
}

/// One stored study as the audit sees it. The reader's recommendation is not a form field yet,
/// so a biopsy counts as recommended when the final read is BI-RADS 4 or 5 (the atlas's rule).
impl ExamRecord {
    /// Midnight (UTC) of the exam's day: where the study sits on the audit's time axis.
    pub fn exam_start(&self) -> DateTime<Utc> {
        self.exam_date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }

    /// The record as the audit library sees it: the exam (reader, AI, biopsy, outcome) and its strata.
    pub fn exam_and_strata(&self) -> (ScreeningExam, Strata) {
        let r = self;
        let code = |c: &Option<String>| c.as_deref().and_then(|c| c.parse::<BiRads>().ok());
        let reader = match (code(&r.reader_birads_right), code(&r.reader_birads_left)) {
            (Some(a), Some(b)) => Some(a.most_severe(b)),
            (a, b) => a.or(b),
        };
        let ai_report = r.ai_structured.as_ref().map(|j| &j.0);
        let ai = ai_report.and_then(|s| s.birads.exam_category());
        let outcome = match r.outcome.as_deref() {
            Some("malignant") => Outcome::Malignant,
            Some("benign") => Outcome::Benign,
            _ => Outcome::Unknown,
        };
        let exam = ScreeningExam {
            reader,
            ai,
            biopsy_recommended: reader.is_some_and(BiRads::is_suspicious),
            biopsy_performed: r.biopsy_performed,
            outcome,
        };
        let density = r
            .reader_density
            .as_deref()
            .and_then(|d| d.parse::<Density>().ok())
            .or_else(|| ai_report.and_then(|s| s.density.overall.or(s.density.left).or(s.density.right)));
        let strata = Strata {
            at: Some(r.exam_start()),
            site: Some(r.site.clone()),
            manufacturer: r.manufacturer.clone(),
            device_model: r.device_model.clone(),
            software_version: r.software_versions.clone(),
            ai_suspicion: r.ai_malignancy_probability,
            density,
            age: r
                .patient_age
                .as_deref()
                .and_then(|a| a.trim_end_matches('Y').parse().ok()),
            model_version: r.model_version.clone(),
            parser_version: r.parser_version.clone(),
            reader: r.reader.clone(),
        };
        (exam, strata)
    }
}
