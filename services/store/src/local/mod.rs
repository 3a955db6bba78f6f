//! Finding a Postgres to use on this machine, as the design prescribes: `DATABASE_URL` if set;
//! else a server on 127.0.0.1:5432 if one answers and lets us in; else a private cluster started
//! with the installed `initdb`/`pg_ctl` in a data folder of its own.
//!
//! Tests use [`test_server_url`] once per process and [`fresh_database`] once per test, so every
//! test has its own migrated database and tests run in parallel.

mod cluster;
mod testdb;

use std::path::PathBuf;
use std::time::Duration;

use sqlx::Connection;

use crate::{urls, StoreError};
use cluster::{PgBinaries, PrivateCluster};

pub use testdb::{fresh_database, test_server_url, TestDatabase};

/// How [`discover_or_start`] looks for a server.
#[derive(Debug, Clone)]
pub struct LocalPgOptions {
    /// Use `DATABASE_URL` when it is set (default true).
    pub use_env: bool,
    /// Try the server at `probe_addr` (default true). Off forces a private cluster.
    pub probe_default_server: bool,
    /// Default `127.0.0.1:5432`.
    pub probe_addr: String,
    /// Data folder of the private cluster (default `.mammoflow/pg`, relative to the current dir).
    pub data_dir: PathBuf,
    /// Folder holding initdb and pg_ctl; default: PATH, then `/usr/lib/postgresql/*/bin`.
    pub bin_dir: Option<PathBuf>,
    /// Application database to create if missing on a discovered or private server (default
    /// `mammoflow`); None uses the server's maintenance database. Never applied to
    /// `DATABASE_URL`, which is used exactly as given.
    pub database: Option<String>,
    /// Leave a private cluster started here running when [`LocalPostgres`] is dropped.
    pub keep_running: bool,
}

impl Default for LocalPgOptions {
    fn default() -> Self {
        LocalPgOptions {
            use_env: true,
            probe_default_server: true,
            probe_addr: "127.0.0.1:5432".into(),
            data_dir: PathBuf::from(".mammoflow/pg"),
            bin_dir: None,
            database: Some("mammoflow".into()),
            keep_running: false,
        }
    }
}

impl LocalPgOptions {
    /// Options that skip `DATABASE_URL` and the probe: always a private cluster in `data_dir`.
    pub fn private_cluster(data_dir: impl Into<PathBuf>) -> Self {
        LocalPgOptions {
            use_env: false,
            probe_default_server: false,
            data_dir: data_dir.into(),
            ..LocalPgOptions::default()
        }
    }
}

/// Where the server came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgSource {
    /// `DATABASE_URL`.
    Env,
    /// A server that answered at this address.
    Server { addr: String },
    /// A private cluster; `started` is false when an already running one was reused.
    PrivateCluster {
        data_dir: PathBuf,
        port: u16,
        started: bool,
    },
}

/// A usable Postgres. Holds the private cluster, if any, and stops it on drop when it was
/// started here (unless `keep_running`).
#[derive(Debug)]
pub struct LocalPostgres {
    url: String,
    server_url: String,
    source: PgSource,
    cluster: Option<PrivateCluster>,
}

impl LocalPostgres {
    /// URL of the application database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// URL of a database on the same server to connect to for administration (creating test
    /// databases); the application database when the URL came from the environment.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    pub fn source(&self) -> &PgSource {
        &self.source
    }

    /// Leaves a private cluster running after this value is dropped.
    pub fn keep_running(&mut self) {
        if let Some(cluster) = &mut self.cluster {
            cluster.set_keep_running(true);
        }
    }

    /// Stops a private cluster started here and waits for it; a no-op for other sources.
    pub async fn stop(mut self) -> Result<(), StoreError> {
        match self.cluster.as_mut() {
            Some(cluster) if cluster.started_here() => cluster.stop().await,
            _ => Ok(()),
        }
    }

    /// Whether the private cluster behind this value is running (false for other sources).
    pub async fn cluster_running(&self) -> Result<bool, StoreError> {
        match &self.cluster {
            Some(cluster) => cluster.is_running().await,
            None => Ok(false),
        }
    }
}

/// Finds or starts a Postgres server as described in the module docs.
pub async fn discover_or_start(opts: LocalPgOptions) -> Result<LocalPostgres, StoreError> {
    if opts.use_env {
        if let Some(url) = std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
        {
            tracing::info!(url = %urls::redact(&url), "using DATABASE_URL");
            return Ok(LocalPostgres {
                server_url: url.clone(),
                url,
                source: PgSource::Env,
                cluster: None,
            });
        }
    }
    if opts.probe_default_server {
        if let Some(server_url) = probe(&opts.probe_addr).await {
            let url = ensure_database(&server_url, opts.database.as_deref()).await?;
            let source = PgSource::Server {
                addr: opts.probe_addr.clone(),
            };
            return Ok(LocalPostgres {
                url,
                server_url,
                source,
                cluster: None,
            });
        }
    }
    let bins =
        PgBinaries::find(opts.bin_dir.as_deref()).map_err(|searched| StoreError::NoPostgres {
            probed: opts.probe_addr.clone(),
            searched,
        })?;
    let cluster = PrivateCluster::open_or_start(bins, &opts.data_dir, opts.keep_running).await?;
    let server_url = urls::server("127.0.0.1", cluster.port(), cluster::SUPERUSER, "postgres")?;
    let source = PgSource::PrivateCluster {
        data_dir: cluster.data_dir().to_path_buf(),
        port: cluster.port(),
        started: cluster.started_here(),
    };
    // From here on, an error drops `cluster`, which stops a server started above.
    let url = ensure_database(&server_url, opts.database.as_deref()).await?;
    Ok(LocalPostgres {
        url,
        server_url,
        source,
        cluster: Some(cluster),
    })
}

/// The maintenance-database URL of the server at `addr` when it answers and lets one of the
/// usual local users in without a password; None otherwise (a stock Debian server asks for a
/// password over TCP, and then a private cluster is the way forward).
async fn probe(addr: &str) -> Option<String> {
    const TIMEOUT: Duration = Duration::from_secs(2);
    let reachable = tokio::time::timeout(TIMEOUT, tokio::net::TcpStream::connect(addr)).await;
    if !matches!(reachable, Ok(Ok(_))) {
        return None;
    }
    let (host, port) = addr.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let mut users = vec![cluster::SUPERUSER.to_string()];
    users.extend(
        std::env::var("USER")
            .ok()
            .filter(|u| u != cluster::SUPERUSER),
    );
    for user in users {
        let Ok(url) = urls::server(host, port, &user, "postgres") else {
            continue;
        };
        match tokio::time::timeout(TIMEOUT, sqlx::PgConnection::connect(&url)).await {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
                tracing::info!(%addr, %user, "using the Postgres server that answered");
                return Some(url);
            }
            Ok(Err(e)) => tracing::warn!(%addr, %user, error = %e, "Postgres answered but refused"),
            Err(_) => tracing::warn!(%addr, %user, "Postgres answered but did not complete login"),
        }
    }
    None
}

/// Creates `database` on the server if it does not exist; returns its URL (or the server URL
/// when no database is wanted).
async fn ensure_database(server_url: &str, database: Option<&str>) -> Result<String, StoreError> {
    let Some(name) = database else {
        return Ok(server_url.to_string());
    };
    testdb::create_database(server_url, name, true).await?;
    urls::with_database(server_url, name)
}
