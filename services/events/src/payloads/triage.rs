use crate::Event;
use chrono::{DateTime, Utc};
use mammoflow_domain::DicomUid;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `mammo.triage.assigned.v1`: a study was put on a radiologist queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageAssigned {
    pub study_instance_uid: DicomUid,
    pub site: String,
    pub queue: String,
    pub priority: i32,
    pub due_at: DateTime<Utc>,
    /// The policy rule that fired.
    pub rule: String,
    pub policy_version: String,
    pub model_version: Option<String>,
    pub parser_version: Option<String>,
}

impl Event for TriageAssigned {
    const TYPE: &'static str = "mammo.triage.assigned";
    const VERSION: u32 = 1;

    fn key(&self) -> &str {
        self.study_instance_uid.as_str()
    }
}
