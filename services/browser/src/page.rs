//! One tab, driven through its flattened CDP session: navigation, script evaluation and
//! screenshots. The DOM helpers (fill, click, text, ...) live in `dom.rs`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::connection::{Connection, Event};
use crate::launch::string_field;
use crate::{BrowserError, Result};

#[derive(Debug)]
pub struct Page {
    conn: Arc<Connection>,
    target_id: String,
    session_id: String,
    timeout: Duration,
}

impl Page {
    pub(crate) async fn attach(
        conn: Arc<Connection>,
        target_id: String,
        session_id: String,
        timeout: Duration,
    ) -> Result<Self> {
        let page = Self {
            conn,
            target_id,
            session_id,
            timeout,
        };
        // Page events (loadEventFired) are only sent once the domain is enabled.
        page.call("Page.enable", json!({})).await?;
        page.call("Runtime.enable", json!({})).await?;
        Ok(page)
    }

    /// Changes the limit for each CDP reply and each wait on this page.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Sends any CDP command on this page's session, for what the helpers below don't cover.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value> {
        self.conn
            .call(method, params, Some(self.session_id.as_str()), self.timeout)
            .await
    }

    /// Subscribes to all CDP events; keep only those whose `session_id` is this page's.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.conn.subscribe()
    }

    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Navigates and waits for the new document's load event.
    pub async fn goto(&self, url: &str) -> Result<()> {
        // Subscribe first so a fast load cannot fire before we listen.
        let mut events = self.events();
        let nav = self.call("Page.navigate", json!({ "url": url })).await?;
        if let Some(reason) = nav
            .get("errorText")
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty())
        {
            return Err(BrowserError::Navigation {
                url: url.to_owned(),
                reason: reason.to_owned(),
            });
        }
        // No loader means a same-document navigation (a #fragment): no load event will follow.
        if nav.get("loaderId").is_none() {
            return Ok(());
        }
        self.wait_for_load(&mut events, || {
            format!("the load event after navigating to {url}")
        })
        .await
    }

    /// Evaluates `js` in the page (awaiting a returned promise) and returns its JSON value;
    /// a thrown exception becomes [`BrowserError::Js`] carrying its message.
    pub async fn eval(&self, js: &str) -> Result<Value> {
        let params = json!({
            "expression": js,
            "returnByValue": true,
            "awaitPromise": true,
            // Behave like a user action so e.g. click()-triggered navigations are not blocked.
            "userGesture": true,
        });
        let reply = self.call("Runtime.evaluate", params).await?;
        if let Some(details) = reply.get("exceptionDetails") {
            let message = details
                .pointer("/exception/description")
                .or_else(|| details.pointer("/exception/value"))
                .or_else(|| details.get("text"))
                .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                .unwrap_or_else(|| details.to_string());
            return Err(BrowserError::Js { message });
        }
        Ok(reply
            .pointer("/result/value")
            .cloned()
            .unwrap_or(Value::Null))
    }

    /// Clicks a submit button (or link) and waits until the document it leads to has loaded.
    pub async fn submit_and_wait(&self, selector: &str) -> Result<()> {
        let mut events = self.events();
        self.click(selector).await?;
        self.wait_for_load(&mut events, || {
            format!("the page loaded by clicking `{selector}`")
        })
        .await
    }

    pub async fn url(&self) -> Result<String> {
        let v = self.eval("location.href").await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Captures the whole page (not just the viewport) as PNG, writes it to `path` and
    /// returns the bytes.
    pub async fn screenshot_png(&self, path: impl AsRef<Path>) -> Result<Vec<u8>> {
        let metrics = self.call("Page.getLayoutMetrics", json!({})).await?;
        let size = metrics
            .get("cssContentSize")
            .or_else(|| metrics.get("contentSize"));
        let dim = |k: &str| {
            size.and_then(|s| s.get(k))
                .and_then(Value::as_f64)
                .unwrap_or(1.0)
                .max(1.0)
        };
        let params = json!({
            "format": "png",
            "captureBeyondViewport": true,
            "clip": { "x": 0, "y": 0, "width": dim("width"), "height": dim("height"), "scale": 1 },
        });
        let shot = self.call("Page.captureScreenshot", params).await?;
        let data = string_field(&shot, "data", "Page.captureScreenshot")?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| BrowserError::Unexpected {
                method: "Page.captureScreenshot".into(),
                detail: format!("bad base64: {e}"),
            })?;
        let path = path.as_ref();
        tokio::fs::write(path, &png)
            .await
            .map_err(|source| BrowserError::Io {
                path: path.display().to_string(),
                source,
            })?;
        Ok(png)
    }

    /// Closes the tab.
    pub async fn close(self) -> Result<()> {
        let params = json!({ "targetId": self.target_id });
        self.conn
            .call("Target.closeTarget", params, None, self.timeout)
            .await
            .map(drop)
    }

    async fn wait_for_load(
        &self,
        events: &mut broadcast::Receiver<Event>,
        what: impl FnOnce() -> String,
    ) -> Result<()> {
        let loaded = async {
            loop {
                match events.recv().await {
                    Ok(e)
                        if e.method == "Page.loadEventFired"
                            && e.session_id.as_deref() == Some(self.session_id.as_str()) =>
                    {
                        return Ok(());
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => {
                        return Err(BrowserError::Disconnected {
                            method: "Page.loadEventFired".into(),
                        });
                    }
                }
            }
        };
        tokio::time::timeout(self.timeout, loaded)
            .await
            .unwrap_or_else(|_| {
                Err(BrowserError::Timeout {
                    what: what(),
                    timeout: self.timeout,
                })
            })
    }
}
