//! The whole life of a one-stage service binary, so each binary only says which stage it runs.

use crate::{BrokerMode, Platform, PlatformArgs};
use mammoflow_telemetry::{init_logging, shutdown_on_signals, LogFormat};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Logs, signals, the platform (external Kafka only), the stage's tasks from `spawn`, the outbox
/// relay and `/metrics` + `/healthz`; returns when SIGTERM/ctrl-c has stopped them all.
pub async fn run_stage_service(
    args: &PlatformArgs,
    name: &str,
    spawn: impl AsyncFnOnce(&Platform, &CancellationToken) -> anyhow::Result<Vec<JoinHandle<()>>>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    init_logging(if args.log_json { LogFormat::Json } else { LogFormat::Pretty }, "info");
    let shutdown = shutdown_on_signals();
    let platform = Platform::start(args, BrokerMode::ExternalOnly, name).await.with_context(|| format!("starting {name}"))?;
    let mut tasks = spawn(&platform, &shutdown).await?;
    tasks.push(platform.spawn_relay(shutdown.clone())?);
    let (addr, http) = platform.serve_http(args.http_addr, axum::Router::new(), shutdown.clone()).await?;
    tracing::info!(%addr, service = name, "serving /metrics and /healthz");
    for task in tasks {
        task.await.context("stage task panicked")?;
    }
    http.await.context("HTTP task panicked")??;
    Ok(())
}
