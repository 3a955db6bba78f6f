//! The parser stage.
//!
//! Consumes `mammo.report.generated.v1`, parses the generated text with the MammoRGTool rules
//! ([`mammorgtool`]) into structured BI-RADS data, stores it in `parsed_reports` next to the AI
//! report, marks the study `parsed`, and emits `mammo.report.parsed.v1` through the outbox in
//! the same transaction.
//!
//! A report the parser cannot use (empty, garbled, over the size limit, no assessment,
//! conflicting categories, low confidence) is still stored with its warnings, and the emitted
//! event carries `human_read_reasons` so triage sends the study to a full human read. A study
//! whose report was never generated (ineligible, unreadable images, model failure) is passed on
//! the same way. Nothing is dropped.

mod args;
mod handler;
mod metrics;
mod outcome;
mod reasons;
mod spawn;

pub use args::ParserArgs;
pub use handler::{ParseConfig, ParserHandler, CONSUMER_GROUP, DEFAULT_MIN_CONFIDENCE, PRODUCER};
pub use metrics::ParserMetrics;
pub use outcome::{not_generated_event, parse_generated, ParseOutcome};
pub use reasons::{
    assessment_confidence, human_read_reasons, lowest_confidence, not_generated_reason, warning_kind, HumanReadReason,
};
pub use spawn::spawn_parser;
