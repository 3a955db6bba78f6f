//! An embedded Kafka-protocol broker: [Tansu](https://tansu.io) with its in-memory engine,
//! running in-process on a loopback port.
//!
//! Tests and the demo use it so that every event really goes through the Kafka wire protocol
//! (rdkafka producer, consumer groups, offset commits); production points `KAFKA_BROKERS` at
//! Apache Kafka instead. Data lives in memory only, for the lifetime of the [`EmbeddedBroker`]:
//! [`EmbeddedBroker::restart`] keeps it (like a real broker restarting with its log), dropping
//! the value loses it.
//!
//! The broker runs on a tokio runtime of its own (two worker threads). Kafka clients make
//! blocking calls (librdkafka's synchronous commit, consumer close, metadata queries); if the
//! broker shared the caller's runtime, such a call on a small runtime could starve the very broker
//! it is waiting for.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use tansu_broker::broker::Broker;
use tansu_broker::coordinator::group::administrator::Controller;
use tansu_storage::StorageContainer;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use url::Url;

mod ordered;
use ordered::OrderedStorage;

/// The broker over Tansu's in-memory engine, with produce made safe (see `ordered.rs`).
type TansuBroker = Broker<Controller<OrderedStorage>, OrderedStorage>;

/// How to start an [`EmbeddedBroker`].
#[derive(Debug, Clone)]
pub struct EmbeddedBrokerOptions {
    /// Loopback port to listen on; 0 picks a free one.
    pub port: u16,
    /// Kafka cluster id reported to clients.
    pub cluster_id: String,
    /// Broker (node) id reported to clients.
    pub node_id: i32,
    /// How long [`EmbeddedBroker::start`] waits for the port to accept connections.
    pub start_timeout: Duration,
}

impl Default for EmbeddedBrokerOptions {
    fn default() -> Self {
        EmbeddedBrokerOptions {
            port: 0,
            cluster_id: "mammoflow".to_string(),
            node_id: 1,
            start_timeout: Duration::from_secs(10),
        }
    }
}

/// Why the embedded broker could not start or restart.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("creating the broker runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("finding a free loopback port: {0}")]
    PortProbe(#[source] std::io::Error),
    #[error("cannot listen on {addr}: {source}")]
    PortInUse {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid listener URL {url}: {source}")]
    Url {
        url: String,
        #[source]
        source: url::ParseError,
    },
    #[error("building the Tansu broker: {0}")]
    Build(String),
    #[error("the Tansu broker on {addr} stopped: {reason}")]
    Stopped { addr: SocketAddr, reason: String },
    #[error("the Tansu broker did not accept connections on {addr} within {waited:?}")]
    NotReady { addr: SocketAddr, waited: Duration },
}

/// A running Tansu broker on 127.0.0.1. Stops when dropped.
#[derive(Debug)]
pub struct EmbeddedBroker {
    addr: SocketAddr,
    start_timeout: Duration,
    /// Built once; every (re)start serves a clone, and clones share the in-memory storage and
    /// the group coordinator, so topics, records and committed offsets survive a restart.
    broker: TansuBroker,
    runtime: Option<Runtime>,
    serving: Option<JoinHandle<Result<(), String>>>,
}

impl EmbeddedBroker {
    /// Starts the broker and returns once its port accepts connections.
    pub async fn start(options: EmbeddedBrokerOptions) -> Result<EmbeddedBroker, BrokerError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tansu-broker")
            .enable_all()
            .build()
            .map_err(BrokerError::Runtime)?;
        let port = match options.port {
            0 => free_loopback_port()?,
            port => port,
        };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = listener_url(addr)?;

        let (cluster_id, node_id) = (options.cluster_id.clone(), options.node_id);
        let storage = runtime
            .spawn(async move {
                StorageContainer::builder()
                    .cluster_id(cluster_id)
                    .node_id(node_id)
                    .advertised_listener(listener_url(addr)?)
                    .storage(memory_storage_url()?)
                    .silent(true)
                    .build()
                    .await
                    .map_err(|e| BrokerError::Build(e.to_string()))
            })
            .await
            .map_err(|e| BrokerError::Build(e.to_string()))??;
        let storage = OrderedStorage::new(storage);
        let groups = Controller::with_storage(storage.clone())
            .map_err(|e| BrokerError::Build(e.to_string()))?;
        // `Broker::new` (the builder cannot take a wrapped storage) is not silent: it prints one
        // "ready in …" line to stdout on each start, and draws connection spinners on stderr
        // when that is a terminal.
        let broker = TansuBroker::new(
            options.node_id,
            &options.cluster_id,
            listener.clone(),
            listener,
            storage,
            groups,
            uuid::Uuid::now_v7(),
        );

        let mut embedded = EmbeddedBroker {
            addr,
            start_timeout: options.start_timeout,
            broker,
            runtime: Some(runtime),
            serving: None,
        };
        embedded.serve().await?;
        tracing::info!(%addr, cluster_id = %options.cluster_id, "embedded Tansu broker started");
        Ok(embedded)
    }

    /// `host:port` for `bootstrap.servers`.
    pub fn bootstrap_servers(&self) -> String {
        self.addr.to_string()
    }

    /// The loopback address the broker listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether the broker is currently serving (false between [`stop`](Self::stop) and
    /// [`restart`](Self::restart)).
    pub fn is_running(&self) -> bool {
        self.serving
            .as_ref()
            .is_some_and(|task| !task.is_finished())
    }

    /// Stops serving: closes the listening socket and every client connection. Topics, records
    /// and committed offsets stay in memory for [`restart`](Self::restart).
    pub async fn stop(&mut self) {
        if let Some(task) = self.serving.take() {
            task.abort();
            // Waiting for the aborted task guarantees the listener is closed (its socket dropped)
            // before a restart binds the same port again.
            if let Ok(Err(reason)) = task.await {
                tracing::warn!(addr = %self.addr, %reason, "broker had failed");
            }
            tracing::info!(addr = %self.addr, "embedded Tansu broker stopped");
        }
    }

    /// Stops (if running) and serves again on the same port with the same data.
    pub async fn restart(&mut self) -> Result<(), BrokerError> {
        self.stop().await;
        self.serve().await?;
        tracing::info!(addr = %self.addr, "embedded Tansu broker restarted");
        Ok(())
    }

    /// Stops the broker and frees its runtime; the data is gone.
    pub async fn shutdown(mut self) {
        self.stop().await;
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }

    async fn serve(&mut self) -> Result<(), BrokerError> {
        let runtime = self.runtime.as_ref().ok_or_else(|| BrokerError::Stopped {
            addr: self.addr,
            reason: "runtime already shut down".to_string(),
        })?;
        // Tansu binds inside its serve task and only logs a failure; probing first turns a taken
        // port into an error here instead of a readiness check answered by whoever holds it.
        drop(
            TcpListener::bind(self.addr).map_err(|source| BrokerError::PortInUse {
                addr: self.addr,
                source,
            })?,
        );
        let mut broker = self.broker.clone();
        let task = runtime.spawn(async move {
            // `serve` registers the broker in its storage, then accepts connections until the task
            // is aborted. (`Broker::main` would also install SIGINT/SIGTERM handlers, which belong
            // to the host process, not to an embedded broker.)
            broker
                .serve(tokio::time::Instant::now())
                .await
                .map_err(|e| e.to_string())
        });
        self.serving = Some(task);
        self.wait_ready().await
    }

    /// Polls the port until it accepts a TCP connection, the serve task fails, or time runs out.
    async fn wait_ready(&mut self) -> Result<(), BrokerError> {
        let started = Instant::now();
        loop {
            if let Some(task) = self.serving.take_if(|task| task.is_finished()) {
                let reason = match task.await {
                    Ok(Ok(())) => "serve returned".to_string(),
                    Ok(Err(reason)) => reason,
                    Err(join) => join.to_string(),
                };
                return Err(BrokerError::Stopped {
                    addr: self.addr,
                    reason,
                });
            }
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                return Ok(());
            }
            if started.elapsed() > self.start_timeout {
                return Err(BrokerError::NotReady {
                    addr: self.addr,
                    waited: started.elapsed(),
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for EmbeddedBroker {
    fn drop(&mut self) {
        if let Some(task) = self.serving.take() {
            task.abort();
        }
        // Unlike dropping a runtime, this is allowed inside an async context.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Asks the OS for a free port. Tansu binds its own listener from a URL, so the port is probed
/// and released first; the tiny window in which another process could take it is accepted.
fn free_loopback_port() -> Result<u16, BrokerError> {
    let probe = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(BrokerError::PortProbe)?;
    Ok(probe.local_addr().map_err(BrokerError::PortProbe)?.port())
}

fn listener_url(addr: SocketAddr) -> Result<Url, BrokerError> {
    let url = format!("tcp://{addr}");
    Url::parse(&url).map_err(|source| BrokerError::Url { url, source })
}

/// Tansu's "dynostore" engine over an in-memory object store.
fn memory_storage_url() -> Result<Url, BrokerError> {
    let url = "memory://tansu/";
    Url::parse(url).map_err(|source| BrokerError::Url {
        url: url.to_string(),
        source,
    })
}
