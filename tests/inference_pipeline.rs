//! Simulated DICOM → ingest → inference (the shipped demo checkpoint, real pixels, real
//! weights) → ai_reports and report.generated on the real broker and Postgres. Ineligible
//! studies pass through without a report; a re-announced study is not generated twice; a
//! challenger served beside the champion reports in shadow only; a replay does the same for
//! stored studies.
#![allow(clippy::unwrap_used)]

use mammoflow_bus::{Publisher, PublisherOptions};
use mammoflow_domain::View;
use mammoflow_e2e::{read_topic, wait_until, Harness};
use mammoflow_events::{Envelope, GenerationOutcome, NotGeneratedKind, ReportGenerated, StudyReady};
use mammoflow_inference::{
    checkpoint_sha256, demo_checkpoint_dir, load_model, replay_studies, spawn_inference, InferenceArgs, InferenceMetrics,
};
use mammorg::GenerationConfig;
use mammoflow_ingest::arrival_for;
use mammoflow_store::ai_reports::{self, ModelRole};
use mammoflow_store::studies::{self, StudyStatus};
use mammoflow_store::audit_data::exam_records;
use mammoflow_store::outbox;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn studies_get_reports_from_the_demo_checkpoint() {
    let h = Harness::start("e2e_inference").await;
    let eligible = h.simulate(0, 5);
    let mut incomplete = h.simulate(5, 1).remove(0);
    incomplete.files.remove(&View::Lmlo);

    let shutdown = CancellationToken::new();
    let (ingest_token, mut tasks) = h.start_ingest();
    tasks.extend(h.start_inference(&shutdown).await);
    // A challenger (the same weights under another version) served live beside the champion.
    let challenger_args = InferenceArgs { champion: false, model_version: Some("demo-shadow".into()), ..h.inference_args.clone() };
    let challenger_metrics = InferenceMetrics::register(&prometheus::Registry::new()).unwrap();
    tasks.extend(spawn_inference(&h.platform, &challenger_args, &challenger_metrics, &shutdown).await.unwrap());
    let publisher = Publisher::new(&h.platform.kafka, &PublisherOptions::default()).unwrap();
    for study in eligible.iter().chain([&incomplete]) {
        publisher.publish(&Envelope::new("e2e", arrival_for(study))).await.unwrap();
    }

    let bootstrap = h.broker.bootstrap_servers();
    // Generous: two models share two CPU cores here, and a loaded CI machine is slower still.
    let events = read_topic::<ReportGenerated>(&bootstrap, 6, Duration::from_secs(900)).await;
    assert_eq!(events.len(), 6, "one report.generated per study");

    // The model is registered as champion under its content hash, the challenger beside it.
    let sha = checkpoint_sha256(&demo_checkpoint_dir()).unwrap();
    let models: Vec<_> = ai_reports::list_models(h.db.pool()).await.unwrap().into_iter().filter(|m| m.role == ModelRole::Champion).collect();
    assert_eq!(models.len(), 1);
    assert_eq!(models[0].checkpoint_sha256.as_deref(), Some(sha.as_str()));
    assert!(events.iter().all(|e| e.payload.model.version == models[0].version), "the challenger announces nothing");

    // The challenger's reports are stored in shadow, without events; it changed no study.
    wait_until(Duration::from_secs(600), "the challenger's shadow reports", || async {
        let mut n = 0;
        for study in &eligible {
            n += usize::from(ai_reports::get(h.db.pool(), study.study_instance_uid.as_str(), "demo-shadow").await.unwrap().is_some());
        }
        n == eligible.len()
    })
    .await;
    for study in &eligible {
        let shadow = ai_reports::get(h.db.pool(), study.study_instance_uid.as_str(), "demo-shadow").await.unwrap().unwrap();
        assert!(shadow.shadow && shadow.event_id.is_none());
    }
    assert_eq!(challenger_metrics.studies.with_label_values(&["generated"]).get(), 5);
    // Parsed at once (no event reaches the parser stage), so the audit can judge the challenger.
    let first_day = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let audited = exam_records(h.db.pool(), first_day, first_day + chrono::Days::new(7), Some("demo-shadow")).await.unwrap();
    assert_eq!(audited.iter().filter(|r| r.model_version.as_deref() == Some("demo-shadow") && r.ai_structured.is_some()).count(), 5);

    for study in &eligible {
        let uid = study.study_instance_uid.as_str();
        let event = events.iter().find(|e| e.payload.study_instance_uid.as_str() == uid).unwrap();
        assert_eq!(event.payload.model.version, models[0].version);
        let GenerationOutcome::Generated { text, stage1, timings, malignancy_probability, generated_tokens, .. } =
            &event.payload.outcome
        else {
            panic!("{uid}: expected a report, got {:?}", event.payload.outcome);
        };
        assert!(!text.trim().is_empty() && *generated_tokens > 0, "{uid}: empty report");
        let stage1 = stage1.as_ref().unwrap();
        for side in [&stage1.right, &stage1.left] {
            let total: f32 = side.birads.values().sum();
            assert!((total - 1.0).abs() < 0.01, "{uid}: BI-RADS probabilities sum to {total}");
            assert_eq!(side.density.len(), 4);
        }
        assert!(malignancy_probability.is_some_and(|p| (0.0..=1.0).contains(&p)));
        assert!(timings.as_ref().is_some_and(|t| (1..=3).contains(&t.batch_size)));

        // Stored next to the study with the event that announced it.
        let stored = ai_reports::get(h.db.pool(), uid, &models[0].version).await.unwrap().unwrap();
        assert_eq!(&stored.report_text, text);
        assert_eq!(stored.event_id, Some(event.event_id));
        assert_eq!(stored.malignancy_probability, *malignancy_probability, "the audit's drift input is the event's value");
        assert!(!stored.shadow);
        let row = studies::get(h.db.pool(), uid).await.unwrap().unwrap();
        assert_eq!(row.status, StudyStatus::Inferred);
    }

    // The incomplete study flows on without a report, for a human read.
    let uid = incomplete.study_instance_uid.as_str();
    let event = events.iter().find(|e| e.payload.study_instance_uid.as_str() == uid).unwrap();
    match &event.payload.outcome {
        GenerationOutcome::NotGenerated { kind, reason } => {
            assert_eq!(*kind, NotGeneratedKind::IneligibleStudy);
            assert!(reason.contains("LMLO"), "{reason}");
        }
        other => panic!("expected no report for the incomplete study, got {other:?}"),
    }
    assert!(ai_reports::for_study(h.db.pool(), uid).await.unwrap().is_empty());

    // The same study announced again (a new event id) is not generated a second time.
    let ready = read_topic::<StudyReady>(&bootstrap, 6, Duration::from_secs(30)).await;
    let again = ready.iter().find(|e| e.payload.study_instance_uid == eligible[0].study_instance_uid).unwrap();
    publisher.publish(&Envelope::new("e2e", again.payload.clone())).await.unwrap();
    let already = || h.inference_metrics.studies.with_label_values(&["already_generated"]).get();
    wait_until(Duration::from_secs(60), "the re-announced study to be handled", || async { already() == 1 }).await;
    wait_until(Duration::from_secs(30), "outbox drained", || async {
        outbox::backlog(h.db.pool()).await.unwrap().0 == 0
    })
    .await;
    let reports = ai_reports::for_study(h.db.pool(), eligible[0].study_instance_uid.as_str()).await.unwrap();
    assert_eq!(reports.iter().filter(|r| !r.shadow).count(), 1, "one champion report");
    assert_eq!(h.inference_metrics.studies.with_label_values(&["generated"]).get(), 5);

    // A challenger replayed over the same studies: shadow reports only, no events, champion intact.
    let challenger = load_model(&demo_checkpoint_dir(), Some("demo-challenger"), "cpu").unwrap();
    let uids: Vec<String> = eligible.iter().chain([&incomplete]).map(|s| s.study_instance_uid.to_string()).collect();
    let cfg = GenerationConfig { max_new_tokens: 32, use_kv_cache: true };
    let summary = replay_studies(h.db.pool(), &challenger, &uids, &[h.root()], 3, &cfg).await.unwrap();
    assert_eq!((summary.generated, summary.ineligible, summary.failed.len()), (5, 1, 0), "{summary:?}");
    for study in &eligible {
        let reports = ai_reports::for_study(h.db.pool(), study.study_instance_uid.as_str()).await.unwrap();
        assert_eq!(reports.len(), 3, "champion, live challenger, replayed challenger");
        let shadow = reports.iter().find(|r| r.model_version == "demo-challenger").unwrap();
        assert!(shadow.shadow && shadow.event_id.is_none());
    }
    let roles = ai_reports::list_models(h.db.pool()).await.unwrap();
    assert!(roles.iter().any(|m| m.version == "demo-challenger" && m.role == ModelRole::Challenger));
    assert!(roles.iter().any(|m| m.version == models[0].version && m.role == ModelRole::Champion));
    let again = replay_studies(h.db.pool(), &challenger, &uids, &[h.root()], 3, &cfg).await.unwrap();
    assert_eq!((again.generated, again.skipped), (0, 5));
    // The champion may not be replayed as a challenger.
    let champion = load_model(&demo_checkpoint_dir(), None, "cpu").unwrap();
    assert!(replay_studies(h.db.pool(), &champion, &uids, &[h.root()], 3, &cfg).await.is_err());

    ingest_token.cancel();
    shutdown.cancel();
    for task in tasks {
        task.await.unwrap();
    }
}
