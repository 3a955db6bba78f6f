//! The embedded broker speaks Kafka to rdkafka, keeps its data across a restart, and frees its
//! port when stopped.

use std::time::Duration;

use mammoflow_broker::{EmbeddedBroker, EmbeddedBrokerOptions};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;

fn config(broker: &EmbeddedBroker) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", broker.bootstrap_servers());
    config
}

/// Partition count of `topic` as the broker reports it (metadata queries block: run them off
/// the runtime).
async fn partitions(broker: &EmbeddedBroker, topic: &str) -> usize {
    let consumer: BaseConsumer = config(broker).create().expect("client");
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || {
        let metadata = consumer
            .fetch_metadata(Some(&topic), Duration::from_secs(10))
            .expect("metadata");
        metadata
            .topics()
            .iter()
            .find(|t| t.name() == topic)
            .map_or(0, |t| t.partitions().len())
    })
    .await
    .expect("metadata task")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_kafka_and_keeps_data_across_a_restart() {
    let mut broker = EmbeddedBroker::start(EmbeddedBrokerOptions::default())
        .await
        .expect("start");
    let servers = broker.bootstrap_servers();
    assert!(servers.starts_with("127.0.0.1:"), "{servers}");
    assert!(broker.is_running());

    let admin: AdminClient<DefaultClientContext> = config(&broker).create().expect("admin");
    let created = admin
        .create_topics(
            &[NewTopic::new(
                "broker.test.v1",
                3,
                TopicReplication::Fixed(1),
            )],
            &AdminOptions::new(),
        )
        .await
        .expect("create topics");
    assert!(created.iter().all(Result::is_ok), "{created:?}");
    drop(admin);
    let producer: FutureProducer = config(&broker)
        .set("enable.idempotence", "true")
        .create()
        .expect("producer");
    let delivered = producer
        .send(
            FutureRecord::to("broker.test.v1").key("k").payload("v"),
            Duration::from_secs(10),
        )
        .await
        .expect("delivered");
    assert_eq!(delivered.offset, 0);
    assert_eq!(partitions(&broker, "broker.test.v1").await, 3);

    broker.restart().await.expect("restart");
    assert_eq!(
        broker.bootstrap_servers(),
        servers,
        "same port after a restart"
    );
    assert_eq!(
        partitions(&broker, "broker.test.v1").await,
        3,
        "topic survives the restart"
    );
    let after = producer
        .send(
            FutureRecord::to("broker.test.v1").key("k").payload("v2"),
            Duration::from_secs(20),
        )
        .await
        .expect("delivered after restart");
    assert_eq!(
        (after.partition, after.offset),
        (delivered.partition, 1),
        "log survives the restart"
    );
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_closes_the_port_and_a_fixed_port_is_honoured() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe");
    let port = probe.local_addr().expect("addr").port();
    drop(probe);
    let options = EmbeddedBrokerOptions {
        port,
        ..EmbeddedBrokerOptions::default()
    };
    let mut broker = EmbeddedBroker::start(options.clone()).await.expect("start");
    assert_eq!(broker.addr().port(), port);

    broker.stop().await;
    assert!(!broker.is_running());
    assert!(
        tokio::net::TcpStream::connect(broker.addr()).await.is_err(),
        "port still open"
    );

    // The port is taken while a broker serves on it.
    let _again = EmbeddedBroker::start(options.clone())
        .await
        .expect("second broker on the freed port");
    let clash = EmbeddedBroker::start(options).await;
    assert!(clash.is_err(), "two brokers on one port");
}
