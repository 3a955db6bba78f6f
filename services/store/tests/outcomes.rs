//! Outcomes against a real Postgres: imports are all-or-nothing, idempotent and audited.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod common;

use chrono::NaiveDate;
use mammoflow_store::outcomes::{self, ImportCounts, NewOutcome};
use mammoflow_store::studies::insert_ingested;
use mammoflow_store::audit;

fn outcome(uid: &str, kind: &str, result: &str, day: u32) -> NewOutcome {
    NewOutcome {
        study_uid: uid.into(),
        side: Some("left".into()),
        kind: kind.into(),
        result: result.into(),
        pathology: None,
        outcome_date: NaiveDate::from_ymd_opt(2026, 10, day).unwrap(),
    }
}

#[tokio::test]
async fn outcomes_import_once_and_unknown_studies_are_named() {
    let db = common::db("outcomes").await;
    let pool = db.pool();
    let study = common::study("1.2.3.9");
    let mut tx = pool.begin().await.unwrap();
    insert_ingested(&mut tx, &study, &[]).await.unwrap();
    tx.commit().await.unwrap();

    let uids = vec!["1.2.3.9".to_string(), "9.9.9".to_string()];
    assert_eq!(outcomes::unknown_studies(pool, &uids).await.unwrap(), vec!["9.9.9".to_string()]);

    let rows = vec![outcome("1.2.3.9", "biopsy", "malignant", 1), outcome("1.2.3.9", "surgery", "malignant", 20)];
    assert_eq!(outcomes::record_all(pool, &rows, "csv", "ops").await.unwrap(), ImportCounts { inserted: 2, duplicates: 0 });
    // The same file again adds nothing.
    assert_eq!(outcomes::record_all(pool, &rows, "csv", "ops").await.unwrap(), ImportCounts { inserted: 0, duplicates: 2 });
    assert_eq!(outcomes::for_study(pool, "1.2.3.9").await.unwrap(), rows);
    // A row for an unknown study fails the whole import.
    let bad = vec![outcome("1.2.3.9", "follow_up", "benign", 25), outcome("9.9.9", "biopsy", "benign", 2)];
    assert!(outcomes::record_all(pool, &bad, "csv", "ops").await.is_err());
    assert_eq!(outcomes::for_study(pool, "1.2.3.9").await.unwrap().len(), 2);
    let entries = audit::for_subject(pool, "outcomes", 10).await.unwrap();
    assert_eq!(entries.iter().filter(|e| e.action == "outcomes.recorded").count(), 2);
}
