//! The consumer loop against a real broker (embedded Tansu) and a real Postgres.

mod common;

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use mammoflow_bus::ConsumeOutcome;
use mammoflow_events::{Event, StudyArrived};
use mammoflow_store::dead_letters::{self, DeadLetterFilter};
use mammoflow_store::{inbox, outbox};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_through_a_consumer_group() {
    let env = env("round_trip", 2).await;
    let publisher = env.publisher();
    let events: Vec<_> = (0..20).map(|_| study("S01")).collect();
    publish_all(&publisher, &events).await;

    let recorder = Recorder::new("round-trip");
    let consumer = env.spawn_consumer(recorder.clone(), env.consumer_options());
    wait_until(WAIT, "20 events handled", || async {
        recorder.handled().len() >= 20
    })
    .await;
    let summary = stop(consumer).await;

    assert_eq!(summary.processed, 20);
    assert_eq!(summary.duplicates, 0);
    let handled: HashSet<_> = recorder.handled().into_iter().collect();
    let sent: HashSet<_> = events.iter().map(|e| e.event_id).collect();
    assert_eq!(handled, sent);
    for e in &events {
        assert!(inbox::contains(env.db.pool(), "round-trip", e.event_id)
            .await
            .expect("inbox"));
    }
    let topic = StudyArrived::topic();
    assert_eq!(
        env.metrics
            .consumed_count("round-trip", &topic, ConsumeOutcome::Processed),
        20
    );
    // Each handled event queued its echo in the same transaction.
    let (backlog, _) = outbox::backlog(env.db.pool()).await.expect("backlog");
    assert_eq!(backlog, 20);
    // Keys are the StudyInstanceUID, headers carry type and id.
    let records = read_topic(&env.kafka, &topic, 2, 20, WAIT).await;
    for r in &records {
        let id = event_id_of(r);
        let sent = events
            .iter()
            .find(|e| e.event_id == id)
            .expect("a sent event");
        assert_eq!(r.key.as_deref(), Some(sent.key()));
        assert!(r
            .headers
            .contains(&("event_type".into(), "mammo.study.arrived".into())));
        assert!(r.headers.contains(&("event_id".into(), id.to_string())));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_resume_after_a_graceful_restart() {
    let env = env("resume", 1).await;
    let publisher = env.publisher();
    let first: Vec<_> = (0..10).map(|_| study("S01")).collect();
    publish_all(&publisher, &first).await;

    // Auto commit effectively off: only the synchronous commit at shutdown can save the
    // offsets, so this also proves that graceful shutdown commits.
    let mut options = env.consumer_options();
    options.commit_interval = Duration::from_secs(600);
    let a = Recorder::new("resume");
    let consumer = env.spawn_consumer(a.clone(), options.clone());
    wait_until(WAIT, "first 10 handled", || async {
        a.handled().len() >= 10
    })
    .await;
    assert_eq!(stop(consumer).await.processed, 10);

    let second: Vec<_> = (0..5).map(|_| study("S01")).collect();
    publish_all(&publisher, &second).await;
    let b = Recorder::new("resume");
    let consumer = env.spawn_consumer(b.clone(), options);
    wait_until(WAIT, "next 5 handled", || async { b.handled().len() >= 5 }).await;
    let summary = stop(consumer).await;

    // Nothing lost, nothing re-read: the restarted consumer starts after the committed offset.
    assert_eq!(
        b.handled(),
        second.iter().map(|e| e.event_id).collect::<Vec<_>>()
    );
    assert_eq!(
        summary.duplicates, 0,
        "records before the committed offset were re-read"
    );
    assert_eq!(b.calls(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_event_id_is_processed_once() {
    let env = env("duplicate", 1).await;
    let publisher = env.publisher();
    let twice = study("S01");
    let other = study("S02");
    publish_all(
        &publisher,
        &[twice.clone(), twice.clone(), other.clone(), twice.clone()],
    )
    .await;

    let recorder = Recorder::new("dup");
    let consumer = env.spawn_consumer(recorder.clone(), env.consumer_options());
    let topic = StudyArrived::topic();
    let metrics = env.metrics.clone();
    wait_until(WAIT, "4 records consumed", || {
        let total = metrics.consumed_count("dup", &topic, ConsumeOutcome::Processed)
            + metrics.consumed_count("dup", &topic, ConsumeOutcome::Duplicate);
        async move { total >= 4 }
    })
    .await;
    let summary = stop(consumer).await;

    assert_eq!(recorder.handled(), vec![twice.event_id, other.event_id]);
    assert_eq!(recorder.calls(), 2, "the handler never sees a duplicate");
    assert_eq!((summary.processed, summary.duplicates), (2, 2));
    let (echoes, _) = outbox::backlog(env.db.pool()).await.expect("backlog");
    assert_eq!(echoes, 2, "one outgoing event per distinct incoming event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_records_are_dead_lettered_and_the_loop_keeps_going() {
    let env = env("dead_letters", 1).await;
    let publisher = env.publisher();
    let topic = StudyArrived::topic();

    let malformed = b"{\"event_id\": not json".to_vec();
    let mut v2 = serde_json::to_value(study("S01")).expect("json");
    v2["schema_version"] = 2.into();
    let wrong_version = serde_json::to_vec(&v2).expect("json");
    let invalid = study("   ").to_json_bytes(); // blank site fails validate()
    let rejected = study(REJECTED_SITE); // decodes, but the handler refuses it permanently
    let good = study("S01");
    publisher
        .publish_raw(&topic, "k-malformed", &malformed)
        .await
        .expect("publish");
    publisher
        .publish_raw(&topic, "k-version", &wrong_version)
        .await
        .expect("publish");
    publisher
        .publish_raw(&topic, "k-invalid", &invalid)
        .await
        .expect("publish");
    publish_all(&publisher, &[rejected.clone(), good.clone()]).await;

    let recorder = Recorder::new("dl");
    let consumer = env.spawn_consumer(recorder.clone(), env.consumer_options());
    wait_until(WAIT, "the good event after the bad ones", || async {
        recorder.handled().contains(&good.event_id)
    })
    .await;
    let summary = stop(consumer).await;
    assert_eq!((summary.processed, summary.dead_lettered), (1, 4));

    let filter = DeadLetterFilter {
        consumer_group: Some("dl".into()),
        limit: 10,
        ..Default::default()
    };
    let mut letters = dead_letters::list(env.db.pool(), &filter)
        .await
        .expect("list");
    letters.sort_by_key(|d| d.offset);
    let kinds: Vec<&str> = letters.iter().map(|d| d.error_kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "malformed",
            "unsupported_version",
            "invalid_payload",
            "rejected_site"
        ]
    );
    assert_eq!(letters[0].payload, malformed, "raw bytes are kept exactly");
    assert_eq!(letters[0].key.as_deref(), Some("k-malformed"));
    assert!(
        letters[1].reason.contains("unsupported schema version 2"),
        "{}",
        letters[1].reason
    );
    assert!(
        letters[2].reason.contains("site is empty"),
        "{}",
        letters[2].reason
    );
    assert_eq!(letters[3].event_id, Some(rejected.event_id));
    assert_eq!(
        letters.iter().map(|d| d.offset).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    // A permanently failed event is not marked handled, so replaying it later runs the handler.
    assert!(!inbox::contains(env.db.pool(), "dl", rejected.event_id)
        .await
        .expect("inbox"));
    assert_eq!(env.metrics.dead_letter_count("dl", &topic, "malformed"), 1);
    assert_eq!(
        env.metrics.dead_letter_count("dl", &topic, "rejected_site"),
        1
    );
    // Four dead-letter events plus one echo wait in the outbox for the relay.
    let (queued, _) = outbox::backlog(env.db.pool()).await.expect("backlog");
    assert_eq!(queued, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_retry_the_same_record_without_skipping() {
    let env = env("transient", 1).await;
    let publisher = env.publisher();
    let events: Vec<_> = (0..3).map(|_| study("S01")).collect();
    publish_all(&publisher, &events).await;

    let recorder = Recorder::new("flaky");
    recorder.transient_failures.store(4, Ordering::SeqCst);
    let consumer = env.spawn_consumer(recorder.clone(), env.consumer_options());
    wait_until(WAIT, "3 events handled", || async {
        recorder.handled().len() >= 3
    })
    .await;
    let summary = stop(consumer).await;

    // In order, none skipped, each exactly once, after 4 failed attempts on the first one.
    assert_eq!(
        recorder.handled(),
        events.iter().map(|e| e.event_id).collect::<Vec<_>>()
    );
    assert_eq!(recorder.calls(), 7);
    assert_eq!(summary.processed, 3);
    assert_eq!(env.metrics.retry_count("flaky", "handler"), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_is_reported_while_a_record_is_stuck() {
    let env = env("lag", 1).await;
    let publisher = env.publisher();
    let events: Vec<_> = (0..4).map(|_| study("S01")).collect();
    publish_all(&publisher, &events).await;

    let recorder = Recorder::new("laggy");
    recorder
        .transient_failures
        .store(usize::MAX, Ordering::SeqCst);
    let consumer = env.spawn_consumer(recorder.clone(), env.consumer_options());
    let topic = StudyArrived::topic();
    let metrics = env.metrics.clone();
    // Stuck on the first record (in hand, so the position is past it): 3 behind.
    wait_until(WAIT, "lag of 3", || {
        let lag = metrics.lag("laggy", &topic, 0);
        async move { lag == 3 }
    })
    .await;
    recorder.transient_failures.store(0, Ordering::SeqCst);
    wait_until(WAIT, "all handled", || async {
        recorder.handled().len() >= 4
    })
    .await;
    wait_until(WAIT, "lag back to 0", || {
        let lag = metrics.lag("laggy", &topic, 0);
        async move { lag == 0 }
    })
    .await;
    stop(consumer).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_record_in_hand_and_commits_it() {
    let env = env("shutdown", 1).await;
    let publisher = env.publisher();
    let slow = study("S01");
    publish_all(&publisher, std::slice::from_ref(&slow)).await;

    let mut options = env.consumer_options();
    options.commit_interval = Duration::from_secs(600);
    let mut a = Recorder::new("graceful");
    a.delay = Duration::from_millis(800);
    let consumer = env.spawn_consumer(a.clone(), options.clone());
    wait_until(WAIT, "handler started", || async { a.calls() >= 1 }).await;
    // Cancel while the handler is mid-record: it must still finish and commit.
    let summary = stop(consumer).await;
    assert_eq!(summary.processed, 1);
    assert!(inbox::contains(env.db.pool(), "graceful", slow.event_id)
        .await
        .expect("inbox"));

    let marker = study("S02");
    publish_all(&publisher, std::slice::from_ref(&marker)).await;
    let b = Recorder::new("graceful");
    let consumer = env.spawn_consumer(b.clone(), options);
    wait_until(WAIT, "marker handled", || async {
        b.handled().contains(&marker.event_id)
    })
    .await;
    let summary = stop(consumer).await;
    assert_eq!(b.handled(), vec![marker.event_id]);
    assert_eq!(
        summary.duplicates, 0,
        "the finished record's offset was committed at shutdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consumers_of_one_group_share_the_partitions() {
    let env = env("rebalance", 2).await;
    let publisher = env.publisher();
    let mut events: Vec<_> = (0..20).map(|_| study("S01")).collect();
    publish_all(&publisher, &events).await;

    // Slow records so the second member joins while there is work left to split.
    let mut a = Recorder::new("pair");
    a.delay = Duration::from_millis(100);
    let mut b = a.clone();
    b.handled = Default::default();
    b.calls = Default::default();
    let first = env.spawn_consumer(a.clone(), env.consumer_options());
    wait_until(WAIT, "first member working", || async { a.calls() >= 1 }).await;
    let second = env.spawn_consumer(b.clone(), env.consumer_options());

    // How long a rebalance takes depends on heartbeats and machine load, so keep
    // work arriving until the second member has been given some (or give up).
    let rebalance_deadline = Instant::now() + Duration::from_secs(90);
    while b.handled().is_empty() && Instant::now() < rebalance_deadline {
        let more: Vec<_> = (0..4).map(|_| study("S01")).collect();
        publish_all(&publisher, &more).await;
        events.extend(more);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let total = events.len();
    wait_until(Duration::from_secs(60), "every event handled", || async {
        a.handled().len() + b.handled().len() >= total
    })
    .await;
    let (sa, sb) = (stop(first).await, stop(second).await);

    let mut all: Vec<_> = a.handled().into_iter().chain(b.handled()).collect();
    all.sort();
    let mut sent: Vec<_> = events.iter().map(|e| e.event_id).collect();
    sent.sort();
    assert_eq!(
        all, sent,
        "every event handled exactly once across the group"
    );
    assert_eq!(sa.processed + sb.processed, total as u64);
    assert!(
        !b.handled().is_empty(),
        "the rebalance gave the second member a partition"
    );
}
