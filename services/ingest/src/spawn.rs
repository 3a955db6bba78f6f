use crate::{IngestArgs, IngestHandler, IngestMetrics};
use mammoflow_runtime::Platform;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Starts `ingest_workers` consumer loops of the ingest group on `platform`. `metrics` are
/// registered once per process (see [`IngestMetrics::register`]), so the stage can be restarted.
pub fn spawn_ingest(
    platform: &Platform,
    args: &IngestArgs,
    metrics: &IngestMetrics,
    shutdown: &CancellationToken,
) -> Vec<JoinHandle<()>> {
    let handler = IngestHandler::new(args.config(&platform.dicom_roots), metrics.clone());
    (0..args.ingest_workers.max(1))
        .map(|worker| platform.spawn_consumer(&format!("ingest-{worker}"), handler.clone(), shutdown.clone()))
        .collect()
}
