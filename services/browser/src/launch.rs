//! Finding, starting and stopping the Chromium process, and the browser-level CDP commands.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::connection::Connection;
use crate::{BrowserError, Page, Result, DEFAULT_TIMEOUT};

/// Executable names tried on PATH, in order, when `MAMMOFLOW_CHROMIUM` is unset.
const CANDIDATES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];
/// How long dropping a [`Browser`] waits for the process to die and its profile to be removed.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// Lines of browser stderr kept to explain a failed startup.
const STDERR_TAIL: usize = 40;

#[derive(Debug, Clone)]
pub struct LaunchOptions {
    /// The browser to run; `None` means `MAMMOFLOW_CHROMIUM`, else the first of
    /// chromium, chromium-browser, google-chrome found on PATH.
    pub executable: Option<PathBuf>,
    /// Limit for startup and, on every page, for each CDP reply and each wait.
    pub timeout: Duration,
    pub window_size: (u32, u32),
    /// Further command-line switches, appended after ours.
    pub extra_args: Vec<String>,
}

impl Default for LaunchOptions {
    fn default() -> Self {
        Self {
            executable: None,
            timeout: DEFAULT_TIMEOUT,
            window_size: (1280, 900),
            extra_args: Vec::new(),
        }
    }
}

/// A running headless Chromium. Dropping it kills the process and deletes its profile; pages
/// share the default browser context, so cookies set on one navigation are sent on the next.
#[derive(Debug)]
pub struct Browser {
    conn: Arc<Connection>,
    timeout: Duration,
    child: Child,
    // Removed in Drop once the process is dead; TempDir's own cleanup is the fallback.
    profile: TempDir,
}

impl Browser {
    pub async fn launch(options: LaunchOptions) -> Result<Self> {
        let exe = find_executable(&options)?;
        let spawn_err = |source| BrowserError::Spawn {
            path: exe.display().to_string(),
            source,
        };
        let profile = tempfile::Builder::new()
            .prefix("mammoflow-chromium-")
            .tempdir()
            .map_err(spawn_err)?;
        let (w, h) = options.window_size;
        let mut child = Command::new(&exe)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
            ])
            .args([
                "--no-first-run",
                "--no-default-browser-check",
                "--remote-debugging-port=0",
            ])
            // A basic password store keeps Chromium from waiting on a desktop keyring for logins.
            .args(["--password-store=basic", "--hide-scrollbars"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--window-size={w},{h}"))
            .args(&options.extra_args)
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(spawn_err)?;

        let tail = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(stderr) = child.stderr.take() {
            // Keep draining stderr for the browser's whole life so it never blocks on a full pipe.
            let tail = Arc::clone(&tail);
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut tail = tail
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if tail.len() == STDERR_TAIL {
                        tail.pop_front();
                    }
                    tail.push_back(line);
                }
            });
        }
        let url = wait_for_endpoint(&mut child, profile.path(), &tail, options.timeout).await?;
        let conn = Arc::new(Connection::connect(&url).await?);
        Ok(Self {
            conn,
            timeout: options.timeout,
            child,
            profile,
        })
    }

    /// Opens a new tab (about:blank) in the default context and attaches a flattened session.
    pub async fn new_page(&self) -> Result<Page> {
        let created = self
            .call("Target.createTarget", json!({ "url": "about:blank" }))
            .await?;
        let target_id = string_field(&created, "targetId", "Target.createTarget")?;
        let params = json!({ "targetId": target_id, "flatten": true });
        let attached = self.call("Target.attachToTarget", params).await?;
        let session_id = string_field(&attached, "sessionId", "Target.attachToTarget")?;
        Page::attach(Arc::clone(&self.conn), target_id, session_id, self.timeout).await
    }

    /// The browser's product/version string, e.g. "HeadlessChrome/156.0.0.0".
    pub async fn version(&self) -> Result<String> {
        let v = self.call("Browser.getVersion", json!({})).await?;
        string_field(&v, "product", "Browser.getVersion")
    }

    /// Asks Chromium to shut down cleanly and waits for it; dropping the browser kills it instead.
    pub async fn close(mut self) -> Result<()> {
        // The socket may close before the reply arrives; the exit below is what counts.
        let _ = self.call("Browser.close", json!({})).await;
        match tokio::time::timeout(self.timeout, self.child.wait()).await {
            Ok(_) => Ok(()),
            Err(_) => Err(BrowserError::Timeout {
                what: "the browser to exit".into(),
                timeout: self.timeout,
            }),
        }
    }

    async fn call(&self, method: &str, params: Value) -> Result<Value> {
        self.conn.call(method, params, None, self.timeout).await
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // kill_on_drop would do this too, but only after the profile directory is already gone.
        let _ = self.child.start_kill();
        // Drop cannot await, so wait briefly by polling. Chromium's helper processes may flush
        // files into the profile for a moment after the browser dies, which makes a single
        // removal fail half-way; retry until it sticks.
        let deadline = Instant::now() + SHUTDOWN_GRACE;
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        while std::fs::remove_dir_all(self.profile.path())
            .is_err_and(|e| e.kind() != std::io::ErrorKind::NotFound)
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn find_executable(options: &LaunchOptions) -> Result<PathBuf> {
    if let Some(exe) = &options.executable {
        return Ok(exe.clone());
    }
    if let Some(exe) = std::env::var_os("MAMMOFLOW_CHROMIUM").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(exe));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    CANDIDATES
        .iter()
        .find_map(|name| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .find(|p| is_executable(p))
        })
        .ok_or_else(|| BrowserError::NotFound {
            tried: CANDIDATES.join(", "),
        })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Chromium picks a free port itself (`--remote-debugging-port=0`) and announces it both in
/// `<profile>/DevToolsActivePort` and on stderr; whichever shows up first wins.
async fn wait_for_endpoint(
    child: &mut Child,
    profile: &Path,
    tail: &Mutex<VecDeque<String>>,
    timeout: Duration,
) -> Result<String> {
    let stderr = || {
        let tail = tail
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tail.iter().cloned().collect::<Vec<_>>().join("\n")
    };
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(url) = read_active_port(profile).await {
            return Ok(url);
        }
        let announced = stderr()
            .lines()
            .find_map(|l| l.split("DevTools listening on ").nth(1).map(str::to_owned));
        if let Some(url) = announced {
            return Ok(url.trim().to_owned());
        }
        if let Ok(Some(status)) = child.try_wait() {
            // Give the stderr reader a moment to collect the browser's last words.
            tokio::time::sleep(Duration::from_millis(200)).await;
            return Err(BrowserError::StartupExit {
                status: status.to_string(),
                stderr: stderr(),
            });
        }
        if Instant::now() >= deadline {
            return Err(BrowserError::StartupTimeout {
                timeout,
                stderr: stderr(),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The file holds the port on line one and the browser target's path on line two; it may be
/// caught half-written, hence the checks.
async fn read_active_port(profile: &Path) -> Option<String> {
    let text = tokio::fs::read_to_string(profile.join("DevToolsActivePort"))
        .await
        .ok()?;
    let mut lines = text.lines();
    let port: u16 = lines.next()?.trim().parse().ok()?;
    let path = lines.next()?.trim();
    path.starts_with("/devtools/")
        .then(|| format!("ws://127.0.0.1:{port}{path}"))
}

pub(crate) fn string_field(v: &Value, field: &str, method: &str) -> Result<String> {
    v.get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| BrowserError::Unexpected {
            method: method.to_owned(),
            detail: format!("no string `{field}` in {v}"),
        })
}
