//! `mammoflow-parser`: the parser stage as its own process (its own consumer group member).

use anyhow::Context;
use clap::Parser;
use mammoflow_parser::{spawn_parser, ParserArgs, ParserMetrics};
use mammoflow_runtime::{run_stage_service, PlatformArgs};

#[derive(Debug, Parser)]
#[command(name = "mammoflow-parser", about = "Parser stage: report.generated -> report.parsed")]
struct Cli {
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    parser: ParserArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    run_stage_service(&cli.platform, "mammoflow-parser", async |platform, shutdown| {
        let metrics = ParserMetrics::register(&platform.registry)?;
        spawn_parser(platform, &cli.parser, &metrics, shutdown).context("building the report parser")
    })
    .await
}
