//! The parser handler against a real Postgres: each test builds a transaction, calls the
//! handler with a constructed event, and checks the stored row, the study and the outbox.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use mammoflow_bus::{Handler, HandlerError, MessageMeta};
use mammoflow_domain::{BiRads, DicomUid};
use mammoflow_events::{Envelope, Event, GenerationOutcome, ModelRef, NotGeneratedKind, ReportGenerated, ReportParsed};
use mammoflow_parser::{ParseConfig, ParserHandler, ParserMetrics, CONSUMER_GROUP};
use mammoflow_store::ai_reports::{self, ModelRole, NewAiReport, NewModelVersion};
use mammoflow_store::local::{fresh_database, test_server_url, TestDatabase};
use mammoflow_store::parsed_reports::{self, ParseSource};
use mammoflow_store::studies::{self, NewStudy, StudyStatus};
use mammoflow_store::{outbox, PgPool};
use mammorgtool::PARSER_VERSION;
use serde_json::json;
use uuid::Uuid;

const MODEL: &str = "mammorg-tiny-test";
/// A typical US report (from the parser's corpus): BI-RADS 4B, density c, a biopsy.
const REPORT_4B: &str = "FINDINGS: Breast tissue is heterogeneously dense. Grouped amorphous calcifications are \
    present in the left breast upper inner quadrant spanning 8 mm. No mass or distortion.\nIMPRESSION: Suspicious \
    calcifications left breast. BI-RADS 4B: moderate suspicion for malignancy.\nRECOMMENDATION: Stereotactic biopsy.";
/// The over-limit test's handler reads at most this many bytes.
const TEST_LIMIT: usize = 1024;

struct Fixture {
    db: TestDatabase,
    handler: ParserHandler,
    metrics: ParserMetrics,
}

impl Fixture {
    async fn new(prefix: &str) -> Fixture {
        let server = test_server_url().await.expect("a Postgres server for tests");
        let db = fresh_database(&server, prefix).await.expect("fresh test database");
        let model = NewModelVersion {
            version: MODEL.into(),
            family: "mammorg".into(),
            config: "tiny".into(),
            checkpoint_uri: None,
            checkpoint_sha256: "ab".repeat(32),
            role: ModelRole::Champion,
            details: json!({}),
        };
        ai_reports::register_model(db.pool(), &model, "test").await.unwrap();
        let metrics = ParserMetrics::register(&prometheus::Registry::new()).unwrap();
        let config = ParseConfig { max_report_bytes: TEST_LIMIT, ..ParseConfig::default() };
        let handler = ParserHandler::new(&config, metrics.clone()).unwrap();
        Fixture { db, handler, metrics }
    }

    fn pool(&self) -> &PgPool {
        self.db.pool()
    }

    /// Stores a study as the earlier stages leave it; with `report`, also the AI report that
    /// inference stores in the transaction queuing report.generated.
    async fn seed(&self, uid: &str, status: StudyStatus, report: Option<&str>) {
        let study = NewStudy {
            status_reason: (status == StudyStatus::Ineligible).then(|| "missing LMLO view".into()),
            ..mammoflow_store::testing::study(uid, status)
        };
        let mut tx = self.pool().begin().await.unwrap();
        studies::insert_ingested(&mut tx, &study, &[]).await.unwrap();
        if let Some(text) = report {
            let row = NewAiReport {
                study_uid: uid.into(),
                model_version: MODEL.into(),
                report_text: text.into(),
                probabilities: json!({}),
                malignancy_probability: None,
                shadow: false,
                device: "cpu".into(),
                batch_size: 1,
                queue_ms: 1.0,
                inference_ms: 20.0,
                event_id: Some(Uuid::now_v7()),
            };
            ai_reports::insert(&mut tx, &row).await.unwrap().unwrap();
        }
        tx.commit().await.unwrap();
    }

    /// Runs the handler in a transaction committed on success, rolled back on error (as the
    /// consumer loop does).
    async fn handle(&self, envelope: &Envelope<ReportGenerated>) -> Result<(), HandlerError> {
        let meta = MessageMeta {
            topic: ReportGenerated::topic(),
            partition: 0,
            offset: 0,
            key: Some(envelope.key().to_string()),
            timestamp_ms: None,
        };
        let mut tx = self.pool().begin().await.unwrap();
        let result = self.handler.handle(&mut tx, envelope, &meta).await;
        if result.is_ok() {
            tx.commit().await.unwrap();
        } else {
            tx.rollback().await.unwrap();
        }
        result
    }

    /// Every queued report.parsed event for `uid`, oldest first.
    async fn emitted(&self, uid: &str) -> Vec<Envelope<ReportParsed>> {
        let batch = outbox::claim_batch(self.pool(), 1000).await.unwrap().unwrap();
        let events = batch
            .messages
            .iter()
            .filter(|m| m.key == uid)
            .map(|m| {
                assert_eq!(m.topic, ReportParsed::topic());
                let event: Envelope<ReportParsed> = serde_json::from_slice(&m.payload).unwrap();
                assert_eq!(event.event_id, m.event_id);
                event
            })
            .collect();
        batch.rollback().await.unwrap();
        events
    }

    async fn status(&self, uid: &str) -> (StudyStatus, Option<String>) {
        let study = studies::get(self.pool(), uid).await.unwrap().unwrap();
        (study.status, study.status_reason)
    }

    fn count(&self, outcome: &str) -> u64 {
        self.metrics.reports.with_label_values(&[outcome]).get()
    }

    fn reason_count(&self, reason: &str) -> u64 {
        self.metrics.human_read_reasons.with_label_values(&[reason]).get()
    }
}

fn generated(uid: &str, outcome: GenerationOutcome) -> Envelope<ReportGenerated> {
    let payload = ReportGenerated {
        study_instance_uid: DicomUid::new(uid).unwrap(),
        site: "site-a".into(),
        model: ModelRef { name: "mammorg".into(), version: MODEL.into() },
        outcome,
    };
    Envelope::new("inference", payload)
}

fn text_outcome(text: &str) -> GenerationOutcome {
    GenerationOutcome::Generated {
        text: text.into(),
        malignancy_probability: Some(0.42),
        generated_tokens: 60,
        latency_ms: 80,
        stage1: None,
        timings: None,
    }
}

#[tokio::test]
async fn a_bi_rads_4b_report_is_stored_and_emitted() {
    let f = Fixture::new("parser_4b").await;
    let uid = "1.2.826.0.1.4002";
    f.seed(uid, StudyStatus::Inferred, Some(REPORT_4B)).await;
    let cause = generated(uid, text_outcome(REPORT_4B));
    f.handle(&cause).await.unwrap();

    let rows = parsed_reports::for_study(f.pool(), uid).await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    let champion = ai_reports::get(f.pool(), uid, MODEL).await.unwrap().unwrap();
    assert_eq!((row.source, row.ai_report_id, row.read_id), (ParseSource::Ai, Some(champion.id), None));
    assert_eq!(row.parser_version, PARSER_VERSION);
    assert_eq!(row.structured.birads.overall, Some(BiRads::ModerateSuspicion));
    assert!(row.confidence.is_some_and(|c| c > 0.0 && c <= 1.0), "{:?}", row.confidence);
    assert_eq!(f.status(uid).await, (StudyStatus::Parsed, None));

    let events = f.emitted(uid).await;
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.correlation_id, cause.correlation_id);
    assert_eq!(event.producer, "parser");
    assert_eq!(event.event_type, ReportParsed::TYPE);
    let parsed = &event.payload;
    assert_eq!(parsed.study_instance_uid.as_str(), uid);
    assert_eq!(parsed.model.version, MODEL);
    assert_eq!(parsed.parser_version, PARSER_VERSION);
    assert_eq!(parsed.structured.as_ref().and_then(|s| s.birads.overall).map(BiRads::code), Some("4B"));
    assert_eq!(parsed.structured.as_ref(), Some(&row.structured));
    assert_eq!(parsed.malignancy_probability, Some(0.42));
    assert_eq!(parsed.confidence, row.confidence);
    assert!(parsed.human_read_reasons.is_empty(), "{:?}", parsed.human_read_reasons);
    assert_eq!((f.count("parsed"), f.count("human_read")), (1, 0));
    assert_eq!(f.metrics.parse_seconds.get_sample_count(), 1);
    f.db.drop_database().await.unwrap();
}

#[tokio::test]
async fn unusable_reports_are_stored_and_sent_to_a_human_read() {
    let f = Fixture::new("parser_unusable").await;
    let over_limit = format!("IMPRESSION: BI-RADS 2. {}", "Benign-appearing calcifications. ".repeat(40));
    assert!(over_limit.len() > TEST_LIMIT);
    let cases = [
        ("1.2.826.0.1.5001", "", "empty_report"),
        ("1.2.826.0.1.5002", "#### 1234 5678 ;;;; ???? 0000 //// #### 9999 ++++", "unreadable"),
        ("1.2.826.0.1.5003", "Lorem ipsum dolor sit amet, consectetur adipiscing elit.", "no_assessment"),
        ("1.2.826.0.1.5004", over_limit.as_str(), "too_long"),
    ];
    for (uid, text, kind) in cases {
        f.seed(uid, StudyStatus::Inferred, Some(text)).await;
        let counted = f.reason_count(kind);
        f.handle(&generated(uid, text_outcome(text))).await.unwrap();

        // Stored, with the warning that explains it.
        let rows = parsed_reports::for_study(f.pool(), uid).await.unwrap();
        assert_eq!(rows.len(), 1, "{kind}");
        let codes: Vec<&str> = rows[0].warnings.as_array().unwrap().iter().filter_map(|w| w["code"].as_str()).collect();
        assert!(codes.contains(&kind), "{kind}: {codes:?}");
        assert_eq!(rows[0].structured.birads.overall, None, "{kind}");

        // The study moves on, with the reason on record.
        let (status, reason) = f.status(uid).await;
        assert_eq!(status, StudyStatus::Parsed, "{kind}");
        assert!(reason.as_deref().is_some_and(|r| r.contains(kind)), "{kind}: {reason:?}");

        // The event says why a person must read it.
        let events = f.emitted(uid).await;
        assert_eq!(events.len(), 1, "{kind}");
        let parsed = &events[0].payload;
        assert!(parsed.structured.is_some(), "{kind}");
        assert!(parsed.human_read_reasons.iter().any(|r| r.starts_with(&format!("{kind}: "))), "{kind}: {parsed:?}");
        assert!(parsed.warnings.iter().any(|w| w.starts_with(kind)), "{kind}: {:?}", parsed.warnings);
        assert_eq!(f.reason_count(kind), counted + 1, "{kind}");
    }
    assert_eq!((f.count("parsed"), f.count("human_read")), (0, 4));
    f.db.drop_database().await.unwrap();
}

#[tokio::test]
async fn not_generated_passes_the_upstream_reason_on() {
    let f = Fixture::new("parser_notgen").await;
    let uid = "1.2.826.0.1.6001";
    f.seed(uid, StudyStatus::Ineligible, None).await;
    let outcome = GenerationOutcome::NotGenerated {
        kind: NotGeneratedKind::IneligibleStudy,
        reason: "missing LMLO view".into(),
    };
    f.handle(&generated(uid, outcome)).await.unwrap();

    assert!(parsed_reports::for_study(f.pool(), uid).await.unwrap().is_empty());
    // The inference stage set the status; the parser leaves it.
    assert_eq!(f.status(uid).await, (StudyStatus::Ineligible, Some("missing LMLO view".into())));
    let events = f.emitted(uid).await;
    assert_eq!(events.len(), 1);
    let parsed = &events[0].payload;
    assert_eq!(parsed.structured, None);
    assert_eq!(parsed.confidence, None);
    assert_eq!(parsed.human_read_reasons, vec!["ineligible_study: missing LMLO view".to_string()]);
    assert_eq!((f.count("not_generated"), f.reason_count("ineligible_study")), (1, 1));
    f.db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_second_event_for_a_parsed_report_changes_nothing() {
    let f = Fixture::new("parser_redelivery").await;
    let uid = "1.2.826.0.1.7001";
    f.seed(uid, StudyStatus::Inferred, Some(REPORT_4B)).await;
    f.handle(&generated(uid, text_outcome(REPORT_4B))).await.unwrap();
    // Same report, another event id (the inbox cannot recognise it): still a no-op.
    f.handle(&generated(uid, text_outcome(REPORT_4B))).await.unwrap();

    assert_eq!(parsed_reports::for_study(f.pool(), uid).await.unwrap().len(), 1);
    assert_eq!(f.emitted(uid).await.len(), 1);
    assert_eq!((f.count("parsed"), f.count("already_parsed")), (1, 1));
    f.db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_report_event_without_a_stored_report_is_permanent() {
    let f = Fixture::new("parser_noreport").await;
    let uid = "1.2.826.0.1.8001";
    f.seed(uid, StudyStatus::Inferred, None).await;
    let err = f.handle(&generated(uid, text_outcome(REPORT_4B))).await.unwrap_err();
    assert!(matches!(&err, HandlerError::Permanent { kind: "no_ai_report", .. }), "{err}");
    assert!(err.to_string().contains(MODEL), "{err}");

    // Rolled back: nothing stored, nothing emitted, status unchanged.
    assert!(parsed_reports::for_study(f.pool(), uid).await.unwrap().is_empty());
    assert!(f.emitted(uid).await.is_empty());
    assert_eq!(f.status(uid).await.0, StudyStatus::Inferred);
    assert_eq!(f.handler.consumer_group(), CONSUMER_GROUP);
    f.db.drop_database().await.unwrap();
}
