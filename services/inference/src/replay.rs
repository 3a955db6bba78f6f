//! Re-running stored studies through another model version in shadow: its reports are stored
//! for the audit (`ai_reports.shadow = true`), never announced, never triaged.

use crate::model::LoadedModel;
use crate::run::{run_batch, StudyPaths};
use crate::shadow::ShadowStore;
use crate::InferenceError;
use mammoflow_dicom::resolve_uri;
use mammoflow_store::ai_reports::{self, ModelRole};
use mammoflow_store::studies::{self, InstanceRole};
use mammoflow_store::PgPool;
use mammorg::GenerationConfig;
use std::path::PathBuf;
use std::time::Duration;

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    pub generated: usize,
    /// Already reported on by this model version.
    pub skipped: usize,
    /// Not four standard views (ineligible at ingest): nothing to run.
    pub ineligible: usize,
    /// `(study, reason)` of studies the model could not report on.
    pub failed: Vec<(String, String)>,
}

/// Runs `model` (registered as challenger; refused if it is the champion) over `study_uids` in
/// batches of `batch`, reading pixels only under `dicom_roots`.
pub async fn replay_studies(
    pool: &PgPool,
    model: &LoadedModel,
    study_uids: &[String],
    dicom_roots: &[PathBuf],
    batch: usize,
    cfg: &GenerationConfig,
) -> Result<ReplaySummary, InferenceError> {
    if model.register(pool, ModelRole::Challenger).await? == ModelRole::Champion {
        return Err(InferenceError::Replay(format!(
            "{} is the champion; a replay runs a challenger in shadow",
            model.reference.version
        )));
    }
    let shadow = ShadowStore::new().map_err(|e| InferenceError::Replay(format!("building the report parser: {e}")))?;
    let mut summary = ReplaySummary::default();
    let mut pending: Vec<(String, StudyPaths)> = Vec::new();
    for uid in study_uids {
        if ai_reports::get(pool, uid, &model.reference.version).await?.is_some() {
            summary.skipped += 1;
            continue;
        }
        match standard_views(pool, uid, dicom_roots).await? {
            Ok(paths) => pending.push((uid.clone(), paths)),
            Err(None) => summary.ineligible += 1,
            Err(Some(reason)) => summary.failed.push((uid.clone(), reason)),
        }
    }
    for chunk in pending.chunks(batch.max(1)) {
        let studies: Vec<(StudyPaths, Duration)> = chunk.iter().map(|(_, p)| (p.clone(), Duration::ZERO)).collect();
        let checkpoint = &model.checkpoint;
        // Model work is blocking; keep it off the async worker threads.
        let results = tokio::task::block_in_place(|| run_batch(checkpoint, cfg, &studies));
        for ((uid, _), result) in chunk.iter().zip(results) {
            match result {
                Ok(study) => {
                    let mut tx = pool.begin().await.map_err(|e| InferenceError::Replay(format!("database: {e}")))?;
                    shadow.store(&mut tx, uid, model, &study).await.map_err(|e| InferenceError::Replay(e.to_string()))?;
                    tx.commit().await.map_err(|e| InferenceError::Replay(format!("database: {e}")))?;
                    summary.generated += 1;
                }
                Err(failure) => summary.failed.push((uid.clone(), failure.to_string())),
            }
        }
    }
    Ok(summary)
}

/// The study's four standard views in model order; `Err(None)` when it does not have them,
/// `Err(Some(reason))` when a file may not be read.
async fn standard_views(pool: &PgPool, uid: &str, roots: &[PathBuf]) -> Result<Result<StudyPaths, Option<String>>, InferenceError> {
    let instances = studies::instances(pool, uid).await?;
    let mut paths = Vec::with_capacity(4);
    for view in mammorg::VIEW_ORDER {
        let Some(instance) = instances.iter().find(|i| i.role == InstanceRole::Standard && i.view == Some(view)) else {
            return Ok(Err(None));
        };
        match resolve_uri(&instance.uri, roots) {
            Ok(path) => paths.push(path),
            Err(e) => return Ok(Err(Some(e.to_string()))),
        }
    }
    let [a, b, c, d]: [PathBuf; 4] = paths.try_into().map_err(|_| InferenceError::Replay("four views expected".into()))?;
    Ok(Ok([a, b, c, d]))
}
