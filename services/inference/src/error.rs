use std::path::PathBuf;

/// Errors of setting the stage up (loading and registering a model); per-study failures are
/// [`crate::StudyFailure`] instead, because they never stop the stage.
#[derive(Debug, thiserror::Error)]
pub enum InferenceError {
    #[error("loading the checkpoint in {dir}: {source}")]
    Checkpoint {
        dir: PathBuf,
        #[source]
        source: mammorg::MammoRgError,
    },
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("device {0:?}: expected `cpu`, `cuda` or `cuda:N`")]
    UnknownDevice(String),
    #[error("device {device}: {source}")]
    Device {
        device: String,
        #[source]
        source: candle_core::Error,
    },
    #[error(
        "model version {version} is already registered with other weights (sha256 {stored}); \
         give this checkpoint a new version"
    )]
    VersionConflict { version: String, stored: String },
    #[error("replay: {0}")]
    Replay(String),
    #[error("starting the inference stage: {0}")]
    Startup(String),
    #[error(transparent)]
    Store(#[from] mammoflow_store::StoreError),
}
