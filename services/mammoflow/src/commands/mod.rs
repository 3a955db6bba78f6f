pub mod audit;
pub mod bench;
pub mod bench_model;
pub mod broker;
pub mod dead_letters;
pub mod demo;
pub mod generate;
pub mod migrate;
pub mod outcomes;
pub mod replay;
pub mod report;
pub mod schemas;
pub mod simulate;
pub mod simulate_reads;
pub mod train;
pub mod up;
pub mod users;

use mammoflow_runtime::PlatformArgs;
use mammoflow_telemetry::{init_logging, LogFormat};

fn init_logs(platform: &PlatformArgs, default_filter: &str) {
    init_logging(if platform.log_json { LogFormat::Json } else { LogFormat::Pretty }, default_filter);
}

use anyhow::Context;
use mammoflow_store::local::{discover_or_start, fresh_database, LocalPgOptions, LocalPostgres, TestDatabase};

/// A new, migrated database for one demo or benchmark run, on DATABASE_URL's server, else the
/// discovered one (127.0.0.1:5432 or a private cluster, left running for the next run).
async fn scratch_database(platform: &PlatformArgs, prefix: &str) -> anyhow::Result<(Option<LocalPostgres>, TestDatabase)> {
    let (local, server_url) = match &platform.database_url {
        Some(url) => (None, url.clone()),
        None => {
            let options = LocalPgOptions {
                use_env: false,
                data_dir: platform.data_dir.join("pg"),
                keep_running: true,
                ..LocalPgOptions::default()
            };
            let pg = discover_or_start(options).await.context("finding Postgres")?;
            let url = pg.server_url().to_string();
            (Some(pg), url)
        }
    };
    let db = fresh_database(&server_url, prefix).await.context("creating a scratch database")?;
    Ok((local, db))
}
