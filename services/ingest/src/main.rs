//! `mammoflow-ingest`: the ingest stage as its own process (its own consumer group member).

use clap::Parser;
use mammoflow_ingest::{spawn_ingest, IngestArgs, IngestMetrics};
use mammoflow_runtime::{run_stage_service, PlatformArgs};

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
    run_stage_service(&cli.platform, "mammoflow-ingest", async |platform, shutdown| {
        let metrics = IngestMetrics::register(&platform.registry)?;
        Ok(spawn_ingest(platform, &cli.ingest, &metrics, shutdown))
    })
    .await
}
