//! One payload type per topic. Payloads carry no patient names: UIDs, site, a pseudonymous
//! patient key and URIs of the DICOM objects.

mod arrived;
mod dead_letter;
mod generated;
mod parsed;
mod ready;
mod triage;

pub use arrived::{InstanceRef, StudyArrived};
pub use dead_letter::DeadLetter;
pub use generated::{
    GenerationOutcome, GenerationTimings, ModelRef, NotGeneratedKind, ReportGenerated, SideProbabilities,
    Stage1Probabilities,
};
pub use parsed::ReportParsed;
pub use ready::{Eligibility, StudyReady, ViewRef};
pub use triage::TriageAssigned;

/// The identity every study event carries: site code and pseudonymous patient key.
pub(crate) fn check_study_identity(site: &str, patient_key: &str) -> Result<(), String> {
    check_text("site", site, 64)?;
    check_text("patient_key", patient_key, 128)
}

/// Shared field checks, so every payload applies the same rule.
pub(crate) fn check_text(field: &str, value: &str, max_len: usize) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err(format!("{field} is empty"));
    }
    if value.len() > max_len {
        return Err(format!("{field} is {} bytes; the limit is {max_len}", value.len()));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{field} contains control characters"));
    }
    Ok(())
}
