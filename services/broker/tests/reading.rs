//! Readers get every acknowledged record: when they start inside a batch (a consumer resuming
//! from a committed offset), and while several producers write the same partition. Tansu's
//! in-memory engine alone fails the first (see `src/ordered.rs`).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use mammoflow_broker::{EmbeddedBroker, EmbeddedBrokerOptions};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

const TOPIC: &str = "broker.concurrent.v1";
const BATCHED: &str = "broker.batched.v1";
const PRODUCERS: usize = 4;
const PER_PRODUCER: usize = 250;

fn config(broker: &EmbeddedBroker) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", broker.bootstrap_servers());
    config
}

async fn create_topic(broker: &EmbeddedBroker, topic: &str) {
    let admin: AdminClient<DefaultClientContext> = config(broker).create().expect("admin");
    let created = admin
        .create_topics(&[NewTopic::new(topic, 1, TopicReplication::Fixed(1))], &AdminOptions::new())
        .await
        .expect("create topic");
    assert!(created.iter().all(Result::is_ok), "{created:?}");
}

fn reader(broker: &EmbeddedBroker, topic: &str, from: Offset) -> StreamConsumer {
    let consumer: StreamConsumer = config(broker)
        .set("group.id", format!("reader-{topic}"))
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(topic, 0, from).expect("assignment");
    consumer.assign(&assignment).expect("assign");
    consumer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_starting_inside_a_batch_gets_the_rest_of_it() {
    let broker = EmbeddedBroker::start(EmbeddedBrokerOptions::default()).await.expect("start");
    create_topic(&broker, BATCHED).await;
    // A long linger and all sends queued before any is awaited: one batch of five records.
    let producer: FutureProducer = config(&broker).set("linger.ms", "500").create().expect("producer");
    let payloads: Vec<String> = (0..5).map(|i| format!("record-{i}")).collect();
    let sends: Vec<_> = payloads
        .iter()
        .map(|p| producer.send(FutureRecord::to(BATCHED).key("k").payload(p), Duration::from_secs(30)))
        .collect();
    let offsets: Vec<i64> = futures::future::join_all(sends)
        .await
        .into_iter()
        .map(|sent| sent.expect("acknowledged").offset)
        .collect();
    assert_eq!(offsets, vec![0, 1, 2, 3, 4]);

    // Where a consumer that had processed records 0 and 1 resumes.
    let consumer = reader(&broker, BATCHED, Offset::Offset(2));
    let mut got = Vec::new();
    while got.len() < 3 {
        let message = tokio::time::timeout(Duration::from_secs(15), consumer.recv())
            .await
            .unwrap_or_else(|_| panic!("records 2..5 not delivered; got {got:?}"))
            .expect("message");
        got.push((message.offset(), String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned()));
    }
    assert_eq!(got, vec![(2, "record-2".to_string()), (3, "record-3".to_string()), (4, "record-4".to_string())]);
}

async fn produce_all(producer: FutureProducer, id: usize) {
    // Small awaited batches keep several produce requests of each producer in flight together.
    for chunk in 0..PER_PRODUCER / 10 {
        let sends: Vec<_> = (0..10)
            .map(|i| {
                let payload = format!("{id}-{}", chunk * 10 + i);
                let producer = producer.clone();
                async move {
                    producer
                        .send(FutureRecord::to(TOPIC).key("k").payload(&payload), Duration::from_secs(30))
                        .await
                        .map(|_| ())
                        .map_err(|(e, _)| e)
                }
            })
            .collect();
        for sent in futures::future::join_all(sends).await {
            sent.expect("acknowledged");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_sees_every_record_of_concurrent_producers() {
    let broker = EmbeddedBroker::start(EmbeddedBrokerOptions::default()).await.expect("start");
    create_topic(&broker, TOPIC).await;
    let consumer = reader(&broker, TOPIC, Offset::Beginning);

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|id| {
            // One client per producer: one connection each, as separate services have.
            let producer: FutureProducer = config(&broker)
                .set("enable.idempotence", "true")
                .set("linger.ms", "0")
                .create()
                .expect("producer");
            tokio::spawn(produce_all(producer, id))
        })
        .collect();

    let total = PRODUCERS * PER_PRODUCER;
    let mut seen = HashSet::new();
    let mut produced = false;
    let mut deadline = Instant::now() + Duration::from_secs(120);
    while seen.len() < total && Instant::now() < deadline {
        if !produced && producers.iter().all(|p| p.is_finished()) {
            produced = true;
            // Everything is acknowledged: the reader has a little while left to catch up.
            deadline = deadline.min(Instant::now() + Duration::from_secs(10));
        }
        if let Ok(Ok(message)) = tokio::time::timeout(Duration::from_millis(200), consumer.recv()).await {
            let payload = String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned();
            seen.insert(payload);
        }
    }
    for producer in producers {
        producer.await.expect("producer task");
    }
    let missing: Vec<String> = (0..PRODUCERS)
        .flat_map(|id| (0..PER_PRODUCER).map(move |i| format!("{id}-{i}")))
        .filter(|p| !seen.contains(p))
        .take(10)
        .collect();
    assert_eq!(seen.len(), total, "the reader missed records, for example {missing:?}");
}
