//! Connection settings shared by every Kafka client of the bus.

use rdkafka::ClientConfig;

/// Where the brokers are and who we are.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    /// `host:port[,host:port...]`; the embedded broker's `bootstrap_servers()` or `KAFKA_BROKERS`.
    pub bootstrap_servers: String,
    /// `client.id`, shown in broker logs and quotas.
    pub client_id: String,
    /// Extra librdkafka properties (security, tuning). Applied last, so they override the
    /// defaults the bus sets for each client kind.
    pub extra: Vec<(String, String)>,
}

impl KafkaConfig {
    pub fn new(bootstrap_servers: impl Into<String>, client_id: impl Into<String>) -> Self {
        KafkaConfig {
            bootstrap_servers: bootstrap_servers.into(),
            client_id: client_id.into(),
            extra: Vec::new(),
        }
    }

    /// Adds one librdkafka property (builder style).
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((key.into(), value.into()));
        self
    }

    /// A client configuration with the connection settings and the given client-kind defaults,
    /// then the caller's extra properties on top.
    pub(crate) fn client_config(&self, defaults: &[(&str, String)]) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.bootstrap_servers)
            .set("client.id", &self.client_id);
        for (key, value) in defaults {
            config.set(*key, value);
        }
        for (key, value) in &self.extra {
            config.set(key, value);
        }
        config
    }
}
