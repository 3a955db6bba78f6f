use crate::IngestConfig;
use clap::Args;
use mammoflow_dicom::HeaderLimits;
use std::path::PathBuf;

/// Ingest's settings; each flag has an environment variable.
#[derive(Debug, Clone, Args)]
pub struct IngestArgs {
    /// Largest DICOM file ingest opens.
    #[arg(long, env = "MAMMOFLOW_MAX_DICOM_BYTES", default_value_t = 1 << 30)]
    pub max_dicom_bytes: u64,
    /// Largest DICOM header (bytes before Pixel Data) ingest reads.
    #[arg(long, env = "MAMMOFLOW_MAX_HEADER_BYTES", default_value_t = 4 << 20)]
    pub max_header_bytes: usize,
    /// Consumer loops of the ingest group in this process (at most the topic's partitions help).
    #[arg(long, env = "MAMMOFLOW_INGEST_WORKERS", default_value_t = 2)]
    pub ingest_workers: usize,
}

impl IngestArgs {
    /// `dicom_roots`: the platform's (see `PlatformArgs::dicom_roots`).
    pub fn config(&self, dicom_roots: &[PathBuf]) -> IngestConfig {
        IngestConfig {
            dicom_roots: dicom_roots.to_vec(),
            header_limits: HeaderLimits { max_file_bytes: self.max_dicom_bytes, max_header_bytes: self.max_header_bytes },
        }
    }
}
