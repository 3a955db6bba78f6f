//! Shared by the bus integration tests: a real broker (embedded Tansu) and a real Postgres
//! database per test, a recording handler, and helpers to produce and read records.
#![allow(dead_code)] // each test file uses a different subset

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mammoflow_broker::{EmbeddedBroker, EmbeddedBrokerOptions};
use mammoflow_bus::{
    ensure_topics, run_consumer, BackoffPolicy, BusError, BusMetrics, ConsumerOptions,
    ConsumerSummary, Handler, HandlerError, KafkaConfig, MessageMeta, Publisher, PublisherOptions,
};
use mammoflow_domain::DicomUid;
use mammoflow_events::{all_topics, Envelope, Event, InstanceRef, StudyArrived};
use mammoflow_store::local::{fresh_database, test_server_url, TestDatabase};
use mammoflow_store::{outbox, Tx};
use prometheus::Registry;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Topic the test handler forwards each handled event to through the outbox.
pub const ECHO_TOPIC: &str = "test.echo.v1";

pub struct TestEnv {
    pub broker: EmbeddedBroker,
    pub db: TestDatabase,
    pub kafka: KafkaConfig,
    pub registry: Registry,
    pub metrics: BusMetrics,
}

/// A broker with every pipeline topic (plus the echo topic) and a fresh database.
pub async fn env(name: &str, partitions: i32) -> TestEnv {
    let broker = EmbeddedBroker::start(EmbeddedBrokerOptions::default())
        .await
        .expect("broker");
    let server = test_server_url()
        .await
        .expect("a Postgres server for tests");
    let db = fresh_database(&server, &format!("bus_{name}"))
        .await
        .expect("test database");
    let kafka = KafkaConfig::new(broker.bootstrap_servers(), format!("bus-test-{name}"));
    let mut topics = all_topics();
    topics.push(ECHO_TOPIC.to_string());
    ensure_topics(&kafka, &topics, partitions, 1)
        .await
        .expect("topics");
    let registry = Registry::new();
    let metrics = BusMetrics::register(&registry).expect("metrics");
    TestEnv {
        broker,
        db,
        kafka,
        registry,
        metrics,
    }
}

impl TestEnv {
    pub fn publisher(&self) -> Publisher {
        Publisher::new(&self.kafka, &PublisherOptions::default()).expect("publisher")
    }

    /// Consumer options with short delays so failures are retried quickly in tests.
    pub fn consumer_options(&self) -> ConsumerOptions {
        let mut options = ConsumerOptions::new(self.kafka.clone(), self.db.pool().clone());
        options.backoff = BackoffPolicy {
            initial: Duration::from_millis(50),
            max: Duration::from_millis(400),
        };
        options.lag_interval = Duration::from_millis(200);
        options
    }

    pub fn spawn_consumer(
        &self,
        handler: Recorder,
        options: ConsumerOptions,
    ) -> (
        CancellationToken,
        JoinHandle<Result<ConsumerSummary, BusError>>,
    ) {
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(run_consumer(
            handler,
            options,
            shutdown.clone(),
            self.metrics.clone(),
        ));
        (shutdown, task)
    }
}

/// Stops a spawned consumer and returns what it did.
pub async fn stop(
    consumer: (
        CancellationToken,
        JoinHandle<Result<ConsumerSummary, BusError>>,
    ),
) -> ConsumerSummary {
    consumer.0.cancel();
    tokio::time::timeout(Duration::from_secs(20), consumer.1)
        .await
        .expect("consumer stops within 20 s")
        .expect("consumer task")
        .expect("consumer result")
}

/// A study-arrived event with a unique study UID.
pub fn study(site: &str) -> Envelope<StudyArrived> {
    let uid = format!(
        "1.2.826.0.1.3680043.10.1234.{}",
        Uuid::now_v7().as_u128() % 1_000_000_000_000
    );
    let payload = StudyArrived {
        study_instance_uid: DicomUid::new(uid.clone()).expect("valid uid"),
        site: site.to_string(),
        patient_key: "pk-0001".to_string(),
        accession_number: None,
        instances: vec![InstanceRef {
            uri: format!("/studies/{uid}/RCC.dcm"),
            sop_instance_uid: None,
        }],
        source: Some("bus-test".to_string()),
    };
    Envelope::new("bus-test", payload)
}

/// A handler that records what it handled and forwards each event to [`ECHO_TOPIC`] through the
/// outbox, in the consumer's transaction, as a real stage would.
#[derive(Clone)]
pub struct Recorder {
    pub group: String,
    /// Event ids in the order they were handled (committed or not).
    pub handled: Arc<Mutex<Vec<Uuid>>>,
    pub calls: Arc<AtomicUsize>,
    /// The next this-many calls fail transiently.
    pub transient_failures: Arc<AtomicUsize>,
    /// Each call sleeps this long first (to catch a consumer mid-record).
    pub delay: Duration,
}

impl Recorder {
    pub fn new(group: &str) -> Self {
        Recorder {
            group: group.to_string(),
            handled: Arc::default(),
            calls: Arc::default(),
            transient_failures: Arc::default(),
            delay: Duration::ZERO,
        }
    }

    pub fn handled(&self) -> Vec<Uuid> {
        self.handled.lock().expect("lock").clone()
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

/// Site that the recorder rejects permanently.
pub const REJECTED_SITE: &str = "REJECT";

impl Handler for Recorder {
    type Event = StudyArrived;

    fn consumer_group(&self) -> &str {
        &self.group
    }

    async fn handle(
        &self,
        tx: &mut Tx<'_>,
        envelope: &Envelope<StudyArrived>,
        _meta: &MessageMeta,
    ) -> Result<(), HandlerError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let failing = self
            .transient_failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            return Err(HandlerError::transient("simulated outage of a dependency"));
        }
        if envelope.payload.site == REJECTED_SITE {
            return Err(HandlerError::permanent(
                "rejected_site",
                "site REJECT is not served",
            ));
        }
        let echo = Envelope::caused_by(envelope, "bus-test", envelope.payload.clone());
        outbox::enqueue(
            tx,
            ECHO_TOPIC,
            echo.key(),
            echo.event_id,
            &echo.to_json_bytes(),
        )
        .await?;
        self.handled.lock().expect("lock").push(envelope.event_id);
        Ok(())
    }
}

/// Polls `check` every 50 ms until it holds; panics with `what` after `timeout`.
pub async fn wait_until<F, Fut>(timeout: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A record read back from a topic.
#[derive(Debug, Clone)]
pub struct Record {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<String>,
    pub payload: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

/// Reads `count` records of `topic` from the beginning of partitions `0..partitions`, without a
/// consumer group, or panics after `timeout`.
pub async fn read_topic(
    kafka: &KafkaConfig,
    topic: &str,
    partitions: i32,
    count: usize,
    timeout: Duration,
) -> Vec<Record> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &kafka.bootstrap_servers)
        .set("group.id", format!("reader-{}", Uuid::now_v7()))
        .set("enable.auto.commit", "false")
        .create()
        .expect("reader");
    let mut assignment = TopicPartitionList::new();
    for p in 0..partitions {
        assignment
            .add_partition_offset(topic, p, Offset::Beginning)
            .expect("partition");
    }
    consumer.assign(&assignment).expect("assign");
    let mut records = Vec::with_capacity(count);
    let deadline = Instant::now() + timeout;
    while records.len() < count {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = tokio::time::timeout(left, consumer.recv())
            .await
            .unwrap_or_else(|_| panic!("read {} of {count} records of {topic}", records.len()))
            .expect("record");
        let headers = message
            .headers()
            .map(|h| {
                h.iter()
                    .map(|h| {
                        let value = h.value.map(|v| String::from_utf8_lossy(v).into_owned());
                        (h.key.to_string(), value.unwrap_or_default())
                    })
                    .collect()
            })
            .unwrap_or_default();
        records.push(Record {
            partition: message.partition(),
            offset: message.offset(),
            key: message
                .key()
                .map(|k| String::from_utf8_lossy(k).into_owned()),
            payload: message.payload().unwrap_or_default().to_vec(),
            headers,
        });
    }
    records
}

/// The event id in a record's JSON envelope.
pub fn event_id_of(record: &Record) -> Uuid {
    mammoflow_events::peek(&record.payload)
        .expect("an envelope")
        .event_id
}

/// Every event of `E` published by `publisher`, awaiting each delivery.
pub async fn publish_all<E: Event>(publisher: &Publisher, events: &[Envelope<E>]) {
    for event in events {
        publisher.publish(event).await.expect("publish");
    }
}
