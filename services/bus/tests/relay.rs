//! The outbox relay against a real broker (embedded Tansu) and a real Postgres.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use mammoflow_bus::{
    run_outbox_relay, BackoffPolicy, Publisher, PublisherOptions, RelayOptions, RelaySummary,
    RELAY_METRICS_GROUP,
};
use mammoflow_events::{Event, StudyArrived, DEAD_LETTER_TOPIC};
use mammoflow_store::{outbox, PgPool};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(25);

/// Queues `count` events in one transaction, alternating between two keys; returns their ids
/// in outbox order.
async fn enqueue(pool: &PgPool, topic: &str, count: usize) -> Vec<Uuid> {
    let mut tx = pool.begin().await.expect("begin");
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let event = study("S01");
        let key = if i % 2 == 0 { "study-a" } else { "study-b" };
        outbox::enqueue(&mut tx, topic, key, event.event_id, &event.to_json_bytes())
            .await
            .expect("enqueue");
        ids.push(event.event_id);
    }
    tx.commit().await.expect("commit");
    ids
}

fn spawn_relay(
    env: &TestEnv,
    publisher: Publisher,
    options: RelayOptions,
) -> (CancellationToken, JoinHandle<RelaySummary>) {
    let shutdown = CancellationToken::new();
    let pool = env.db.pool().clone();
    let metrics = env.metrics.clone();
    let token = shutdown.clone();
    let task =
        tokio::spawn(
            async move { run_outbox_relay(pool, &publisher, options, token, metrics).await },
        );
    (shutdown, task)
}

async fn stop_relay(relay: (CancellationToken, JoinHandle<RelaySummary>)) -> RelaySummary {
    relay.0.cancel();
    tokio::time::timeout(Duration::from_secs(20), relay.1)
        .await
        .expect("relay stops")
        .expect("relay task")
}

async fn backlog(pool: &PgPool) -> i64 {
    outbox::backlog(pool).await.expect("backlog").0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_rows_are_published_in_order() {
    let env = env("relay_order", 1).await;
    let topic = StudyArrived::topic();
    let ids = enqueue(env.db.pool(), &topic, 120).await;

    // Small batches so the order has to hold across several claims.
    let options = RelayOptions {
        batch_size: 25,
        ..RelayOptions::default()
    };
    let relay = spawn_relay(&env, env.publisher(), options);
    let pool = env.db.pool().clone();
    wait_until(WAIT, "outbox drained", || {
        let pool = pool.clone();
        async move { backlog(&pool).await == 0 }
    })
    .await;
    let summary = stop_relay(relay).await;
    assert_eq!(summary.published, 120);
    assert_eq!(summary.failed_batches, 0);

    let records = read_topic(&env.kafka, &topic, 1, 120, WAIT).await;
    assert_eq!(records.iter().map(event_id_of).collect::<Vec<_>>(), ids);
    assert_eq!(records[0].key.as_deref(), Some("study-a"));
    assert_eq!(records[1].key.as_deref(), Some("study-b"));
    assert_eq!(env.metrics.published_count(&topic), 120);
    assert_eq!(env.metrics.outbox_backlog(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_survives_a_broker_that_is_down_at_first_and_loses_nothing() {
    let mut env = env("relay_outage", 1).await;
    let topic = StudyArrived::topic();
    env.broker.stop().await;
    let ids = enqueue(env.db.pool(), &topic, 30).await;

    // Deliveries give up after 1 s so the relay's own rollback-and-retry path runs.
    let publisher = Publisher::new(
        &env.kafka,
        &PublisherOptions {
            message_timeout: Duration::from_secs(1),
            ..PublisherOptions::default()
        },
    )
    .expect("publisher");
    let options = RelayOptions {
        batch_size: 10,
        backoff: BackoffPolicy {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(500),
        },
        ..RelayOptions::default()
    };
    let relay = spawn_relay(&env, publisher, options.clone());
    let metrics = env.metrics.clone();
    wait_until(WAIT, "a failed batch", || {
        let failed = metrics.retry_count(RELAY_METRICS_GROUP, "broker");
        async move { failed >= 2 }
    })
    .await;
    assert_eq!(
        backlog(env.db.pool()).await,
        30,
        "nothing marked while the broker is down"
    );

    env.broker.restart().await.expect("broker restart");
    let pool = env.db.pool().clone();
    wait_until(WAIT, "outbox drained after the restart", || {
        let pool = pool.clone();
        async move { backlog(&pool).await == 0 }
    })
    .await;
    let summary = stop_relay(relay).await;
    assert_eq!(summary.published, 30);
    assert!(summary.failed_batches >= 2);

    // Everything arrived, in outbox order (a row may repeat after a partly failed batch; the
    // consumers' inboxes absorb that, so compare first occurrences).
    let records = read_topic(&env.kafka, &topic, 1, 30, WAIT).await;
    let mut seen = HashSet::new();
    let first: Vec<Uuid> = records
        .iter()
        .map(event_id_of)
        .filter(|id| seen.insert(*id))
        .collect();
    assert_eq!(first, ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_and_handler_output_reach_their_topics() {
    let env = env("relay_chain", 1).await;
    let publisher = env.publisher();
    let topic = StudyArrived::topic();
    publisher
        .publish_raw(&topic, "k-bad", b"not json at all")
        .await
        .expect("publish");
    let good = study("S01");
    publish_all(&publisher, std::slice::from_ref(&good)).await;

    let relay_options = RelayOptions {
        poll_interval: Duration::from_secs(30),
        ..RelayOptions::default()
    };
    let mut consumer_options = env.consumer_options();
    consumer_options.relay_notify = Some(relay_options.notify.clone());
    let relay = spawn_relay(&env, env.publisher(), relay_options);
    let recorder = Recorder::new("chain");
    let consumer = env.spawn_consumer(recorder.clone(), consumer_options);

    // With a 30 s poll interval, arriving well within it shows the consumer's notification.
    let dead = read_topic(&env.kafka, DEAD_LETTER_TOPIC, 1, 1, Duration::from_secs(15)).await;
    let letter: mammoflow_events::Envelope<mammoflow_events::DeadLetter> =
        serde_json::from_slice(&dead[0].payload).expect("dead-letter envelope");
    assert_eq!(letter.payload.error_kind, "malformed");
    assert_eq!(letter.payload.original, "not json at all");
    assert_eq!(letter.payload.consumer_group, "chain");
    assert_eq!(dead[0].key.as_deref(), Some("k-bad"));

    let echo = read_topic(&env.kafka, ECHO_TOPIC, 1, 1, Duration::from_secs(15)).await;
    let forwarded: mammoflow_events::Envelope<StudyArrived> =
        serde_json::from_slice(&echo[0].payload).expect("echo envelope");
    assert_eq!(forwarded.correlation_id, good.correlation_id);
    assert_eq!(echo[0].key.as_deref(), Some(good.key()));

    stop(consumer).await;
    stop_relay(relay).await;
}
