//! `mammoflow report period`: the printable program-period summary (volumes, queues and SLAs,
//! recall, agreement, trend and drift), built by `mammoflow-reports` like the portal's page.

use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use mammoflow_reports::{build_period, render_period_html};

use super::audit::{write_out, Program};

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub report: Report,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Report {
    /// Program-period summary of the studies stored in [from, to).
    Period(PeriodArgs),
}

#[derive(Debug, Clone, Args)]
pub struct PeriodArgs {
    /// First day (inclusive), YYYY-MM-DD.
    #[arg(long)]
    pub from: NaiveDate,
    /// Last day (exclusive), YYYY-MM-DD.
    #[arg(long)]
    pub to: NaiveDate,
    #[arg(long, value_enum, default_value_t = Program::Us)]
    pub program: Program,
    #[arg(long, value_enum, default_value_t = Format::Html)]
    pub format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Html,
    Json,
}

pub async fn run(args: ReportArgs) -> anyhow::Result<()> {
    match args.report {
        Report::Period(a) => {
            let pool = mammoflow_store::connect(&a.database_url, 2).await.context("connecting to Postgres")?;
            let report = build_period(&pool, a.from, a.to, a.program.into()).await?;
            let text = match a.format {
                Format::Html => render_period_html(&report)?,
                Format::Json => serde_json::to_string_pretty(&report)? + "\n",
            };
            write_out(a.out.as_deref(), &text)
        }
    }
}
