use crate::Event;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `mammo.dead-letter.v1`: a message a consumer could not process, with the reason. The original
/// bytes are kept (lossy UTF-8 here; byte-exact in the `dead_letters` table) for replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadLetter {
    pub consumer_group: String,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    /// Message key of the original; the StudyInstanceUID when it had one.
    pub key: Option<String>,
    pub original_event_id: Option<Uuid>,
    pub error_kind: String,
    pub reason: String,
    pub original: String,
}

impl Event for DeadLetter {
    const TYPE: &'static str = "mammo.dead-letter";
    const VERSION: u32 = 1;

    fn key(&self) -> &str {
        self.key.as_deref().unwrap_or(&self.topic)
    }
}
