//! Publishing events: an idempotent rdkafka producer with `acks=all`.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use mammoflow_events::{peek, Envelope, Event};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;
use uuid::Uuid;

use crate::{BusError, BusMetrics, KafkaConfig};

/// Kafka header carrying the envelope's `event_type` (lets tools route without parsing JSON).
pub const HEADER_EVENT_TYPE: &str = "event_type";
/// Kafka header carrying the envelope's `event_id`.
pub const HEADER_EVENT_ID: &str = "event_id";

/// Producer settings beyond the connection.
#[derive(Debug, Clone)]
pub struct PublisherOptions {
    /// How long librdkafka keeps retrying one message before reporting it failed. The outbox
    /// relay retries failed batches itself, so this bounds how long a batch can hang on a
    /// broker outage rather than how long an event can be delayed.
    pub message_timeout: Duration,
    /// How long the producer waits to batch messages together.
    pub linger: Duration,
}

impl Default for PublisherOptions {
    fn default() -> Self {
        PublisherOptions {
            message_timeout: Duration::from_secs(30),
            linger: Duration::from_millis(5),
        }
    }
}

/// Where a message landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub partition: i32,
    pub offset: i64,
}

/// A message handed to the producer; resolves when the broker confirms (or refuses) it.
pub(crate) struct Pending {
    topic: String,
    key: String,
    delivery: DeliveryFuture,
}

impl Pending {
    pub(crate) async fn delivered(self) -> Result<Delivered, BusError> {
        match self.delivery.await {
            Ok(Ok(d)) => Ok(Delivered {
                partition: d.partition,
                offset: d.offset,
            }),
            Ok(Err((source, _message))) => Err(BusError::Publish {
                topic: self.topic,
                key: self.key,
                source: Box::new(source),
            }),
            Err(_canceled) => Err(BusError::DeliveryCanceled {
                topic: self.topic,
                key: self.key,
            }),
        }
    }
}

/// Publishes events. Cheap to share behind an `Arc`; all methods take `&self`.
///
/// With `enable.idempotence` librdkafka keeps per-partition order across its internal retries
/// and never writes a retried message twice. Some broker answers (a restarted broker that lost
/// the producer id, for example) put an idempotent producer into a fatal state in which every
/// send fails; [`Publisher`] then replaces it with a fresh producer.
pub struct Publisher {
    config: rdkafka::ClientConfig,
    producer: RwLock<Arc<FutureProducer>>,
    metrics: Option<BusMetrics>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Publisher {
    pub fn new(kafka: &KafkaConfig, options: &PublisherOptions) -> Result<Self, BusError> {
        let config = kafka.client_config(&[
            ("enable.idempotence", "true".to_string()),
            ("acks", "all".to_string()),
            (
                "message.timeout.ms",
                options.message_timeout.as_millis().to_string(),
            ),
            ("linger.ms", options.linger.as_millis().to_string()),
        ]);
        let producer = create_producer(&config)?;
        Ok(Publisher {
            config,
            producer: RwLock::new(producer),
            metrics: None,
        })
    }

    /// Counts confirmed deliveries in `mammoflow_bus_events_published_total`.
    pub fn with_metrics(mut self, metrics: BusMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Publishes one event to its topic, keyed by its payload key, and waits for the broker.
    pub async fn publish<E: Event>(&self, envelope: &Envelope<E>) -> Result<Delivered, BusError> {
        let bytes = envelope.to_json_bytes();
        let pending = self.enqueue(
            &E::topic(),
            envelope.key(),
            Some((envelope.event_type.as_str(), envelope.event_id)),
            &bytes,
        )?;
        self.confirm(pending).await
    }

    /// Publishes bytes as they are (a serialized envelope, or anything for tests and replays)
    /// and waits for the broker. The headers are filled in when the bytes parse as an envelope.
    pub async fn publish_raw(
        &self,
        topic: &str,
        key: &str,
        bytes: &[u8],
    ) -> Result<Delivered, BusError> {
        let header = peek(bytes);
        let pending = self.enqueue(
            topic,
            key,
            header.as_ref().map(|h| (h.event_type.as_str(), h.event_id)),
            bytes,
        )?;
        self.confirm(pending).await
    }

    /// Waits up to `timeout` for every queued message to be delivered.
    pub async fn flush(&self, timeout: Duration) -> Result<(), BusError> {
        let producer = self.current();
        tokio::task::spawn_blocking(move || producer.flush(Timeout::After(timeout)))
            .await
            .map_err(|_| BusError::Flush(rdkafka::error::KafkaError::Canceled))?
            .map_err(BusError::Flush)
    }

    /// Hands one message to the producer without waiting. Messages enqueued one after another
    /// reach each partition in that order, which is what the relay relies on.
    pub(crate) fn enqueue(
        &self,
        topic: &str,
        key: &str,
        header: Option<(&str, Uuid)>,
        bytes: &[u8],
    ) -> Result<Pending, BusError> {
        let mut record = FutureRecord::to(topic).key(key).payload(bytes);
        if let Some((event_type, event_id)) = header {
            let id = event_id.to_string();
            record = record.headers(
                OwnedHeaders::new()
                    .insert(Header {
                        key: HEADER_EVENT_TYPE,
                        value: Some(event_type),
                    })
                    .insert(Header {
                        key: HEADER_EVENT_ID,
                        value: Some(id.as_str()),
                    }),
            );
        }
        match self.current().send_result(record) {
            Ok(delivery) => Ok(Pending {
                topic: topic.to_string(),
                key: key.to_string(),
                delivery,
            }),
            Err((source, _record)) => {
                self.recover_if_fatal();
                Err(BusError::Publish {
                    topic: topic.to_string(),
                    key: key.to_string(),
                    source: Box::new(source),
                })
            }
        }
    }

    /// Awaits one delivery, counting it or checking the producer's health on failure.
    pub(crate) async fn confirm(&self, pending: Pending) -> Result<Delivered, BusError> {
        let topic = pending.topic.clone();
        let result = pending.delivered().await;
        match &result {
            Ok(_) => self.count_published(&topic, 1),
            Err(_) => self.recover_if_fatal(),
        }
        result
    }

    pub(crate) fn count_published(&self, topic: &str, count: u64) {
        if let Some(metrics) = &self.metrics {
            metrics.published(topic, count);
        }
    }

    /// Replaces the producer when librdkafka declared it unusable. Called after any failure.
    pub(crate) fn recover_if_fatal(&self) {
        let Some((code, reason)) = self.current().client().fatal_error() else {
            return;
        };
        tracing::warn!(?code, %reason, "Kafka producer hit a fatal error; creating a new one");
        match create_producer(&self.config) {
            Ok(fresh) => {
                // A poisoned lock only means another thread panicked while swapping; the value
                // inside is still a valid producer, so keep going.
                let mut slot = self.producer.write().unwrap_or_else(|p| p.into_inner());
                *slot = fresh;
            }
            Err(e) => tracing::error!(error = %e, "recreating the Kafka producer failed"),
        }
    }

    fn current(&self) -> Arc<FutureProducer> {
        self.producer
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

fn create_producer(config: &rdkafka::ClientConfig) -> Result<Arc<FutureProducer>, BusError> {
    config
        .create::<FutureProducer>()
        .map(Arc::new)
        .map_err(|source| BusError::Client {
            what: "producer",
            source,
        })
}
