//! Model registry and AI reports against a real Postgres.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod common;

use mammoflow_store::ai_reports::{self, ModelRole, NewAiReport, NewModelVersion, Registration};
use mammoflow_store::audit;
use mammoflow_store::studies::insert_ingested;
use serde_json::json;
use uuid::Uuid;

fn model(version: &str, sha: char, role: ModelRole) -> NewModelVersion {
    NewModelVersion {
        version: version.into(),
        family: "mammorg".into(),
        config: "tiny".into(),
        checkpoint_uri: Some("/models/x".into()),
        checkpoint_sha256: sha.to_string().repeat(64),
        role,
        details: json!({"image_size": 128}),
    }
}

#[tokio::test]
async fn registration_is_idempotent_refuses_other_weights_and_keeps_one_champion() {
    let db = common::db("models").await;
    let pool = db.pool();
    let v1 = model("v1", 'a', ModelRole::Champion);
    assert_eq!(ai_reports::register_model(pool, &v1, "test").await.unwrap(), Registration::Registered(ModelRole::Champion));
    assert_eq!(ai_reports::register_model(pool, &v1, "test").await.unwrap(), Registration::Registered(ModelRole::Champion));
    // Same version, other weights: refused, nothing changed.
    let forged = model("v1", 'b', ModelRole::Champion);
    assert_eq!(
        ai_reports::register_model(pool, &forged, "test").await.unwrap(),
        Registration::HashMismatch { stored: "a".repeat(64) }
    );
    // A challenger does not disturb the champion; a new champion demotes the old one.
    let v2 = model("v2", 'c', ModelRole::Challenger);
    assert_eq!(ai_reports::register_model(pool, &v2, "test").await.unwrap(), Registration::Registered(ModelRole::Challenger));
    assert_eq!(ai_reports::get_model(pool, "v1").await.unwrap().unwrap().role, ModelRole::Champion);
    let v2 = model("v2", 'c', ModelRole::Champion);
    assert_eq!(ai_reports::register_model(pool, &v2, "ops").await.unwrap(), Registration::Registered(ModelRole::Champion));
    assert_eq!(ai_reports::get_model(pool, "v1").await.unwrap().unwrap().role, ModelRole::Challenger);
    let roles: Vec<_> = ai_reports::list_models(pool).await.unwrap().iter().map(|m| (m.version.clone(), m.role)).collect();
    assert!(roles.contains(&("v2".into(), ModelRole::Champion)) && roles.contains(&("v1".into(), ModelRole::Challenger)));
    let demoted = audit::for_subject(pool, "model:v1", 10).await.unwrap();
    assert!(demoted.iter().any(|e| e.action == "model.demoted" && e.actor == "ops"), "{demoted:?}");
}

#[tokio::test]
async fn a_study_gets_one_report_per_model_version() {
    let db = common::db("ai_reports").await;
    let pool = db.pool();
    ai_reports::register_model(pool, &model("v1", 'a', ModelRole::Champion), "test").await.unwrap();
    let study = common::study("1.2.3.4");
    let mut tx = pool.begin().await.unwrap();
    insert_ingested(&mut tx, &study, &[]).await.unwrap();
    let report = NewAiReport {
        study_uid: "1.2.3.4".into(),
        model_version: "v1".into(),
        report_text: "BI-RADS 1.".into(),
        probabilities: json!({"right": {}}),
        malignancy_probability: Some(0.25),
        shadow: false,
        device: "cpu".into(),
        batch_size: 2,
        queue_ms: 3.0,
        inference_ms: 120.0,
        event_id: Some(Uuid::now_v7()),
    };
    assert!(!ai_reports::exists(&mut tx, "1.2.3.4", "v1").await.unwrap());
    let id = ai_reports::insert(&mut tx, &report).await.unwrap();
    assert!(id.is_some());
    assert!(ai_reports::exists(&mut tx, "1.2.3.4", "v1").await.unwrap());
    // A re-delivery stores nothing and keeps the first report.
    let again = NewAiReport { report_text: "other".into(), ..report.clone() };
    assert_eq!(ai_reports::insert(&mut tx, &again).await.unwrap(), None);
    tx.commit().await.unwrap();
    let stored = ai_reports::get(pool, "1.2.3.4", "v1").await.unwrap().unwrap();
    assert_eq!((stored.id, stored.report_text.as_str(), stored.batch_size), (id.unwrap(), "BI-RADS 1.", Some(2)));
    assert_eq!(stored.malignancy_probability, Some(0.25));
    assert_eq!(ai_reports::for_study(pool, "1.2.3.4").await.unwrap().len(), 1);
}
