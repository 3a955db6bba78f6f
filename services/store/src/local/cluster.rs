//! A private Postgres cluster run with the installed `initdb` / `pg_ctl`.
//!
//! Postgres refuses to run as root, so when this process is root the tools run as the system
//! `postgres` user (Debian's package creates it) and the data folder is handed to that user.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use tokio::process::Command;

use crate::StoreError;

/// Superuser created by initdb; trust authentication on loopback only.
pub(crate) const SUPERUSER: &str = "postgres";

/// How long pg_ctl waits for start-up or shutdown.
const PG_CTL_WAIT_SECS: &str = "60";

/// Where initdb and pg_ctl live.
#[derive(Debug, Clone)]
pub(crate) struct PgBinaries {
    initdb: PathBuf,
    pg_ctl: PathBuf,
}

impl PgBinaries {
    fn in_dir(dir: &Path) -> Option<PgBinaries> {
        let (initdb, pg_ctl) = (dir.join("initdb"), dir.join("pg_ctl"));
        (initdb.is_file() && pg_ctl.is_file()).then_some(PgBinaries { initdb, pg_ctl })
    }

    /// `explicit` if given; else the first directory on PATH holding both tools; else the newest
    /// Debian-style `/usr/lib/postgresql/<version>/bin` (those are not on PATH by default).
    /// On failure returns every directory searched, for the error message.
    pub(crate) fn find(explicit: Option<&Path>) -> Result<PgBinaries, Vec<PathBuf>> {
        let mut searched = Vec::new();
        if let Some(dir) = explicit {
            return PgBinaries::in_dir(dir).ok_or_else(|| vec![dir.to_path_buf()]);
        }
        if let Some(path) = std::env::var_os("PATH") {
            if let Some(found) = std::env::split_paths(&path).find_map(|d| PgBinaries::in_dir(&d)) {
                return Ok(found);
            }
        }
        let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let version = name
                    .split('.')
                    .map(str::parse)
                    .collect::<Result<Vec<u32>, _>>()
                    .ok()?;
                Some((version, entry.path().join("bin")))
            })
            .collect();
        versions.sort_by(|a, b| b.0.cmp(&a.0));
        for dir in versions
            .into_iter()
            .map(|(_, dir)| dir)
            .chain([PathBuf::from("/usr/local/pgsql/bin")])
        {
            if let Some(found) = PgBinaries::in_dir(&dir) {
                return Ok(found);
            }
            searched.push(dir);
        }
        Err(searched)
    }
}

/// The account the Postgres tools run as when this process is root.
#[derive(Debug, Clone, Copy)]
struct RunAs {
    uid: u32,
    gid: u32,
}

fn cluster_err(data_dir: &Path, what: impl Into<String>) -> StoreError {
    StoreError::Cluster {
        data_dir: data_dir.to_path_buf(),
        what: what.into(),
    }
}

/// None when not root; the `postgres` account from /etc/passwd when root.
fn run_as(data_dir: &Path) -> Result<Option<RunAs>, StoreError> {
    // The owner of /proc/self is this process's effective uid (std has no geteuid, and this
    // crate forbids unsafe code).
    let is_root = std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false);
    if !is_root {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&SUPERUSER))
        .and_then(|fields| {
            Some(RunAs {
                uid: fields.get(2)?.parse().ok()?,
                gid: fields.get(3)?.parse().ok()?,
            })
        })
        .map(Some)
        .ok_or_else(|| {
            cluster_err(
                data_dir,
                "Postgres refuses to run as root and there is no `postgres` user to run it as; \
                 run as an ordinary user or set DATABASE_URL",
            )
        })
}

/// A private cluster; stopped on drop when this process started it, unless told to keep it.
#[derive(Debug)]
pub(crate) struct PrivateCluster {
    data_dir: PathBuf,
    port: u16,
    bins: PgBinaries,
    run_as: Option<RunAs>,
    started_here: bool,
    keep_running: bool,
}

impl PrivateCluster {
    /// Reuses the cluster in `data_dir` if it is running, else initialises `data_dir` when it is
    /// empty or absent and starts the cluster on a free loopback port.
    pub(crate) async fn open_or_start(
        bins: PgBinaries,
        data_dir: &Path,
        keep_running: bool,
    ) -> Result<PrivateCluster, StoreError> {
        let data_dir = std::path::absolute(data_dir)
            .map_err(|e| cluster_err(data_dir, format!("resolving path: {e}")))?;
        let run_as = run_as(&data_dir)?;
        let mut cluster = PrivateCluster {
            data_dir,
            port: 0,
            bins,
            run_as,
            started_here: false,
            keep_running,
        };
        if !cluster.data_dir.join("PG_VERSION").is_file() {
            cluster.init().await?;
        } else if let Some(port) = cluster.running_port().await? {
            tracing::info!(data_dir = %cluster.data_dir.display(), port, "reusing running private Postgres");
            cluster.port = port;
            return Ok(cluster);
        }
        cluster.start().await?;
        Ok(cluster)
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    pub(crate) fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub(crate) fn started_here(&self) -> bool {
        self.started_here
    }

    pub(crate) fn set_keep_running(&mut self, keep: bool) {
        self.keep_running = keep;
    }

    fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        if let Some(user) = self.run_as {
            cmd.uid(user.uid).gid(user.gid);
        }
        cmd.kill_on_drop(true);
        cmd
    }

    async fn run(&self, mut cmd: Command, what: &str) -> Result<Output, StoreError> {
        cmd.output()
            .await
            .map_err(|e| cluster_err(&self.data_dir, format!("{what}: cannot run: {e}")))
    }

    async fn init(&self) -> Result<(), StoreError> {
        let dir = &self.data_dir;
        let non_empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false);
        if non_empty {
            return Err(cluster_err(
                dir,
                "folder is not empty and holds no Postgres cluster",
            ));
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| cluster_err(dir, format!("creating folder: {e}")))?;
        if let Some(user) = self.run_as {
            std::os::unix::fs::chown(dir, Some(user.uid), Some(user.gid)).map_err(|e| {
                cluster_err(dir, format!("handing folder to the postgres user: {e}"))
            })?;
        }
        tracing::info!(data_dir = %dir.display(), "initialising private Postgres cluster");
        let mut cmd = self.command(&self.bins.initdb);
        cmd.arg("-D")
            .arg(dir)
            .args(["-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C"]);
        let out = self.run(cmd, "initdb").await?;
        if !out.status.success() {
            return Err(cluster_err(
                dir,
                format!(
                    "initdb failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            ));
        }
        Ok(())
    }

    /// The port of the server running on this data folder, if one is.
    async fn running_port(&self) -> Result<Option<u16>, StoreError> {
        let mut cmd = self.command(&self.bins.pg_ctl);
        cmd.arg("status").arg("-D").arg(&self.data_dir);
        if !self.run(cmd, "pg_ctl status").await?.status.success() {
            return Ok(None);
        }
        // postmaster.pid: pid, data dir, start time, port, socket dir, listen address, ...
        let pid_file =
            std::fs::read_to_string(self.data_dir.join("postmaster.pid")).unwrap_or_default();
        Ok(pid_file.lines().nth(3).and_then(|l| l.trim().parse().ok()))
    }

    async fn start(&mut self) -> Result<(), StoreError> {
        const ATTEMPTS: usize = 3;
        let log = self.data_dir.join("postgres.log");
        for attempt in 1..=ATTEMPTS {
            let port = free_port()
                .map_err(|e| cluster_err(&self.data_dir, format!("finding a free port: {e}")))?;
            let mut cmd = self.command(&self.bins.pg_ctl);
            cmd.arg("start")
                .arg("-D")
                .arg(&self.data_dir)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", PG_CTL_WAIT_SECS, "-o"])
                // Loopback TCP only; no Unix socket, whose default folder may not be writable.
                .arg(format!(
                    "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
                ));
            let out = self.run(cmd, "pg_ctl start").await?;
            if out.status.success() {
                tracing::info!(data_dir = %self.data_dir.display(), port, "started private Postgres");
                self.port = port;
                self.started_here = true;
                return Ok(());
            }
            let tail = log_tail(&log);
            // Another process may have taken the port between our probe and the bind.
            if attempt < ATTEMPTS && tail.contains("could not bind") {
                continue;
            }
            return Err(cluster_err(
                &self.data_dir,
                format!(
                    "pg_ctl start failed: {}\n{tail}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            ));
        }
        Err(cluster_err(&self.data_dir, "no free port to start on"))
    }

    /// Stops the server (fast shutdown: disconnect clients, then checkpoint).
    pub(crate) async fn stop(&mut self) -> Result<(), StoreError> {
        let mut cmd = self.command(&self.bins.pg_ctl);
        cmd.args(self.stop_args());
        let out = self.run(cmd, "pg_ctl stop").await?;
        // Whatever happened, Drop must not try again.
        self.started_here = false;
        if !out.status.success() {
            return Err(cluster_err(
                &self.data_dir,
                format!(
                    "pg_ctl stop failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            ));
        }
        Ok(())
    }

    /// `pg_ctl` arguments of a fast stop that waits (shared by `stop` and `Drop`).
    fn stop_args(&self) -> Vec<&std::ffi::OsStr> {
        use std::ffi::OsStr;
        let mut args = vec![OsStr::new("stop"), OsStr::new("-D"), self.data_dir.as_os_str()];
        args.extend(["-m", "fast", "-w", "-t", PG_CTL_WAIT_SECS].map(OsStr::new));
        args
    }

    /// Whether a server is running on this data folder now.
    pub(crate) async fn is_running(&self) -> Result<bool, StoreError> {
        Ok(self.running_port().await?.is_some())
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if !self.started_here || self.keep_running {
            return;
        }
        // Drop cannot await; a blocking pg_ctl call is the only way to not leak the server.
        let mut cmd = std::process::Command::new(&self.bins.pg_ctl);
        if let Some(user) = self.run_as {
            std::os::unix::process::CommandExt::uid(&mut cmd, user.uid);
            std::os::unix::process::CommandExt::gid(&mut cmd, user.gid);
        }
        cmd.args(self.stop_args());
        match cmd.output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                tracing::warn!(data_dir = %self.data_dir.display(), stderr = %String::from_utf8_lossy(&out.stderr), "stopping private Postgres failed")
            }
            Err(e) => {
                tracing::warn!(data_dir = %self.data_dir.display(), error = %e, "cannot run pg_ctl stop")
            }
        }
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The last lines of the server log, for error messages.
fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}
