use crate::{load_model, ShadowStore, Batcher, InferenceArgs, InferenceError, InferenceHandler, InferenceMetrics};
use mammoflow_runtime::Platform;
use mammoflow_store::ai_reports::ModelRole;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Loads and registers the model, starts the worker pool and `inference_consumers` consumer
/// loops of the inference group. `metrics` are registered once per process (see
/// [`InferenceMetrics::register`]). The pool stops when the returned tasks have ended and the
/// last handler is dropped.
pub async fn spawn_inference(
    platform: &Platform,
    args: &InferenceArgs,
    metrics: &InferenceMetrics,
    shutdown: &CancellationToken,
) -> Result<Vec<JoinHandle<()>>, InferenceError> {
    let dir = args.model_dir();
    let (version, device) = (args.model_version.clone(), args.device.clone());
    // Loading reads and hashes the weights: blocking work.
    let model = tokio::task::spawn_blocking(move || load_model(&dir, version.as_deref(), &device))
        .await
        .map_err(|e| InferenceError::Startup(format!("model loading task failed: {e}")))??;
    let role = model.register(&platform.pool, args.role()).await?;
    let reference = &model.reference;
    tracing::info!(model = %reference.name, version = %reference.version, role = role.as_str(),
        device = %model.device_label, "model loaded and registered");
    metrics.model_info.with_label_values(&[&reference.name, &reference.version, &model.device_label]).set(1);
    let batcher = Batcher::start(Arc::new(model), args.batch_config(), metrics.clone())
        .map_err(|e| InferenceError::Startup(format!("starting inference worker threads: {e}")))?;
    let batcher = Arc::new(batcher);
    // A challenger runs in shadow (its own consumer group, reports stored for the audit only).
    let shadow = (role == ModelRole::Challenger)
        .then(ShadowStore::new)
        .transpose()
        .map_err(|e| InferenceError::Startup(format!("building the report parser for shadow reports: {e}")))?;
    let handler = InferenceHandler::new(batcher, platform.dicom_roots.clone(), metrics.clone(), shadow);
    Ok((0..args.inference_consumers.max(1))
        .map(|i| platform.spawn_consumer(&format!("inference-{i}"), handler.clone(), shutdown.clone()))
        .collect())
}
