//! `mammoflow-ingest`: the ingest stage as its own process (its own consumer group member).

use anyhow::Context;
use clap::Parser;
use mammoflow_ingest::{spawn_ingest, IngestArgs, IngestMetrics};
use mammoflow_runtime::{BrokerMode, Platform, PlatformArgs};
use mammoflow_telemetry::{init_logging, shutdown_on_signals, LogFormat};

#[derive(Debug, Parser)]
#[command(name = "mammoflow-ingest", about = "Ingest stage: study.arrived -> study.ready")]
struct Cli {
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    ingest: IngestArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(if cli.platform.log_json { LogFormat::Json } else { LogFormat::Pretty }, "info");
    let shutdown = shutdown_on_signals();
    let platform = Platform::start(&cli.platform, BrokerMode::ExternalOnly, "mammoflow-ingest")
        .await
        .context("starting the ingest service")?;
    let metrics = IngestMetrics::register(&platform.registry)?;
    let mut tasks = spawn_ingest(&platform, &cli.ingest, &metrics, &shutdown);
    tasks.push(platform.spawn_relay(shutdown.clone())?);
    let (addr, http) = platform.serve_http(cli.platform.http_addr, mammoflow_runtime::Router::new(), shutdown.clone()).await?;
    tracing::info!(%addr, "serving /metrics and /healthz");
    for task in tasks {
        task.await.context("stage task panicked")?;
    }
    http.await.context("HTTP task panicked")??;
    Ok(())
}
