//! Parse results of AI reports and reads against a real Postgres.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod common;

use mammoflow_domain::{BiRads, Density, PerBreast, StructuredReport};
use mammoflow_store::ai_reports::{self, ModelRole, NewAiReport, NewModelVersion};
use mammoflow_store::parsed_reports::{self, AiParseInsert, NewParse, ParseSource};
use mammoflow_store::studies::{self, NewStudy, StudyStatus};
use mammoflow_store::PgPool;
use serde_json::json;
use uuid::Uuid;

const UID: &str = "1.2.826.0.1.77";
const MODEL: &str = "mammorg-tiny-test";
const SHADOW_MODEL: &str = "mammorg-tiny-shadow";

fn model(version: &str, role: ModelRole, hash_digit: char) -> NewModelVersion {
    NewModelVersion {
        version: version.into(),
        family: "mammorg".into(),
        config: "tiny".into(),
        checkpoint_uri: None,
        checkpoint_sha256: hash_digit.to_string().repeat(64),
        role,
        details: json!({}),
    }
}

fn ai_report(version: &str, shadow: bool) -> NewAiReport {
    NewAiReport {
        study_uid: UID.into(),
        model_version: version.into(),
        report_text: "IMPRESSION: BI-RADS 4B.".into(),
        probabilities: json!({}),
        malignancy_probability: None,
        shadow,
        device: "cpu".into(),
        batch_size: 1,
        queue_ms: 0.0,
        inference_ms: 12.0,
        event_id: (!shadow).then(Uuid::now_v7),
    }
}

/// A study with a champion report from MODEL and a shadow report from SHADOW_MODEL.
async fn seed(pool: &PgPool) {
    let study = NewStudy { status: StudyStatus::Inferred, ..common::study(UID) };
    ai_reports::register_model(pool, &model(MODEL, ModelRole::Champion, 'a'), "test").await.unwrap();
    ai_reports::register_model(pool, &model(SHADOW_MODEL, ModelRole::Challenger, 'b'), "test").await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    studies::insert_ingested(&mut tx, &study, &[]).await.unwrap();
    ai_reports::insert(&mut tx, &ai_report(MODEL, false)).await.unwrap().unwrap();
    ai_reports::insert(&mut tx, &ai_report(SHADOW_MODEL, true)).await.unwrap().unwrap();
    tx.commit().await.unwrap();
}

fn structured_4b() -> StructuredReport {
    StructuredReport {
        birads: PerBreast { overall: Some(BiRads::ModerateSuspicion), left: None, right: Some(BiRads::ModerateSuspicion) },
        density: PerBreast { overall: Some(Density::C), left: None, right: None },
        findings: vec![],
        recommendation: None,
    }
}

#[tokio::test]
async fn ai_parse_is_stored_once_per_parser_version() {
    let db = common::db("parsed_ai").await;
    let pool = db.pool();
    seed(pool).await;
    let report = structured_4b();
    let warnings = json!([{"code": "phrase_only_assessment", "message": "assessment read from its phrase only"}]);
    let parse = NewParse { parser_version: "p-1", structured: &report, warnings: &warnings, confidence: Some(0.95) };

    let mut tx = pool.begin().await.unwrap();
    let first = parsed_reports::insert_for_ai_report(&mut tx, UID, MODEL, &parse).await.unwrap();
    let AiParseInsert::Inserted(id) = first else { panic!("expected a new row, got {first:?}") };
    // Re-delivery: the same report with the same parser changes nothing.
    assert_eq!(
        parsed_reports::insert_for_ai_report(&mut tx, UID, MODEL, &parse).await.unwrap(),
        AiParseInsert::AlreadyParsed
    );
    tx.commit().await.unwrap();

    // Another transaction (a redelivery with a new event id) sees the committed row.
    let mut tx = pool.begin().await.unwrap();
    assert_eq!(
        parsed_reports::insert_for_ai_report(&mut tx, UID, MODEL, &parse).await.unwrap(),
        AiParseInsert::AlreadyParsed
    );
    // A new parser version adds a row next to the old one.
    let newer = NewParse { parser_version: "p-2", ..parse };
    assert!(matches!(
        parsed_reports::insert_for_ai_report(&mut tx, UID, MODEL, &newer).await.unwrap(),
        AiParseInsert::Inserted(_)
    ));
    tx.commit().await.unwrap();

    let rows = parsed_reports::for_study(pool, UID).await.unwrap();
    assert_eq!(rows.len(), 2);
    let row = &rows[0];
    assert_eq!(row.id, id);
    assert_eq!(row.source, ParseSource::Ai);
    assert_eq!(row.parser_version, "p-1");
    assert_eq!(row.structured, report);
    assert_eq!(row.warnings, warnings);
    assert_eq!(row.confidence, Some(0.95));
    assert_eq!(row.read_id, None);
    let champion = ai_reports::get(pool, UID, MODEL).await.unwrap().unwrap();
    assert_eq!(row.ai_report_id, Some(champion.id));
    assert_eq!(parsed_reports::for_ai_report(pool, champion.id).await.unwrap().len(), 2);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn ai_parse_needs_a_champion_report() {
    let db = common::db("parsed_noreport").await;
    let pool = db.pool();
    seed(pool).await;
    let report = StructuredReport::default();
    let warnings = json!([]);
    let parse = NewParse { parser_version: "p-1", structured: &report, warnings: &warnings, confidence: None };

    let mut tx = pool.begin().await.unwrap();
    for (uid, version) in [(UID, "unknown-model"), (UID, SHADOW_MODEL), ("1.2.999", MODEL)] {
        assert_eq!(
            parsed_reports::insert_for_ai_report(&mut tx, uid, version, &parse).await.unwrap(),
            AiParseInsert::NoAiReport,
            "{uid} {version}"
        );
    }
    tx.commit().await.unwrap();
    assert!(parsed_reports::for_study(pool, UID).await.unwrap().is_empty());
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn read_parse_is_stored_once_per_parser_version() {
    let db = common::db("parsed_read").await;
    let pool = db.pool();
    seed(pool).await;
    // The reads module does not exist yet; a plain row is enough to reference.
    let read_id: i64 = sqlx::query_scalar(
        "INSERT INTO reads (study_uid, reader, role, free_text) VALUES ($1, 'dr-a', 'single', 'BI-RADS 4B') RETURNING id",
    )
    .bind(UID)
    .fetch_one(pool)
    .await
    .unwrap();
    let report = structured_4b();
    let warnings = json!([]);
    let parse = NewParse { parser_version: "p-1", structured: &report, warnings: &warnings, confidence: Some(0.9) };

    let mut tx = pool.begin().await.unwrap();
    let id = parsed_reports::insert_for_read(&mut tx, UID, read_id, &parse).await.unwrap();
    assert!(id.is_some());
    assert_eq!(parsed_reports::insert_for_read(&mut tx, UID, read_id, &parse).await.unwrap(), None);
    tx.commit().await.unwrap();

    let rows = parsed_reports::for_study(pool, UID).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(Some(rows[0].id), id);
    assert_eq!(rows[0].source, ParseSource::Read);
    assert_eq!(rows[0].read_id, Some(read_id));
    assert_eq!(rows[0].ai_report_id, None);
    assert_eq!(rows[0].structured, report);
    db.drop_database().await.unwrap();
}
