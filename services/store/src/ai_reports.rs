//! Model registry (`model_versions`) and generated reports (`ai_reports`).
//!
//! Every AI report names the model version that wrote it; a version is registered once with the
//! sha256 of its checkpoint, so the same name can never silently mean other weights.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::Context;
use crate::{PgPool, StoreError, Tx};

/// What a registered model is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelRole {
    /// Its reports drive triage. One per model family.
    Champion,
    /// Run in shadow: stored for the audit, never routed to a worklist.
    Challenger,
    Retired,
}

impl ModelRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelRole::Champion => "champion",
            ModelRole::Challenger => "challenger",
            ModelRole::Retired => "retired",
        }
    }

    fn parse(s: &str) -> Option<ModelRole> {
        [ModelRole::Champion, ModelRole::Challenger, ModelRole::Retired].into_iter().find(|r| r.as_str() == s)
    }
}

/// A checkpoint to register.
#[derive(Debug, Clone, PartialEq)]
pub struct NewModelVersion {
    pub version: String,
    pub family: String,
    /// The configuration name (`tiny`, `official`).
    pub config: String,
    pub checkpoint_uri: Option<String>,
    /// Lower-case hex sha256 over the checkpoint's files.
    pub checkpoint_sha256: String,
    pub role: ModelRole,
    /// The checkpoint's `config.json` and anything else worth keeping with the version.
    pub details: serde_json::Value,
}

/// A registered model version.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelVersionRow {
    pub version: String,
    pub family: String,
    pub config: String,
    pub checkpoint_uri: Option<String>,
    pub checkpoint_sha256: Option<String>,
    pub role: ModelRole,
    pub registered_at: DateTime<Utc>,
}

type ModelTuple = (String, String, String, Option<String>, Option<String>, String, DateTime<Utc>);

fn model_row(t: ModelTuple) -> ModelVersionRow {
    let (version, family, config, checkpoint_uri, checkpoint_sha256, role, registered_at) = t;
    // The column's CHECK allows only the three roles.
    let role = ModelRole::parse(&role).unwrap_or(ModelRole::Retired);
    ModelVersionRow { version, family, config, checkpoint_uri, checkpoint_sha256, role, registered_at }
}

/// Why a registration was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// Newly registered, or already registered with the same checkpoint hash.
    Registered(ModelRole),
    /// The version name exists with other weights: the caller must choose a new version.
    HashMismatch { stored: String },
}

/// Registers `model` (idempotent for the same version and hash). Registering a champion demotes
/// the family's previous champion to challenger, in the same transaction, and writes both
/// changes to the audit log. A re-registration keeps the stored role unless a champion is asked
/// for.
pub async fn register_model(pool: &PgPool, model: &NewModelVersion, actor: &str) -> Result<Registration, StoreError> {
    let op = "ai_reports.register_model";
    let mut tx = pool.begin().await.op_on(op, &model.version)?;
    // Serialise registrations of one family so two processes cannot both become champion.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('model_versions:' || $1))")
        .bind(&model.family)
        .execute(&mut *tx)
        .await
        .op_on(op, &model.version)?;
    let stored: Option<(Option<String>, String)> =
        sqlx::query_as("SELECT checkpoint_sha256, role FROM model_versions WHERE version = $1")
            .bind(&model.version)
            .fetch_optional(&mut *tx)
            .await
            .op_on(op, &model.version)?;
    if let Some((hash, role)) = &stored {
        if hash.as_deref() != Some(model.checkpoint_sha256.as_str()) {
            return Ok(Registration::HashMismatch { stored: hash.clone().unwrap_or_default() });
        }
        let current = ModelRole::parse(role).unwrap_or(ModelRole::Retired);
        if model.role != ModelRole::Champion || current == ModelRole::Champion {
            return Ok(Registration::Registered(current));
        }
    }
    if model.role == ModelRole::Champion {
        let demoted: Vec<String> = sqlx::query_scalar(
            "UPDATE model_versions SET role = 'challenger'
             WHERE family = $1 AND role = 'champion' AND version <> $2 RETURNING version",
        )
        .bind(&model.family)
        .bind(&model.version)
        .fetch_all(&mut *tx)
        .await
        .op_on(op, &model.version)?;
        for old in demoted {
            let details = serde_json::json!({"role": "challenger", "replaced_by": model.version});
            crate::audit::record(&mut *tx, actor, "model.demoted", &format!("model:{old}"), &details).await?;
        }
    }
    sqlx::query(
        "INSERT INTO model_versions (version, family, config, checkpoint_uri, checkpoint_sha256, role, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (version) DO UPDATE SET role = EXCLUDED.role",
    )
    .bind(&model.version)
    .bind(&model.family)
    .bind(&model.config)
    .bind(&model.checkpoint_uri)
    .bind(&model.checkpoint_sha256)
    .bind(model.role.as_str())
    .bind(&model.details)
    .execute(&mut *tx)
    .await
    .op_on(op, &model.version)?;
    let details = serde_json::json!({"role": model.role.as_str(), "sha256": model.checkpoint_sha256});
    crate::audit::record(&mut *tx, actor, "model.registered", &format!("model:{}", model.version), &details).await?;
    tx.commit().await.op_on(op, &model.version)?;
    Ok(Registration::Registered(model.role))
}

/// One registered version.
pub async fn get_model(pool: &PgPool, version: &str) -> Result<Option<ModelVersionRow>, StoreError> {
    let row: Option<ModelTuple> = sqlx::query_as(
        "SELECT version, family, config, checkpoint_uri, checkpoint_sha256, role, registered_at
         FROM model_versions WHERE version = $1",
    )
    .bind(version)
    .fetch_optional(pool)
    .await
    .op_on("ai_reports.get_model", version)?;
    Ok(row.map(model_row))
}

/// Every registered version, newest first.
pub async fn list_models(pool: &PgPool) -> Result<Vec<ModelVersionRow>, StoreError> {
    let rows: Vec<ModelTuple> = sqlx::query_as(
        "SELECT version, family, config, checkpoint_uri, checkpoint_sha256, role, registered_at
         FROM model_versions ORDER BY registered_at DESC, version",
    )
    .fetch_all(pool)
    .await
    .op("ai_reports.list_models")?;
    Ok(rows.into_iter().map(model_row).collect())
}

/// A generated report to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAiReport {
    pub study_uid: String,
    pub model_version: String,
    pub report_text: String,
    /// Stage-1 probabilities as the report.generated event carries them.
    pub probabilities: serde_json::Value,
    /// The exam's malignancy probability from those (the event's `malignancy_probability`).
    pub malignancy_probability: Option<f32>,
    pub shadow: bool,
    /// `cpu`, `cuda:0`, …
    pub device: String,
    pub batch_size: i32,
    pub queue_ms: f64,
    pub inference_ms: f64,
    /// The report.generated event announcing it (none for shadow reports, which are not
    /// announced).
    pub event_id: Option<Uuid>,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AiReportRow {
    pub id: i64,
    pub study_uid: String,
    pub model_version: String,
    pub report_text: String,
    pub probabilities: serde_json::Value,
    pub malignancy_probability: Option<f32>,
    pub shadow: bool,
    pub device: Option<String>,
    pub batch_size: Option<i32>,
    pub queue_ms: Option<f64>,
    pub inference_ms: Option<f64>,
    pub generated_at: DateTime<Utc>,
    pub event_id: Option<Uuid>,
}

/// Stores `report` in the caller's transaction; `None` when this study already has a report
/// from this model version (a re-delivery), which is left unchanged.
pub async fn insert(tx: &mut Tx<'_>, report: &NewAiReport) -> Result<Option<i64>, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO ai_reports (study_uid, model_version, report_text, probabilities, shadow, device,
                                 batch_size, queue_ms, inference_ms, event_id, malignancy_probability)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (study_uid, model_version) DO NOTHING
         RETURNING id",
    )
    .bind(&report.study_uid)
    .bind(&report.model_version)
    .bind(&report.report_text)
    .bind(&report.probabilities)
    .bind(report.shadow)
    .bind(&report.device)
    .bind(report.batch_size)
    .bind(report.queue_ms)
    .bind(report.inference_ms)
    .bind(report.event_id)
    .bind(report.malignancy_probability)
    .fetch_optional(&mut **tx)
    .await
    .op_on("ai_reports.insert", format_args!("study {} model {}", report.study_uid, report.model_version))
}

/// True when the study already has a report from this model version.
pub async fn exists(tx: &mut Tx<'_>, study_uid: &str, model_version: &str) -> Result<bool, StoreError> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM ai_reports WHERE study_uid = $1 AND model_version = $2)")
        .bind(study_uid)
        .bind(model_version)
        .fetch_one(&mut **tx)
        .await
        .op_on("ai_reports.exists", format_args!("study {study_uid} model {model_version}"))
}

const REPORT_COLUMNS: &str = "id, study_uid, model_version, report_text, probabilities, shadow, device, \
    batch_size, queue_ms, inference_ms, generated_at, event_id, malignancy_probability";

/// Every report of a study (champion and shadow), oldest first.
pub async fn for_study(pool: &PgPool, study_uid: &str) -> Result<Vec<AiReportRow>, StoreError> {
    sqlx::query_as(&format!("SELECT {REPORT_COLUMNS} FROM ai_reports WHERE study_uid = $1 ORDER BY generated_at, id"))
        .bind(study_uid)
        .fetch_all(pool)
        .await
        .op_on("ai_reports.for_study", format_args!("study {study_uid}"))
}

/// The report a study got from one model version.
pub async fn get(pool: &PgPool, study_uid: &str, model_version: &str) -> Result<Option<AiReportRow>, StoreError> {
    sqlx::query_as(&format!(
        "SELECT {REPORT_COLUMNS} FROM ai_reports WHERE study_uid = $1 AND model_version = $2"
    ))
    .bind(study_uid)
    .bind(model_version)
    .fetch_optional(pool)
    .await
    .op_on("ai_reports.get", format_args!("study {study_uid} model {model_version}"))
}
