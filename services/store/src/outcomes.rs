//! Biopsy, surgery and follow-up outcomes linked to studies: the ground truth of the program
//! metrics (cancer detection rate, PPVs, sensitivity).

use chrono::NaiveDate;

use crate::error::Context;
use crate::{PgPool, StoreError};

/// One outcome as recorded by the API or a CSV import. Codes are the table's: side `right`,
/// `left`, `bilateral` or none; kind `biopsy`, `surgery`, `follow_up`; result `benign`,
/// `malignant`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NewOutcome {
    pub study_uid: String,
    pub side: Option<String>,
    pub kind: String,
    pub result: String,
    pub pathology: Option<String>,
    pub outcome_date: NaiveDate,
}

impl NewOutcome {
    /// Checks every field against the table's codes, so a bad value is reported with its name
    /// before anything is written (CSV import and API alike).
    pub fn check(&self) -> Result<(), String> {
        mammoflow_domain::DicomUid::new(self.study_uid.clone()).map_err(|e| format!("study_instance_uid: {e}"))?;
        let one_of = |field: &str, value: &str, allowed: &[&str]| {
            if allowed.contains(&value) {
                Ok(())
            } else {
                Err(format!("{field} {value:?} is not one of {}", allowed.join(", ")))
            }
        };
        if let Some(side) = &self.side {
            one_of("side", side, &["right", "left", "bilateral"])?;
        }
        one_of("kind", &self.kind, &["biopsy", "surgery", "follow_up"])?;
        one_of("result", &self.result, &["benign", "malignant"])?;
        if self.pathology.as_ref().is_some_and(|p| p.len() > 2000) {
            return Err("pathology is longer than 2000 bytes".into());
        }
        Ok(())
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportCounts {
    pub inserted: usize,
    /// Already recorded (same study, kind, date and side): importing a file twice counts once.
    pub duplicates: usize,
}

/// UIDs among `study_uids` that name no stored study.
pub async fn unknown_studies(pool: &PgPool, study_uids: &[String]) -> Result<Vec<String>, StoreError> {
    sqlx::query_scalar(
        "SELECT u FROM unnest($1::text[]) AS u WHERE NOT EXISTS (SELECT 1 FROM studies WHERE study_uid = u)",
    )
    .bind(study_uids)
    .fetch_all(pool)
    .await
    .op("outcomes.unknown_studies")
}

/// Records every outcome in one transaction (all or nothing), with the audit entry.
pub async fn record_all(
    pool: &PgPool,
    outcomes: &[NewOutcome],
    source: &str,
    recorded_by: &str,
) -> Result<ImportCounts, StoreError> {
    let op = "outcomes.record_all";
    let mut tx = pool.begin().await.op(op)?;
    let mut counts = ImportCounts::default();
    for o in outcomes {
        let done = sqlx::query(
            "INSERT INTO outcomes (study_uid, side, kind, result, pathology, outcome_date, source, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT DO NOTHING",
        )
        .bind(&o.study_uid)
        .bind(&o.side)
        .bind(&o.kind)
        .bind(&o.result)
        .bind(&o.pathology)
        .bind(o.outcome_date)
        .bind(source)
        .bind(recorded_by)
        .execute(&mut *tx)
        .await
        .op_on(op, format_args!("study {}", o.study_uid))?;
        if done.rows_affected() == 1 {
            counts.inserted += 1;
        } else {
            counts.duplicates += 1;
        }
    }
    let details = serde_json::json!({"source": source, "inserted": counts.inserted, "duplicates": counts.duplicates});
    crate::audit::record(&mut *tx, recorded_by, "outcomes.recorded", "outcomes", &details).await?;
    tx.commit().await.op(op)?;
    Ok(counts)
}

/// A study's outcomes, oldest first.
pub async fn for_study(pool: &PgPool, study_uid: &str) -> Result<Vec<NewOutcome>, StoreError> {
    sqlx::query_as(
        "SELECT study_uid, side, kind, result, pathology, outcome_date FROM outcomes
         WHERE study_uid = $1 ORDER BY outcome_date, id",
    )
    .bind(study_uid)
    .fetch_all(pool)
    .await
    .op_on("outcomes.for_study", format_args!("study {study_uid}"))
}
