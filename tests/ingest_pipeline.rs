//! Simulated studies published to the real broker are stored exactly once, across a crash of
//! the ingest stage mid-stream and with duplicate events injected; every stored study has
//! exactly one study.ready event.
#![allow(clippy::unwrap_used)]

use mammoflow_bus::{Publisher, PublisherOptions};
use mammoflow_e2e::{read_topic, wait_until, Harness};
use mammoflow_events::{Eligibility, Envelope, StudyReady};
use mammoflow_ingest::arrival_for;
use mammoflow_store::{outbox, studies};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

async fn stored_count(h: &Harness) -> i64 {
    studies::count_by_status(h.db.pool()).await.unwrap().iter().map(|(_, n)| n).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn studies_are_stored_exactly_once_across_a_crash_and_duplicates() {
    let h = Harness::start("e2e_once").await;
    let first = h.simulate(0, 40);
    let second = h.simulate(40, 20);
    let publisher = Publisher::new(&h.platform.kafka, &PublisherOptions::default()).unwrap();

    // First wave, with every fifth event published twice (same event id: a producer retry).
    let mut envelopes = Vec::new();
    for (i, study) in first.iter().enumerate() {
        let envelope = Envelope::new("e2e", arrival_for(study));
        publisher.publish(&envelope).await.unwrap();
        if i % 5 == 0 {
            publisher.publish(&envelope).await.unwrap();
        }
        envelopes.push(envelope);
    }

    // Crash the stage mid-stream: abort its tasks once some (not all) studies are stored.
    let (_token, tasks) = h.start_ingest();
    wait_until(Duration::from_secs(60), "first studies stored", || async { stored_count(&h).await >= 5 }).await;
    for task in &tasks {
        task.abort();
    }
    for task in tasks {
        let _ = task.await;
    }
    let at_crash = stored_count(&h).await;

    // While it is down: the second wave, plus the first wave's studies re-announced with new
    // event ids (a PACS pushing the same study again).
    for study in &second {
        publisher.publish(&Envelope::new("e2e", arrival_for(study))).await.unwrap();
    }
    for study in first.iter().take(10) {
        publisher.publish(&Envelope::new("e2e", arrival_for(study))).await.unwrap();
    }

    let (token, tasks) = h.start_ingest();
    let total = (first.len() + second.len()) as i64;
    wait_until(Duration::from_secs(120), "every study stored", || async { stored_count(&h).await == total }).await;
    wait_until(Duration::from_secs(60), "outbox drained", || async {
        outbox::backlog(h.db.pool()).await.unwrap().0 == 0
    })
    .await;
    token.cancel();
    for task in tasks {
        task.await.unwrap();
    }
    assert!(at_crash < total, "the crash happened mid-stream ({at_crash} of {total} stored)");

    // Exactly once in the database: one row per study, four standard instances each.
    let expected: BTreeSet<String> =
        first.iter().chain(&second).map(|s| s.study_instance_uid.to_string()).collect();
    let rows = studies::list(h.db.pool(), 1000).await.unwrap();
    assert_eq!(rows.len(), expected.len());
    assert_eq!(rows.iter().map(|r| r.study_uid.clone()).collect::<BTreeSet<_>>(), expected);
    for row in &rows {
        assert_eq!(row.status_reason, None, "{}: simulated studies are eligible", row.study_uid);
        let instances = studies::instances(h.db.pool(), &row.study_uid).await.unwrap();
        assert_eq!(instances.len(), 4, "{}", row.study_uid);
    }

    // Exactly one study.ready event id per study on the topic (a relay retry may deliver the
    // same event twice; consumers dedupe on its id).
    let ready = read_topic::<StudyReady>(h.broker.bootstrap_servers().as_str(), expected.len(), Duration::from_secs(30)).await;
    let mut ids_per_study: BTreeMap<String, BTreeSet<uuid::Uuid>> = BTreeMap::new();
    for event in &ready {
        assert_eq!(event.payload.eligibility, Eligibility::Eligible);
        assert_eq!(event.payload.views.len(), 4);
        ids_per_study.entry(event.payload.study_instance_uid.to_string()).or_default().insert(event.event_id);
    }
    assert_eq!(ids_per_study.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert!(ids_per_study.values().all(|ids| ids.len() == 1), "one study.ready event per study");
    // The correlation id of each ready event is its study's arrival chain.
    let first_envelope = &envelopes[0];
    let ready_first = ready.iter().find(|e| e.payload.study_instance_uid == first_envelope.payload.study_instance_uid).unwrap();
    assert_eq!(ready_first.correlation_id, first_envelope.correlation_id);
}
