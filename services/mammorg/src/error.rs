//! Errors of the model crate.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MammoRgError {
    #[error("tensor error: {0}")]
    Candle(#[from] candle_core::Error),
    #[error("tokenizer error: {0}")]
    Tokenizer(String),
    #[error("io error on {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("invalid json in {path}: {source}")]
    Json { path: PathBuf, source: serde_json::Error },
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("cannot read the pixels of {}: {source}", path.display())]
    Pixels { path: PathBuf, source: mammoflow_dicom::PixelError },
    #[error("invalid input: {0}")]
    Input(String),
}

impl MammoRgError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        MammoRgError::Io { path: path.into(), source }
    }
}

impl From<tokenizers::Error> for MammoRgError {
    fn from(e: tokenizers::Error) -> Self {
        MammoRgError::Tokenizer(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, MammoRgError>;
