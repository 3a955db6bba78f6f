//! The ingest stage.
//!
//! Consumes `mammo.study.arrived.v1`, reads each referenced DICOM file's header (never the
//! pixels), picks the four standard views, stores the study with its instances, and emits
//! `mammo.study.ready.v1` through the outbox in the same transaction.
//!
//! A study that is not a complete four-view MG screening exam (missing view, unreadable file,
//! wrong modality, conflicting UIDs, a path outside the configured roots) is stored as
//! **ineligible** with its reasons and still emitted, flagged, so triage sends it to a full
//! human read. Nothing is dropped; nothing ineligible is ever treated as normal.

mod args;
mod assess;
mod handler;
mod metrics;
mod simulated;
mod spawn;

pub use args::IngestArgs;
pub use assess::{assess_study, Assessment, EventIds, IngestProblem};
pub use handler::{IngestConfig, IngestHandler, CONSUMER_GROUP};
pub use metrics::IngestMetrics;
pub use simulated::arrival_for;
pub use spawn::spawn_ingest;
