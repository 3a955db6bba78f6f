//! The audit's view of a study: AI assessment, final read and outcomes in one row.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod common;

use chrono::{Duration, NaiveDate, Utc};
use mammoflow_domain::{BiRads, StructuredReport};
use mammoflow_store::ai_reports::{self, ModelRole, NewAiReport, NewModelVersion};
use mammoflow_store::audit_data::exam_records;
use mammoflow_store::outcomes::{self, NewOutcome};
use mammoflow_store::parsed_reports::{self, NewParse};
use mammoflow_store::studies::insert_ingested;
use serde_json::json;

#[tokio::test]
async fn a_study_row_carries_the_ai_assessment_and_its_outcome() {
    let db = common::db("audit_data").await;
    let pool = db.pool();
    let model = NewModelVersion {
        version: "m1".into(),
        family: "mammorg".into(),
        config: "tiny".into(),
        checkpoint_uri: None,
        checkpoint_sha256: "a".repeat(64),
        role: ModelRole::Champion,
        details: json!({}),
    };
    ai_reports::register_model(pool, &model, "test").await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    for uid in ["1.1", "1.2"] {
        insert_ingested(&mut tx, &common::study(uid), &[]).await.unwrap();
    }
    let report = NewAiReport {
        study_uid: "1.1".into(),
        model_version: "m1".into(),
        report_text: "Right breast: irregular mass. BI-RADS 4B.".into(),
        probabilities: json!({}),
        shadow: false,
        device: "cpu".into(),
        batch_size: 1,
        queue_ms: 0.0,
        inference_ms: 1.0,
        event_id: None,
    };
    ai_reports::insert(&mut tx, &report).await.unwrap();
    let mut structured = StructuredReport::default();
    structured.birads.right = Some(BiRads::ModerateSuspicion);
    let parse = NewParse { parser_version: "p1", structured: &structured, warnings: &json!([]), confidence: Some(0.9) };
    parsed_reports::insert_for_ai_report(&mut tx, "1.1", "m1", &parse).await.unwrap();
    tx.commit().await.unwrap();
    let malignant = NewOutcome {
        study_uid: "1.1".into(),
        side: Some("right".into()),
        kind: "biopsy".into(),
        result: "malignant".into(),
        pathology: Some("IDC".into()),
        outcome_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
    };
    outcomes::record_all(pool, &[malignant], "api", "test").await.unwrap();

    let now = Utc::now();
    let rows = exam_records(pool, now - Duration::hours(1), now + Duration::hours(1)).await.unwrap();
    assert_eq!(rows.len(), 2);
    let with_ai = rows.iter().find(|r| r.study_uid == "1.1").unwrap();
    assert_eq!(with_ai.model_version.as_deref(), Some("m1"));
    assert_eq!(with_ai.parser_version.as_deref(), Some("p1"));
    assert_eq!(with_ai.ai_structured.as_ref().unwrap().0.birads.exam_category(), Some(BiRads::ModerateSuspicion));
    assert!(with_ai.biopsy_performed);
    assert_eq!(with_ai.outcome.as_deref(), Some("malignant"));
    assert_eq!((with_ai.site.as_str(), with_ai.patient_age.as_deref()), ("site-a", Some("061Y")));
    let bare = rows.iter().find(|r| r.study_uid == "1.2").unwrap();
    assert!(bare.ai_structured.is_none() && bare.outcome.is_none() && !bare.biopsy_performed && bare.reader.is_none());
    // Outside the window: nothing.
    assert!(exam_records(pool, now + Duration::hours(1), now + Duration::hours(2)).await.unwrap().is_empty());
}
