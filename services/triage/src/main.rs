//! `mammoflow-triage`: the triage stage as its own process (its own consumer group member).

use clap::Parser;
use mammoflow_runtime::{run_stage_service, PlatformArgs};
use mammoflow_triage::{spawn_triage, TriageArgs, TriageMetrics};

#[derive(Debug, Parser)]
#[command(name = "mammoflow-triage", about = "Triage stage: report.parsed -> worklists + triage.assigned")]
struct Cli {
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    triage: TriageArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    run_stage_service(&cli.platform, "mammoflow-triage", async |platform, shutdown| {
        let metrics = TriageMetrics::register(&platform.registry)?;
        Ok(spawn_triage(platform, &cli.triage, &metrics, shutdown).await?)
    })
    .await
}
