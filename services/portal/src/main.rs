//! `mammoflow-portal`: the web portal as its own process.

use anyhow::Context;
use clap::Parser;
use mammoflow_portal::{spawn_portal, PortalArgs, PortalMetrics};
use mammoflow_runtime::{run_stage_service, PlatformArgs};

#[derive(Debug, Parser)]
#[command(name = "mammoflow-portal", about = "Web portal: worklists, study pages, reads, operator pages, reports, JSON API")]
struct Cli {
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    portal: PortalArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    run_stage_service(&cli.platform, "mammoflow-portal", async |platform, shutdown| {
        let metrics = PortalMetrics::register(&platform.registry)?;
        let (addr, task) = spawn_portal(platform, &cli.portal, metrics, shutdown.clone()).await.context("starting the portal")?;
        tracing::info!(%addr, "portal listening");
        Ok(vec![task])
    })
    .await
}
