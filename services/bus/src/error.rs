//! Errors of the bus's setup and publishing calls. The long-running loops never return these for
//! per-message problems: those are retried or dead-lettered inside the loop.

use rdkafka::error::{KafkaError, RDKafkaErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("creating the Kafka {what}: {source}")]
    Client {
        what: &'static str,
        #[source]
        source: KafkaError,
    },
    #[error("creating topics: {0}")]
    Admin(#[source] KafkaError),
    #[error("creating topic {topic}: {code}")]
    CreateTopic {
        topic: String,
        code: RDKafkaErrorCode,
    },
    #[error("subscribing to {topic}: {source}")]
    Subscribe {
        topic: String,
        #[source]
        source: KafkaError,
    },
    #[error("publishing to {topic} (key {key}): {source}")]
    Publish {
        topic: String,
        key: String,
        /// Boxed: librdkafka's error is large and this enum travels in every `Result`.
        #[source]
        source: Box<KafkaError>,
    },
    #[error("the producer went away before confirming delivery to {topic} (key {key})")]
    DeliveryCanceled { topic: String, key: String },
    #[error("flushing the producer: {0}")]
    Flush(#[source] KafkaError),
    #[error(transparent)]
    Store(#[from] mammoflow_store::StoreError),
    #[error("registering bus metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}
