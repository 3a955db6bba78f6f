use crate::{BrokerMode, PlatformArgs};
use mammoflow_broker::{EmbeddedBroker, EmbeddedBrokerOptions};
use mammoflow_bus::{
    ensure_topics, run_consumer, run_outbox_relay, BusMetrics, ConsumerOptions, Handler, KafkaConfig,
    Publisher, PublisherOptions, RelayOptions,
};
use mammoflow_events::{all_topics, EventLimits};
use mammoflow_store::local::{discover_or_start, LocalPgOptions, LocalPostgres};
use mammoflow_store::PgPool;
use mammoflow_telemetry::prometheus::Registry;
use mammoflow_telemetry::{ComponentStatus, Health};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("Postgres: {0}")]
    Postgres(#[from] mammoflow_store::StoreError),
    #[error("KAFKA_BROKERS is not set; this service needs an external Kafka cluster")]
    NoKafka,
    #[error("embedded broker: {0}")]
    Broker(#[from] mammoflow_broker::BrokerError),
    #[error("Kafka: {0}")]
    Kafka(#[from] mammoflow_bus::BusError),
    #[error("metrics registry: {0}")]
    Metrics(#[from] mammoflow_telemetry::prometheus::Error),
    #[error("HTTP endpoint: {0}")]
    Http(#[from] mammoflow_telemetry::HttpError),
}

/// A started process: database, broker, metrics and health, shared by its stages.
#[derive(Debug)]
pub struct Platform {
    pub pool: PgPool,
    pub kafka: KafkaConfig,
    pub registry: Registry,
    pub health: Health,
    pub bus_metrics: BusMetrics,
    pub limits: EventLimits,
    /// The only folders stages may read DICOM files from.
    pub dicom_roots: Vec<std::path::PathBuf>,
    relay_notify: Arc<Notify>,
    database_url: String,
    // Held so they live as long as the process; dropped (stopped) last.
    embedded_broker: Option<EmbeddedBroker>,
    _postgres: Option<LocalPostgres>,
}

impl Platform {
    pub async fn start(args: &PlatformArgs, mode: BrokerMode, client_id: &str) -> Result<Platform, PlatformError> {
        let health = Health::default();
        health.set("postgres", ComponentStatus::Starting);
        health.set("kafka", ComponentStatus::Starting);

        // clap fills `database_url` from DATABASE_URL too, so discovery only runs when neither is set.
        let (postgres, database_url) = match &args.database_url {
            Some(url) => (None, url.clone()),
            None => {
                let options =
                    LocalPgOptions { use_env: false, data_dir: args.data_dir.join("pg"), ..LocalPgOptions::default() };
                let pg = discover_or_start(options).await?;
                tracing::info!(source = ?pg.source(), "Postgres found");
                let url = pg.url().to_string();
                (Some(pg), url)
            }
        };
        let pool = mammoflow_store::connect(&database_url, args.db_max_connections).await?;
        mammoflow_store::migrate(&pool).await?;
        health.set("postgres", ComponentStatus::Ok);
        tracing::info!("Postgres ready, migrations applied");

        let (bootstrap, embedded_broker) = match (&args.kafka_brokers, mode) {
            (Some(brokers), _) => (brokers.clone(), None),
            (None, BrokerMode::ExternalOnly) => return Err(PlatformError::NoKafka),
            (None, BrokerMode::EmbeddedIfUnset) => {
                let options = EmbeddedBrokerOptions { port: args.embedded_broker_port, ..Default::default() };
                let broker = EmbeddedBroker::start(options).await?;
                tracing::info!(bootstrap = %broker.bootstrap_servers(), "embedded Kafka-protocol broker (Tansu, in-memory) started");
                (broker.bootstrap_servers(), Some(broker))
            }
        };
        let kafka = KafkaConfig::new(bootstrap, client_id);
        ensure_topics(&kafka, &all_topics(), args.topic_partitions, args.topic_replication).await?;
        health.set("kafka", ComponentStatus::Ok);

        let registry = Registry::new();
        let bus_metrics = BusMetrics::register(&registry)?;
        Ok(Platform {
            pool,
            kafka,
            registry,
            health,
            bus_metrics,
            limits: EventLimits { max_event_bytes: args.max_event_bytes },
            dicom_roots: args.dicom_roots.clone(),
            relay_notify: Arc::new(Notify::new()),
            database_url,
            embedded_broker,
            _postgres: postgres,
        })
    }

    pub fn bootstrap_servers(&self) -> &str {
        &self.kafka.bootstrap_servers
    }

    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    pub fn embedded_broker(&self) -> Option<&EmbeddedBroker> {
        self.embedded_broker.as_ref()
    }

    /// Options for a consumer of this process (wakes this process's relay after each commit).
    pub fn consumer_options(&self) -> ConsumerOptions {
        let mut options = ConsumerOptions::new(self.kafka.clone(), self.pool.clone());
        options.limits = self.limits;
        options.relay_notify = Some(Arc::clone(&self.relay_notify));
        options
    }

    /// Runs one stage's consumer loop until `shutdown`; its health is reported under `name`.
    pub fn spawn_consumer<H: Handler>(&self, name: &str, handler: H, shutdown: CancellationToken) -> JoinHandle<()> {
        let options = self.consumer_options();
        let metrics = self.bus_metrics.clone();
        let health = self.health.clone();
        let name = name.to_string();
        health.set(&name, ComponentStatus::Ok);
        tokio::spawn(async move {
            match run_consumer(handler, options, shutdown, metrics).await {
                Ok(summary) => tracing::info!(stage = %name, ?summary, "consumer stopped"),
                Err(e) => {
                    tracing::error!(stage = %name, error = %e, "consumer failed to start");
                    health.set(&name, ComponentStatus::Down { reason: e.to_string() });
                }
            }
        })
    }

    /// Runs the outbox relay of this process until `shutdown`.
    pub fn spawn_relay(&self, shutdown: CancellationToken) -> Result<JoinHandle<()>, PlatformError> {
        let publisher = Publisher::new(&self.kafka, &PublisherOptions::default())?.with_metrics(self.bus_metrics.clone());
        let options = RelayOptions { notify: Arc::clone(&self.relay_notify), ..RelayOptions::default() };
        let pool = self.pool.clone();
        let metrics = self.bus_metrics.clone();
        Ok(tokio::spawn(async move {
            let summary = run_outbox_relay(pool, &publisher, options, shutdown, metrics).await;
            tracing::info!(?summary, "outbox relay stopped");
        }))
    }

    /// Serves /metrics, /healthz and `extra` routes until `shutdown`.
    pub async fn serve_http(
        &self,
        addr: SocketAddr,
        extra: axum::Router,
        shutdown: CancellationToken,
    ) -> Result<(SocketAddr, JoinHandle<Result<(), mammoflow_telemetry::HttpError>>), PlatformError> {
        Ok(mammoflow_telemetry::serve(addr, self.registry.clone(), self.health.clone(), extra, shutdown).await?)
    }
}
