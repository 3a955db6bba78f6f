use anyhow::Context;
use clap::Args;
use mammoflow_store::local::{discover_or_start, LocalPgOptions};
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    /// Postgres URL. Unset: 127.0.0.1:5432 if a server answers, else a private cluster.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    #[arg(long, env = "MAMMOFLOW_DATA_DIR", default_value = ".mammoflow")]
    pub data_dir: PathBuf,
}

pub async fn run(args: MigrateArgs) -> anyhow::Result<()> {
    let local;
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => {
            let options = LocalPgOptions { use_env: false, data_dir: args.data_dir.join("pg"), keep_running: true, ..Default::default() };
            local = discover_or_start(options).await.context("finding Postgres")?;
            local.url().to_string()
        }
    };
    let pool = mammoflow_store::connect(&url, 1).await.context("connecting to Postgres")?;
    mammoflow_store::migrate(&pool).await.context("applying migrations")?;
    let applied = mammoflow_store::MIGRATOR.iter().count();
    println!("migrations applied ({applied} in the history)");
    Ok(())
}
