//! Shared by the integration tests: a fresh migrated database per test on the process's server.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use mammoflow_store::local::{fresh_database, test_server_url, TestDatabase};

pub async fn db(prefix: &str) -> TestDatabase {
    let server = test_server_url()
        .await
        .expect("a Postgres server for tests");
    fresh_database(&server, prefix)
        .await
        .expect("fresh test database")
}

/// A minimal stored-study row for tests that need a study to hang other rows on.
#[allow(dead_code)] // not every test binary uses it
pub fn study(uid: &str) -> mammoflow_store::studies::NewStudy {
    mammoflow_store::studies::NewStudy {
        study_uid: uid.into(),
        site: "site-a".into(),
        patient_key: "pk".into(),
        accession_number: None,
        manufacturer: Some("PhantomCo".into()),
        model: Some("P1".into()),
        software_versions: None,
        study_date: None,
        patient_age: Some("061Y".into()),
        status: mammoflow_store::studies::StudyStatus::Ready,
        status_reason: None,
        problems: serde_json::json!([]),
        correlation_id: uuid::Uuid::now_v7(),
        arrived_event_id: uuid::Uuid::now_v7(),
    }
}
