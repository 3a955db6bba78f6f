//! `mammoflow-inference`: the inference stage as its own process (its own consumer group
//! member). Run one per GPU, or a few per CPU box.

use clap::Parser;
use mammoflow_inference::{spawn_inference, InferenceArgs, InferenceMetrics};
use mammoflow_runtime::{run_stage_service, PlatformArgs};

#[derive(Debug, Parser)]
#[command(name = "mammoflow-inference", about = "Inference stage: study.ready -> report.generated")]
struct Cli {
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    inference: InferenceArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    run_stage_service(&cli.platform, "mammoflow-inference", async |platform, shutdown| {
        let metrics = InferenceMetrics::register(&platform.registry)?;
        Ok(spawn_inference(platform, &cli.inference, &metrics, shutdown).await?)
    })
    .await
}
