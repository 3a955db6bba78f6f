//! The whole pipeline on the real broker and Postgres: simulated DICOM → ingest → inference (demo
//! checkpoint) → parser (MammoRGTool) → triage (built-in US single-reading policy) → worklists.
//! Every study, including one that cannot be read by the model, ends on exactly one reading
//! worklist with the model, parser and policy versions that put it there.
#![allow(clippy::unwrap_used)]

use mammoflow_reports::{check_drift, DriftMetrics, DriftWatch};
use mammoflow_bus::{Publisher, PublisherOptions};
use mammoflow_domain::View;
use mammoflow_e2e::{read_topic, Harness};
use mammoflow_events::{Envelope, Event, ReportParsed, StudyArrived, TriageAssigned};
use mammoflow_runtime::Router;
use mammoflow_ingest::arrival_for;
use mammoflow_store::studies::{self, StudyStatus};
use mammoflow_store::{ai_reports, parsed_reports, worklists};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_study_reaches_a_reading_worklist_with_its_provenance() {
    let h = Harness::start("e2e_pipeline").await;
    let eligible = h.simulate(0, 4);
    let mut incomplete = h.simulate(4, 1).remove(0);
    incomplete.files.remove(&View::Rcc);
    let all: Vec<_> = eligible.iter().chain([&incomplete]).collect();

    let shutdown = CancellationToken::new();
    let (ingest_token, mut tasks) = h.start_ingest();
    tasks.extend(h.start_inference(&shutdown).await);
    tasks.extend(h.start_parser_and_triage(&shutdown).await);
    let publisher = Publisher::new(&h.platform.kafka, &PublisherOptions::default()).unwrap();
    for study in &all {
        publisher.publish(&Envelope::new("e2e", arrival_for(study))).await.unwrap();
    }
    // One undecodable event, so the dead-letter series exist for the metrics check below.
    publisher.publish_raw(&StudyArrived::topic(), "bad", b"{not json").await.unwrap();

    let pool = h.db.pool();
    h.wait_on_worklists(&all, Duration::from_secs(300)).await;

    let model_version = ai_reports::list_models(pool).await.unwrap().remove(0).version;
    let parsed = read_topic::<ReportParsed>(&h.broker.bootstrap_servers(), all.len(), Duration::from_secs(30)).await;
    let assigned = read_topic::<TriageAssigned>(&h.broker.bootstrap_servers(), all.len(), Duration::from_secs(30)).await;
    assert_eq!(parsed.len(), all.len());
    assert_eq!(assigned.len(), all.len(), "single reading: one assignment per study");

    for study in &eligible {
        let uid = study.study_instance_uid.as_str();
        let rows = parsed_reports::for_study(pool, uid).await.unwrap();
        assert_eq!(rows.len(), 1, "{uid}: one parsed AI report");
        assert_eq!(rows[0].parser_version, mammorgtool::PARSER_VERSION);
        let items = worklists::for_study(pool, uid).await.unwrap();
        assert_eq!(items.len(), 1, "{uid}: {items:?}");
        let item = &items[0];
        assert_eq!(item.model_version.as_deref(), Some(model_version.as_str()));
        assert_eq!(item.parser_version.as_deref(), Some(mammorgtool::PARSER_VERSION));
        assert!(item.policy_version.is_some() && item.rule_fired.is_some(), "{item:?}");
        let event = assigned.iter().find(|e| e.payload.study_instance_uid.as_str() == uid).unwrap();
        assert_eq!(event.payload.queue, item.queue);
        assert_eq!(studies::get(pool, uid).await.unwrap().unwrap().status, StudyStatus::Triaged);
    }

    // The study the model could not read is on the full human read queue, with the reason.
    let uid = incomplete.study_instance_uid.as_str();
    let event = parsed.iter().find(|e| e.payload.study_instance_uid.as_str() == uid).unwrap();
    assert!(event.payload.structured.is_none());
    assert!(!event.payload.human_read_reasons.is_empty());
    let items = worklists::for_study(pool, uid).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].queue, "human-full-read");

    // The drift watch's gauges (the portal runs the watch), so the rules naming them are checked.
    let drift = DriftMetrics::register(&h.platform.registry).unwrap();
    check_drift(pool, &drift, chrono::Utc::now().date_naive(), DriftWatch { window_days: 90, min_volume: 20 }).await.unwrap();
    check_exported_metrics(&h, &shutdown).await;

    ingest_token.cancel();
    shutdown.cancel();
    for task in tasks {
        task.await.unwrap();
    }
}

/// Every metric the dashboards and alert rules name is in a real scrape of this process's
/// `/metrics`, and the rules and dashboard queries pass promtool
/// (`deploy/local/check-observability.sh`).
async fn check_exported_metrics(h: &Harness, shutdown: &CancellationToken) {
    let (addr, _http) = h.platform.serve_http("127.0.0.1:0".parse().unwrap(), Router::new(), shutdown.clone()).await.unwrap();
    // The lag gauges appear with the first lag report (every few seconds).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let scrape = loop {
        let body = fetch_metrics(addr).await;
        if body.contains("mammoflow_bus_consumer_lag_messages{") {
            break body;
        }
        assert!(std::time::Instant::now() < deadline, "no consumer lag reported in 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("metrics.txt");
    std::fs::write(&file, &scrape).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::process::Command::new("bash")
        .arg(root.join("deploy/local/check-observability.sh"))
        .arg("--metrics")
        .arg(&file)
        .output()
        .unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "observability check failed:\n{report}");
}

async fn fetch_metrics(addr: std::net::SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n").await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default()
}

