//! The CDP transport: one websocket, replies routed to callers by message id, events fanned out
//! to whoever subscribed. Flattened sessions mean page commands share this socket and are told
//! apart by `sessionId`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::{BrowserError, Result};

/// A CDP event (a message without an `id`), e.g. `Page.loadEventFired`.
#[derive(Debug, Clone)]
pub struct Event {
    pub method: String,
    pub params: Value,
    /// The flattened session the event belongs to; `None` for browser-level events.
    pub session_id: Option<String>,
}

type Reply = std::result::Result<Value, (i64, String)>;
type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Reply>>>>;

#[derive(Debug)]
pub(crate) struct Connection {
    next_id: AtomicU64,
    pending: Pending,
    /// Set by the reader when the socket ends, so later calls fail at once instead of timing out.
    closed: Arc<AtomicBool>,
    outgoing: mpsc::UnboundedSender<Message>,
    events: broadcast::Sender<Event>,
    tasks: [JoinHandle<()>; 2],
}

impl Connection {
    pub(crate) async fn connect(url: &str) -> Result<Self> {
        let (ws, _) =
            tokio_tungstenite::connect_async(url)
                .await
                .map_err(|e| BrowserError::Connect {
                    url: url.to_owned(),
                    source: Box::new(e),
                })?;
        let (mut sink, mut stream) = ws.split();
        let (outgoing, mut queue) = mpsc::unbounded_channel::<Message>();
        // Events can burst (network, console) while a test is busy elsewhere; a lagging
        // subscriber only loses old events, which the waits below tolerate.
        let (events, _) = broadcast::channel(1024);
        let pending: Pending = Arc::default();
        let closed = Arc::new(AtomicBool::new(false));

        let writer = tokio::spawn(async move {
            while let Some(msg) = queue.recv().await {
                if sink.send(msg).await.is_err() {
                    break;
                }
            }
        });
        let reader = {
            let pending = Arc::clone(&pending);
            let closed = Arc::clone(&closed);
            let events = events.clone();
            tokio::spawn(async move {
                while let Some(Ok(msg)) = stream.next().await {
                    let text = match msg {
                        Message::Text(t) => t,
                        Message::Close(_) => break,
                        _ => continue,
                    };
                    let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else {
                        continue;
                    };
                    route(value, &pending, &events);
                }
                // Dropping the senders wakes every waiter with a "disconnected" error.
                closed.store(true, Ordering::SeqCst);
                lock(&pending).clear();
            })
        };
        Ok(Self {
            next_id: AtomicU64::new(1),
            pending,
            closed,
            outgoing,
            events,
            tasks: [writer, reader],
        })
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Sends one command and waits (at most `timeout`) for its reply's `result`.
    pub(crate) async fn call(
        &self,
        method: &str,
        params: Value,
        session_id: Option<&str>,
        timeout: Duration,
    ) -> Result<Value> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session_id {
            msg["sessionId"] = json!(session);
        }
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, tx);
        let disconnected = || BrowserError::Disconnected {
            method: method.to_owned(),
        };
        let sent = self.outgoing.send(Message::text(msg.to_string())).is_ok();
        if !sent || self.closed.load(Ordering::SeqCst) {
            lock(&self.pending).remove(&id);
            return Err(disconnected());
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(Ok(result))) => Ok(result),
            Ok(Ok(Err((code, message)))) => Err(BrowserError::Protocol {
                method: method.to_owned(),
                code,
                message,
            }),
            Ok(Err(_)) => Err(disconnected()),
            Err(_) => {
                lock(&self.pending).remove(&id);
                Err(BrowserError::Timeout {
                    what: format!("the reply to CDP {method}"),
                    timeout,
                })
            }
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn route(value: Value, pending: &Pending, events: &broadcast::Sender<Event>) {
    if let Some(id) = value.get("id").and_then(Value::as_u64) {
        let Some(tx) = lock(pending).remove(&id) else {
            return;
        };
        let reply = match value.get("error") {
            Some(err) => Err((
                err.get("code").and_then(Value::as_i64).unwrap_or(0),
                err.get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown error")
                    .to_owned(),
            )),
            None => Ok(value.get("result").cloned().unwrap_or(Value::Null)),
        };
        // The caller may have timed out and gone; nothing to do then.
        let _ = tx.send(reply);
    } else if let Some(method) = value.get("method").and_then(Value::as_str) {
        let event = Event {
            method: method.to_owned(),
            params: value.get("params").cloned().unwrap_or(Value::Null),
            session_id: value
                .get("sessionId")
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        // No subscribers is normal between waits.
        let _ = events.send(event);
    }
}

/// A poisoned map only means another task panicked mid-insert; the map itself is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
