//! Pure domain types shared by every mammoflow crate. No IO lives here.
//!
//! The structured-report types ([`report`]) are the one contract used by the parser's output,
//! the simulator's ground truth (`truth.json`) and the triage engine's input, so a field means
//! the same thing wherever it appears.

pub mod birads;
pub mod density;
pub mod report;
pub mod uid;
pub mod view;

pub use birads::BiRads;
pub use density::Density;
pub use report::{
    Finding, FindingStatus, FindingType, PerBreast, Recommendation, RecommendationAction,
    StructuredReport,
};
pub use uid::{DicomUid, UidError};
pub use view::{Laterality, Projection, Side, View};
