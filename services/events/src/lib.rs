//! Typed events of the mammoflow pipeline.
//!
//! Every message on every topic is an [`Envelope`] around one payload type. The Kafka key is the
//! StudyInstanceUID so all events of a study stay ordered on one partition. Topic names carry the
//! schema's major version (`mammo.study.arrived.v1`); a breaking change gets a new topic.
//!
//! Studies never vanish between stages: a study that a stage cannot process normally still flows
//! onward, flagged (ineligible, not generated, not parsed), so triage can put it in front of a human.

mod codec;
mod envelope;
pub mod payloads;
pub mod schema;

pub use codec::{decode, peek, DecodeError, EventLimits, RawEnvelope};
pub use envelope::{Envelope, Event};
pub use payloads::*;

/// Topic of permanently failed messages (see [`DeadLetter`]).
pub const DEAD_LETTER_TOPIC: &str = "mammo.dead-letter.v1";

/// Every topic the pipeline uses, for topic creation at start-up.
pub fn all_topics() -> Vec<String> {
    vec![
        StudyArrived::topic(),
        StudyReady::topic(),
        ReportGenerated::topic(),
        ReportParsed::topic(),
        TriageAssigned::topic(),
        DEAD_LETTER_TOPIC.to_string(),
    ]
}
