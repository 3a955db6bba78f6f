//! Studies and the DICOM instances they reference.

mod types;

pub use types::{
    InsertOutcome, InstanceRole, InstanceRow, NewInstance, NewStudy, StudyRow, StudyStatus,
};
pub use crate::codes::UnknownCode;

use crate::error::Context;
use crate::{PgPool, StoreError, Tx};

const STUDY_COLUMNS: &str = "study_uid, site, patient_key, accession_number, manufacturer, model, \
    software_versions, patient_age, study_date, status, status_reason, problems, correlation_id, \
    arrived_event_id, created_at, updated_at";

/// Inserts the study and its instances in the caller's transaction. If the study UID already
/// exists, changes nothing and returns [`InsertOutcome::AlreadyExists`]: the first arrival wins,
/// so a re-delivered or duplicated arrival event cannot alter a stored study.
pub async fn insert_ingested(
    tx: &mut Tx<'_>,
    study: &NewStudy,
    instances: &[NewInstance],
) -> Result<InsertOutcome, StoreError> {
    let uid = study.study_uid.as_str();
    let inserted = sqlx::query(
        "INSERT INTO studies (study_uid, site, patient_key, accession_number, manufacturer, model,
                              software_versions, patient_age, study_date, status, status_reason,
                              problems, correlation_id, arrived_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (study_uid) DO NOTHING",
    )
    .bind(uid)
    .bind(&study.site)
    .bind(&study.patient_key)
    .bind(&study.accession_number)
    .bind(&study.manufacturer)
    .bind(&study.model)
    .bind(&study.software_versions)
    .bind(&study.patient_age)
    .bind(study.study_date)
    .bind(study.status.as_str())
    .bind(&study.status_reason)
    .bind(&study.problems)
    .bind(study.correlation_id)
    .bind(study.arrived_event_id)
    .execute(&mut **tx)
    .await
    .op_on(
        "studies.insert_ingested: study",
        format_args!("study {uid}"),
    )?;
    if inserted.rows_affected() == 0 {
        return Ok(InsertOutcome::AlreadyExists);
    }
    if !instances.is_empty() {
        // All instances in one round trip: the array is expanded into rows by Postgres.
        let rows = serde_json::to_value(instances).map_err(|source| StoreError::Json {
            op: "studies.insert_ingested: instances",
            source,
        })?;
        sqlx::query(
            "INSERT INTO study_instances
                 (study_uid, sop_instance_uid, series_uid, view, uri, role, note, header)
             SELECT $1, i.sop_instance_uid, i.series_uid, i.view, i.uri, i.role, i.note,
                    coalesce(i.header, '{}'::jsonb)
             FROM ROWS FROM (jsonb_to_recordset($2)
                      AS (sop_instance_uid text, series_uid text, view text, uri text,
                          role text, note text, header jsonb))
                  WITH ORDINALITY
                  AS i(sop_instance_uid, series_uid, view, uri, role, note, header, n)
             ORDER BY i.n",
        )
        .bind(uid)
        .bind(rows)
        .execute(&mut **tx)
        .await
        .op_on(
            "studies.insert_ingested: instances",
            format_args!("study {uid}"),
        )?;
    }
    Ok(InsertOutcome::Inserted)
}

/// Moves a study to `status` (with its reason); false when the study does not exist.
pub async fn update_status<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    study_uid: &str,
    status: StudyStatus,
    reason: Option<&str>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE studies SET status = $2, status_reason = $3, updated_at = now()
         WHERE study_uid = $1",
    )
    .bind(study_uid)
    .bind(status.as_str())
    .bind(reason)
    .execute(exec)
    .await
    .op_on(
        "studies.update_status",
        format_args!("study {study_uid} -> {status}"),
    )?;
    Ok(done.rows_affected() == 1)
}

/// Seconds since the study was stored by ingest (the start of its way to a worklist).
pub async fn age_seconds<'e>(exec: impl sqlx::PgExecutor<'e>, study_uid: &str) -> Result<Option<f64>, StoreError> {
    sqlx::query_scalar("SELECT extract(epoch FROM now() - created_at)::float8 FROM studies WHERE study_uid = $1")
        .bind(study_uid)
        .fetch_optional(exec)
        .await
        .op_on("studies.age_seconds", format_args!("study {study_uid}"))
}

/// One study by UID.
pub async fn get(pool: &PgPool, study_uid: &str) -> Result<Option<StudyRow>, StoreError> {
    sqlx::query_as(&format!(
        "SELECT {STUDY_COLUMNS} FROM studies WHERE study_uid = $1"
    ))
    .bind(study_uid)
    .fetch_optional(pool)
    .await
    .op_on("studies.get", format_args!("study {study_uid}"))
}

/// The newest studies, newest first.
pub async fn list(pool: &PgPool, limit: i64) -> Result<Vec<StudyRow>, StoreError> {
    sqlx::query_as(&format!(
        "SELECT {STUDY_COLUMNS} FROM studies ORDER BY created_at DESC, study_uid LIMIT $1"
    ))
    .bind(limit.max(0))
    .fetch_all(pool)
    .await
    .op("studies.list")
}

/// UIDs of the studies stored in `[from, to)`, oldest first (the scope of a replay).
pub async fn stored_between(
    pool: &PgPool,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<String>, StoreError> {
    sqlx::query_scalar("SELECT study_uid FROM studies WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, study_uid")
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
        .op("studies.stored_between")
}

/// A study's instances in the order ingest listed them.
pub async fn instances(pool: &PgPool, study_uid: &str) -> Result<Vec<InstanceRow>, StoreError> {
    sqlx::query_as(
        "SELECT id, study_uid, sop_instance_uid, series_uid, view, uri, role, note, header
         FROM study_instances WHERE study_uid = $1 ORDER BY id",
    )
    .bind(study_uid)
    .fetch_all(pool)
    .await
    .op_on("studies.instances", format_args!("study {study_uid}"))
}

/// Number of studies per status, statuses in alphabetical order (absent ones omitted).
pub async fn count_by_status(pool: &PgPool) -> Result<Vec<(String, i64)>, StoreError> {
    sqlx::query_as("SELECT status, count(*) FROM studies GROUP BY status ORDER BY status")
        .fetch_all(pool)
        .await
        .op("studies.count_by_status")
}
