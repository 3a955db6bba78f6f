//! Bad input gets a clear reason (a dead letter, or an ineligible study routed to a human
//! read), a metric, and the consumer keeps going.
#![allow(clippy::unwrap_used)]

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use mammoflow_bus::{replay_dead_letter, ConsumeOutcome, Publisher, PublisherOptions};
use mammoflow_domain::View;
use mammoflow_e2e::{read_topic, wait_until, Harness};
use mammoflow_events::{Eligibility, Envelope, Event, StudyArrived, StudyReady};
use mammoflow_ingest::{arrival_for, CONSUMER_GROUP};
use mammoflow_store::dead_letters::{self, DeadLetterFilter};
use mammoflow_store::studies;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_events_and_bad_studies_get_reasons_and_the_consumer_keeps_going() {
    let h = Harness::start("e2e_bad").await;
    let written = h.simulate(100, 7);
    let publisher = Publisher::new(&h.platform.kafka, &PublisherOptions::default()).unwrap();
    let topic = StudyArrived::topic();

    // Undecodable events: each becomes a dead letter with its reason.
    let good = Envelope::new("e2e", arrival_for(&written[0]));
    let mut json = serde_json::to_value(&good).unwrap();
    publisher.publish_raw(&topic, "k1", b"{\"event_id\": oops").await.unwrap();
    json["schema_version"] = 2.into();
    publisher.publish_raw(&topic, "k2", json.to_string().as_bytes()).await.unwrap();
    json["schema_version"] = 1.into();
    json["payload"].as_object_mut().unwrap().remove("site");
    publisher.publish_raw(&topic, "k3", json.to_string().as_bytes()).await.unwrap();
    let huge = format!("{{\"padding\": \"{}\"}}", "x".repeat(100 * 1024));
    publisher.publish_raw(&topic, "k4", huge.as_bytes()).await.unwrap();

    // Studies that are stored as ineligible, each with its reason.
    let outside = tempfile::tempdir().unwrap();
    let mut arrivals = Vec::new();
    // 1: one view's path outside the configured roots.
    let mut a = arrival_for(&written[1]);
    let moved = outside.path().join("RCC.dcm");
    std::fs::copy(&written[1].files[&View::Rcc], &moved).unwrap();
    a.instances[0].uri = moved.display().to_string();
    arrivals.push((a, "outside the configured DICOM roots"));
    // 2: a truncated file.
    let path = &written[2].files[&View::Lcc];
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, &bytes[..bytes.len().min(700)]).unwrap();
    arrivals.push((arrival_for(&written[2]), "truncated"));
    // 3: not a DICOM file.
    std::fs::write(&written[3].files[&View::Rmlo], b"%PDF-1.7 not an image").unwrap();
    arrivals.push((arrival_for(&written[3]), "not a DICOM"));
    // 4: a missing view.
    let mut a = arrival_for(&written[4]);
    let lmlo = written[4].files[&View::Lmlo].display().to_string();
    a.instances.retain(|i| i.uri != lmlo);
    arrivals.push((a, "missing standard view LMLO"));
    // 5: a header over the limit (a 2 MiB private element before the pixels).
    let path = &written[5].files[&View::Lcc];
    let mut object = dicom_object::open_file(path).unwrap();
    object.put(DataElement::new(Tag(0x0009, 0x0010), VR::LO, PrimitiveValue::from("MAMMOFLOW TEST")));
    object.put(DataElement::new(Tag(0x0009, 0x1001), VR::OB, PrimitiveValue::from(vec![0u8; 2 << 20])));
    object.write_to_file(path).unwrap();
    arrivals.push((arrival_for(&written[5]), "does not end within"));
    for (arrival, _) in &arrivals {
        publisher.publish(&Envelope::new("e2e", arrival.clone())).await.unwrap();
    }
    // 6: a good study after all of that.
    publisher.publish(&Envelope::new("e2e", arrival_for(&written[6]))).await.unwrap();

    let (token, tasks) = h.start_ingest();
    let good_uid = written[6].study_instance_uid.to_string();
    wait_until(Duration::from_secs(90), "every study stored", || async {
        let stored: i64 = studies::count_by_status(h.db.pool()).await.unwrap().iter().map(|(_, n)| n).sum();
        stored == 6
    })
    .await;
    wait_until(Duration::from_secs(30), "four dead letters", || async {
        dead_letters::count(h.db.pool()).await.unwrap().0 == 4
    })
    .await;

    let letters = dead_letters::list(h.db.pool(), &DeadLetterFilter { limit: 10, ..Default::default() }).await.unwrap();
    let mut kinds: Vec<&str> = letters.iter().map(|d| d.error_kind.as_str()).collect();
    kinds.sort();
    assert_eq!(kinds, ["invalid_payload", "malformed", "too_large", "unsupported_version"]);
    assert!(letters.iter().all(|d| d.consumer_group == CONSUMER_GROUP && !d.reason.is_empty()));
    let missing_site = letters.iter().find(|d| d.error_kind == "invalid_payload").unwrap();
    assert!(missing_site.reason.contains("site"), "{}", missing_site.reason);
    assert_eq!(letters.iter().find(|d| d.error_kind == "malformed").unwrap().payload, b"{\"event_id\": oops");

    for (arrival, expected_reason) in &arrivals {
        let row = studies::get(h.db.pool(), arrival.study_instance_uid.as_str()).await.unwrap().unwrap();
        let reason = row.status_reason.unwrap_or_default();
        assert!(reason.contains(expected_reason), "{}: {reason:?} should mention {expected_reason:?}", row.study_uid);
        assert_eq!(row.status.as_str(), "ineligible");
    }
    let good_row = studies::get(h.db.pool(), &good_uid).await.unwrap().unwrap();
    assert_eq!(good_row.status.as_str(), "ready");

    // Ineligible studies still flow on, flagged, so a human reads them; nothing is dropped.
    let ready = read_topic::<StudyReady>(&h.broker.bootstrap_servers(), 6, Duration::from_secs(30)).await;
    assert_eq!(ready.len(), 6);
    let ineligible = ready.iter().filter(|e| matches!(e.payload.eligibility, Eligibility::Ineligible { .. })).count();
    assert_eq!(ineligible, 5);

    let metrics = &h.platform.bus_metrics;
    assert_eq!(metrics.consumed_count(CONSUMER_GROUP, &topic, ConsumeOutcome::DeadLettered), 4);
    assert_eq!(h.ingest_metrics.studies.with_label_values(&["ineligible"]).get(), 5);

    // An operator corrects the event that lacked its site and replays it: the study is stored.
    let corrected = Envelope::new("e2e", arrival_for(&written[0])).to_json_bytes();
    let topic_back = replay_dead_letter(h.db.pool(), &publisher, missing_site.id, Some(corrected), "operator").await.unwrap();
    assert_eq!(topic_back.as_deref(), Some(topic.as_str()));
    let uid = written[0].study_instance_uid.to_string();
    wait_until(Duration::from_secs(60), "the replayed study stored", || async {
        studies::get(h.db.pool(), &uid).await.unwrap().is_some()
    })
    .await;
    let replayed = dead_letters::get(h.db.pool(), missing_site.id).await.unwrap().unwrap();
    assert!(replayed.replayed_at.is_some() && replayed.replay_count == 1);
    assert_eq!(replay_dead_letter(h.db.pool(), &publisher, 999_999, None, "operator").await.unwrap(), None);
    token.cancel();
    for task in tasks {
        task.await.unwrap();
    }
}
