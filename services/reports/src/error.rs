//! What can go wrong building or rendering a report.

use mammoflow_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("rendering the report: {0}")]
    Render(#[from] askama::Error),
    /// A request that cannot describe a window (e.g. `to` not after `from`).
    #[error("invalid report request: {0}")]
    Invalid(String),
}
