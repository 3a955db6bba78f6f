use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where Kafka comes from when `KAFKA_BROKERS` is not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerMode {
    /// Start the embedded Tansu broker in this process (`mammoflow up`, `demo`, tests).
    EmbeddedIfUnset,
    /// A service binary in production: `KAFKA_BROKERS` is required.
    ExternalOnly,
}

/// Configuration common to every process. Each flag has an environment variable.
#[derive(Debug, Clone, Args)]
pub struct PlatformArgs {
    /// Kafka bootstrap servers (host:port,...). Unset: the embedded broker, where allowed.
    #[arg(long, env = "KAFKA_BROKERS")]
    pub kafka_brokers: Option<String>,
    /// Port of the embedded broker (0 = any free port).
    #[arg(long, env = "MAMMOFLOW_EMBEDDED_BROKER_PORT", default_value_t = 0)]
    pub embedded_broker_port: u16,
    /// Postgres URL. Unset: 127.0.0.1:5432 if a server answers, else a private cluster.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Folder for local state (the private Postgres cluster).
    #[arg(long, env = "MAMMOFLOW_DATA_DIR", default_value = ".mammoflow")]
    pub data_dir: PathBuf,
    #[arg(long, env = "MAMMOFLOW_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,
    /// Address of /metrics and /healthz (port 0 = any free port).
    #[arg(long, env = "MAMMOFLOW_HTTP_ADDR", default_value = "127.0.0.1:9464")]
    pub http_addr: SocketAddr,
    /// Partitions of each topic created at start-up.
    #[arg(long, env = "MAMMOFLOW_TOPIC_PARTITIONS", default_value_t = 3)]
    pub topic_partitions: i32,
    #[arg(long, env = "MAMMOFLOW_TOPIC_REPLICATION", default_value_t = 1)]
    pub topic_replication: i32,
    /// Largest event accepted from Kafka; larger ones are dead-lettered.
    #[arg(long, env = "MAMMOFLOW_MAX_EVENT_BYTES", default_value_t = 256 * 1024)]
    pub max_event_bytes: usize,
    /// Folders DICOM files may be read from (colon-separated in the environment variable); a
    /// file anywhere else is refused by every stage.
    #[arg(long = "dicom-root", env = "MAMMOFLOW_DICOM_ROOTS", value_delimiter = ':')]
    pub dicom_roots: Vec<PathBuf>,
    /// Log lines as JSON (for log shippers) instead of human-readable text.
    #[arg(long, env = "MAMMOFLOW_LOG_JSON", default_value_t = false)]
    pub log_json: bool,
}
