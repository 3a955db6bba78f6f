use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A payload type bound to one topic.
pub trait Event: Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static {
    /// Dotted event name without version, e.g. `mammo.study.arrived`.
    const TYPE: &'static str;
    /// Major schema version; part of the topic name.
    const VERSION: u32;

    /// The Kafka message key: the StudyInstanceUID.
    fn key(&self) -> &str;

    /// Content checks beyond what the types enforce. A failure is permanent (dead letter).
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }

    fn topic() -> String {
        format!("{}.v{}", Self::TYPE, Self::VERSION)
    }
}

/// The one envelope of every event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Envelope<P> {
    /// UUID v7: unique and time-ordered; the inbox dedupes on it.
    pub event_id: Uuid,
    /// Dotted event name without version, e.g. `mammo.study.arrived`.
    pub event_type: String,
    pub schema_version: u32,
    pub occurred_at: DateTime<Utc>,
    /// Shared by every event caused by the same study arrival, for tracing a study end to end.
    pub correlation_id: Uuid,
    /// The service that produced the event (`ingest`, `simulator`, ...).
    pub producer: String,
    pub payload: P,
}

impl<P: Event> Envelope<P> {
    /// A new event that starts a correlation chain.
    pub fn new(producer: &str, payload: P) -> Self {
        let event_id = Uuid::now_v7();
        Envelope {
            event_id,
            event_type: P::TYPE.to_string(),
            schema_version: P::VERSION,
            occurred_at: Utc::now(),
            correlation_id: event_id,
            producer: producer.to_string(),
            payload,
        }
    }

    /// A new event caused by `cause`: keeps its correlation id.
    pub fn caused_by<C>(cause: &Envelope<C>, producer: &str, payload: P) -> Self {
        Envelope { correlation_id: cause.correlation_id, ..Envelope::new(producer, payload) }
    }

    pub fn key(&self) -> &str {
        self.payload.key()
    }

    pub fn to_json_bytes(&self) -> Vec<u8> {
        // Serialising these plain data types cannot fail (no maps with non-string keys).
        serde_json::to_vec(self).unwrap_or_default()
    }
}
