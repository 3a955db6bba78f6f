//! The audit's view of a study: AI assessment, final read and outcomes in one row.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod common;

use chrono::{Days, NaiveDate, Utc};
use mammoflow_domain::{BiRads, StructuredReport};
use mammoflow_store::ai_reports::{self, ModelRole, NewAiReport, NewModelVersion};
use mammoflow_store::audit_data::exam_records;
use mammoflow_store::outcomes::{self, NewOutcome};
use mammoflow_store::parsed_reports::{self, NewParse};
use mammoflow_store::studies::{insert_ingested, NewStudy};
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
    let challenger = NewModelVersion { version: "m2".into(), role: ModelRole::Challenger, ..model.clone() };
    ai_reports::register_model(pool, &challenger, "test").await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    // 1.2 carries its exam day (StudyDate); 1.1 has none and counts on the day it was stored.
    let exam_day = NaiveDate::from_ymd_opt(2025, 3, 14).unwrap();
    insert_ingested(&mut tx, &common::study("1.1"), &[]).await.unwrap();
    insert_ingested(&mut tx, &NewStudy { study_date: Some(exam_day), ..common::study("1.2") }, &[]).await.unwrap();
    let report = NewAiReport {
        study_uid: "1.1".into(),
        model_version: "m1".into(),
        report_text: "Right breast: irregular mass. BI-RADS 4B.".into(),
        probabilities: json!({}),
        malignancy_probability: Some(0.5),
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
    // A challenger's shadow report on the same study, with another category.
    ai_reports::insert(&mut tx, &NewAiReport { model_version: "m2".into(), shadow: true, malignancy_probability: Some(0.1), ..report }).await.unwrap();
    let mut benign = StructuredReport::default();
    benign.birads.right = Some(BiRads::Benign);
    let shadow_parse = NewParse { parser_version: "p1", structured: &benign, warnings: &json!([]), confidence: Some(0.9) };
    parsed_reports::insert_for_shadow_report(&mut tx, "1.1", "m2", &shadow_parse).await.unwrap();
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

    let today = Utc::now().date_naive();
    let rows = exam_records(pool, today - Days::new(1), today + Days::new(1), None).await.unwrap();
    assert_eq!(rows.len(), 1, "1.2 is an exam of 2025");
    let with_ai = rows.iter().find(|r| r.study_uid == "1.1").unwrap();
    assert_eq!(with_ai.model_version.as_deref(), Some("m1"));
    assert_eq!(with_ai.parser_version.as_deref(), Some("p1"));
    assert_eq!(with_ai.ai_malignancy_probability, Some(0.5));
    assert_eq!(with_ai.exam_and_strata().1.ai_suspicion, Some(0.5));
    assert_eq!(with_ai.ai_structured.as_ref().unwrap().0.birads.exam_category(), Some(BiRads::ModerateSuspicion));
    assert!(with_ai.biopsy_performed);
    assert_eq!(with_ai.outcome.as_deref(), Some("malignant"));
    assert_eq!((with_ai.site.as_str(), with_ai.patient_age.as_deref()), ("site-a", Some("061Y")));
    assert_eq!(with_ai.exam_date, today);
    let bare = exam_records(pool, exam_day, exam_day + Days::new(1), None).await.unwrap();
    assert_eq!(bare.len(), 1);
    assert_eq!((bare[0].study_uid.as_str(), bare[0].exam_date), ("1.2", exam_day));
    let bare = &bare[0];
    assert!(bare.ai_structured.is_none() && bare.outcome.is_none() && !bare.biopsy_performed && bare.reader.is_none());
    // The challenger's audit sees its shadow report instead of the champion's.
    let shadow = exam_records(pool, today, today + Days::new(1), Some("m2")).await.unwrap();
    assert_eq!((shadow[0].model_version.as_deref(), shadow[0].ai_malignancy_probability), (Some("m2"), Some(0.1)));
    assert_eq!(shadow[0].ai_structured.as_ref().unwrap().0.birads.exam_category(), Some(BiRads::Benign));
    // Outside the window: nothing.
    assert!(exam_records(pool, today + Days::new(1), today + Days::new(2), None).await.unwrap().is_empty());
}
