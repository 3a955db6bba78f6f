//! `mammoflow`: run the pipeline, simulate studies, operate the platform.

mod commands;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "mammoflow", version, about = "Event-driven workflow orchestrator for breast-cancer screening")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every stage in one process (embedded broker and local Postgres when not configured).
    Up(commands::up::UpArgs),
    /// Simulate studies, run the pipeline on them, and print where to look.
    Demo(commands::demo::DemoArgs),
    /// Write synthetic four-view screening studies (DICOM, truth.json, report.txt).
    Simulate(commands::simulate::SimulateArgs),
    /// Run the embedded Kafka-protocol broker (Tansu, in-memory) on a loopback port.
    Broker(commands::broker::BrokerArgs),
    /// Apply the database migrations.
    Migrate(commands::migrate::MigrateArgs),
    /// Write the JSON Schemas of every event.
    Schemas(commands::schemas::SchemasArgs),
    /// Parse mammography reports into structured BI-RADS data (MammoRGTool).
    Parse(mammorgtool::cli_args::ParseArgs),
    /// Clinical-efficacy and NLG metrics of generated reports against references.
    Eval(mammorgtool::cli_args::EvalArgs),
    /// Program metrics and AI-vs-reader agreement per site, period, device, version, ...
    Audit(commands::audit::AuditArgs),
    /// Printable program reports (`report period`), shared with the portal.
    Report(commands::report::ReportArgs),
    /// List dead letters, or publish one to its topic again once its cause is fixed.
    DeadLetters(commands::dead_letters::DeadLettersArgs),
    /// Record biopsy/surgery/follow-up outcomes (CSV import).
    Outcomes(commands::outcomes::OutcomesArgs),
    /// Run stored studies through a challenger model in shadow (stored for the audit only).
    Replay(commands::replay::ReplayArgs),
    /// Simulated radiologists read the worklists of simulated studies (truth with an error rate) and record biopsy outcomes.
    SimulateReads(commands::simulate_reads::SimulateReadsArgs),
    /// Train a tiny MammoRG checkpoint on study folders (simulated when the folder is empty).
    Train(commands::train::TrainArgs),
    /// Write MammoRG reports for study folders (the shipped demo checkpoint unless --model).
    Generate(commands::generate::GenerateArgs),
    /// Benchmarks with a peer measured in the same run.
    Bench(commands::bench::BenchArgs),
    /// Portal accounts and API tokens.
    Users(commands::users::UsersArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Up(args) => commands::up::run(args).await,
        Command::Demo(args) => commands::demo::run(args).await,
        Command::Simulate(args) => commands::simulate::run(args).await,
        Command::Broker(args) => commands::broker::run(args).await,
        Command::Migrate(args) => commands::migrate::run(args).await,
        Command::Schemas(args) => commands::schemas::run(args),
        Command::Parse(args) => Ok(mammorgtool::cli_args::run_parse(&args)?),
        Command::Eval(args) => Ok(mammorgtool::cli_args::run_eval(&args)?),
        Command::Audit(args) => commands::audit::run(args).await,
        Command::Report(args) => commands::report::run(args).await,
        Command::DeadLetters(args) => commands::dead_letters::run(args).await,
        Command::Outcomes(args) => commands::outcomes::run(args).await,
        Command::Replay(args) => commands::replay::run(args).await,
        Command::SimulateReads(args) => commands::simulate_reads::run(args).await,
        Command::Train(args) => commands::train::run(args),
        Command::Generate(args) => commands::generate::run(args),
        Command::Bench(args) => commands::bench::run(args).await,
        Command::Users(args) => commands::users::run(args).await,
    }
}
