//! Fixtures for other crates' tests (feature `testing`): the rows earlier stages would have
//! stored, so a stage's tests can start where it starts.

use crate::studies::{NewStudy, StudyStatus};

/// A study row with only its identity and `status` (site `site-a`, patient key `pk-1`).
pub fn study(uid: &str, status: StudyStatus) -> NewStudy {
    NewStudy {
        study_uid: uid.into(),
        site: "site-a".into(),
        patient_key: "pk-1".into(),
        accession_number: None,
        manufacturer: None,
        model: None,
        software_versions: None,
        study_date: None,
        patient_age: None,
        status,
        status_reason: None,
        problems: serde_json::json!([]),
        correlation_id: uuid::Uuid::now_v7(),
        arrived_event_id: uuid::Uuid::now_v7(),
    }
}

/// A `mammorg`/`tiny` model registration with a dummy checkpoint hash.
pub fn model_version(version: &str, role: crate::ai_reports::ModelRole) -> crate::ai_reports::NewModelVersion {
    crate::ai_reports::NewModelVersion {
        version: version.into(),
        family: "mammorg".into(),
        config: "tiny".into(),
        checkpoint_uri: None,
        checkpoint_sha256: "a".repeat(64),
        role,
        details: serde_json::json!({}),
    }
}
