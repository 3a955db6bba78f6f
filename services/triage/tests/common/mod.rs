//! Shared by the triage integration tests: a fresh migrated database with a study and a
//! registered model, and parsed-report events to hand to the handler.
#![allow(clippy::unwrap_used, dead_code)] // tests: a panic is the failure report

use mammoflow_bus::{Handler, MessageMeta};
use mammoflow_domain::{BiRads, DicomUid, PerBreast, StructuredReport};
use mammoflow_events::{Envelope, ModelRef, ReportParsed, TriageAssigned};
use mammoflow_store::ai_reports::{register_model, ModelRole, NewModelVersion};
use mammoflow_store::local::{fresh_database, test_server_url, TestDatabase};
use mammoflow_store::studies::{self, NewStudy, StudyStatus};
use mammoflow_store::{outbox, PgPool};
use mammoflow_triage::{store_policy, Policy, TriageHandler, TriageMetrics};
use serde_json::json;
use std::sync::Arc;

pub const MODEL: &str = "mammorg-tiny-test";
pub const PARSER: &str = "mammorgtool-test";

pub async fn db(prefix: &str) -> TestDatabase {
    let server = test_server_url().await.expect("a Postgres server for tests");
    let db = fresh_database(&server, prefix).await.expect("fresh test database");
    let model = NewModelVersion {
        version: MODEL.into(),
        family: "mammorg".into(),
        config: "tiny".into(),
        checkpoint_uri: None,
        checkpoint_sha256: "0".repeat(64),
        role: ModelRole::Champion,
        details: json!({}),
    };
    register_model(db.pool(), &model, "test").await.unwrap();
    db
}

/// A handler with `policy`, stored and active as the service would do on start.
pub async fn handler(pool: &PgPool, policy_text: &str) -> TriageHandler {
    let policy = Policy::parse(policy_text).unwrap();
    store_policy(pool, &policy).await.unwrap();
    let metrics = TriageMetrics::register(&prometheus::Registry::new()).unwrap();
    TriageHandler::new(Arc::new(policy), metrics)
}

pub async fn add_study(pool: &PgPool, uid: &str, status: StudyStatus) {
    let study = NewStudy {
        status_reason: (status == StudyStatus::Ineligible).then(|| "missing LMLO".into()),
        ..mammoflow_store::testing::study(uid, status)
    };
    let mut tx = pool.begin().await.unwrap();
    studies::insert_ingested(&mut tx, &study, &[]).await.unwrap();
    tx.commit().await.unwrap();
}

/// A parsed report of `uid` with both breasts `category` (None: no structured report).
pub fn parsed(uid: &str, category: Option<BiRads>) -> ReportParsed {
    ReportParsed {
        study_instance_uid: DicomUid::new(uid).unwrap(),
        site: "site-a".into(),
        model: ModelRef { name: "mammorg".into(), version: MODEL.into() },
        parser_version: PARSER.into(),
        structured: category.map(|c| StructuredReport {
            birads: PerBreast { overall: None, left: Some(c), right: Some(c) },
            ..StructuredReport::default()
        }),
        malignancy_probability: Some(0.1),
        confidence: Some(0.9),
        warnings: vec![],
        human_read_reasons: vec![],
    }
}

/// Runs the handler on `payload` in its own transaction, as the consumer loop would.
pub async fn deliver(pool: &PgPool, handler: &TriageHandler, payload: ReportParsed) -> Envelope<ReportParsed> {
    let envelope = Envelope::new("parser", payload);
    let meta = MessageMeta {
        topic: "mammo.report.parsed.v1".into(),
        partition: 0,
        offset: 0,
        key: Some(envelope.key().to_string()),
        timestamp_ms: None,
    };
    let mut tx = pool.begin().await.unwrap();
    handler.handle(&mut tx, &envelope, &meta).await.unwrap();
    tx.commit().await.unwrap();
    envelope
}

/// The triage.assigned events waiting in the outbox, oldest first.
pub async fn assigned_events(pool: &PgPool) -> Vec<Envelope<TriageAssigned>> {
    let batch = outbox::claim_batch(pool, 1000).await.unwrap().unwrap();
    let events = batch
        .messages
        .iter()
        .filter(|m| m.topic == "mammo.triage.assigned.v1")
        .map(|m| serde_json::from_slice(&m.payload).unwrap())
        .collect();
    batch.rollback().await.unwrap();
    events
}
