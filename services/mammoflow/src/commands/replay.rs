//! `mammoflow replay --from --to --model DIR`: stored studies through a challenger model in
//! shadow, so its audit can be compared with the champion's before it is promoted.

use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;
use mammoflow_inference::{load_model, replay_studies};
use mammorg::GenerationConfig;
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// First day (inclusive) of the studies' storage, YYYY-MM-DD.
    #[arg(long)]
    pub from: NaiveDate,
    /// Last day (exclusive).
    #[arg(long)]
    pub to: NaiveDate,
    /// The challenger's checkpoint folder.
    #[arg(long = "model")]
    pub model_dir: PathBuf,
    /// Version to register it under (default: derived from its sha256).
    #[arg(long)]
    pub model_version: Option<String>,
    #[arg(long, default_value = "cpu")]
    pub device: String,
    #[arg(long, default_value_t = 4)]
    pub batch: usize,
    #[arg(long, default_value_t = 512)]
    pub max_new_tokens: usize,
    /// Folders the studies' DICOM files may be read from.
    #[arg(long = "dicom-root", env = "MAMMOFLOW_DICOM_ROOTS", value_delimiter = ':')]
    pub dicom_roots: Vec<PathBuf>,
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
}

pub async fn run(args: ReplayArgs) -> anyhow::Result<()> {
    let pool = mammoflow_store::connect(&args.database_url, 2).await.context("connecting to Postgres")?;
    let model = load_model(&args.model_dir, args.model_version.as_deref(), &args.device)?;
    let day = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let uids = mammoflow_store::studies::stored_between(&pool, day(args.from), day(args.to)).await?;
    println!("replaying {} studies through {} (shadow)", uids.len(), model.reference.version);
    let cfg = GenerationConfig { max_new_tokens: args.max_new_tokens.max(1), use_kv_cache: true };
    let summary = replay_studies(&pool, &model, &uids, &args.dicom_roots, args.batch, &cfg).await?;
    println!("{} generated, {} already done, {} without four views, {} failed",
        summary.generated, summary.skipped, summary.ineligible, summary.failed.len());
    for (study, reason) in &summary.failed {
        println!("  {study}: {reason}");
    }
    Ok(())
}
