//! A checkpoint loaded for serving: its identity (name, version, sha256) and its registration in
//! the model registry.

use crate::InferenceError;
use candle_core::{DType, Device};
use mammoflow_events::ModelRef;
use mammoflow_store::ai_reports::{self, ModelRole, NewModelVersion, Registration};
use mammoflow_store::PgPool;
use mammorg::checkpoint::{self, Checkpoint, CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Model family in the registry (one champion per family).
pub const MODEL_FAMILY: &str = "mammorg";

/// The checkpoint shipped in the repository (plumbing quality; see its MODEL_CARD.md).
pub fn demo_checkpoint_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mammorg/demo-checkpoint")
}

/// A checkpoint ready to serve.
#[derive(Debug)]
pub struct LoadedModel {
    pub checkpoint: Checkpoint,
    /// What every report and event names.
    pub reference: ModelRef,
    pub sha256: String,
    pub dir: PathBuf,
    /// `cpu` or `cuda:N`, as stored with each report.
    pub device_label: String,
}

/// Loads the checkpoint in `dir` on `device` (`cpu`, `cuda`, `cuda:N`). The version is
/// `version` when given, else derived from the weights' hash, so two different checkpoints can
/// never share a version by accident.
pub fn load_model(dir: &Path, version: Option<&str>, device: &str) -> Result<LoadedModel, InferenceError> {
    let (device, device_label) = parse_device(device)?;
    let sha256 = checkpoint_sha256(dir)?;
    let checkpoint = checkpoint::load(dir, false, DType::F32, &device)
        .map_err(|source| InferenceError::Checkpoint { dir: dir.to_path_buf(), source })?;
    let config = checkpoint.model.config().name.clone();
    let name = format!("{MODEL_FAMILY}-{config}");
    let version = version.map_or_else(|| format!("{name}-{}", &sha256[..12]), str::to_owned);
    Ok(LoadedModel { checkpoint, reference: ModelRef { name, version }, sha256, dir: dir.to_path_buf(), device_label })
}

fn parse_device(spec: &str) -> Result<(Device, String), InferenceError> {
    let ordinal = match spec {
        "cpu" => return Ok((Device::Cpu, "cpu".into())),
        "cuda" => 0,
        other => other
            .strip_prefix("cuda:")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| InferenceError::UnknownDevice(spec.into()))?,
    };
    let device = Device::new_cuda(ordinal).map_err(|source| InferenceError::Device { device: spec.into(), source })?;
    Ok((device, format!("cuda:{ordinal}")))
}

/// sha256 over the checkpoint's three defining files, each prefixed by its name, in a fixed
/// order. The model card is left out: editing prose does not change the model.
pub fn checkpoint_sha256(dir: &Path) -> Result<String, InferenceError> {
    let mut hasher = Sha256::new();
    for name in [CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE] {
        let path = dir.join(name);
        let io = |source| InferenceError::Io { path: path.clone(), source };
        let mut file = std::fs::File::open(&path).map_err(io)?;
        hasher.update(name.as_bytes());
        hasher.update([0]);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

impl LoadedModel {
    /// Registers this model in Postgres with `role` (idempotent for the same weights).
    pub async fn register(&self, pool: &PgPool, role: ModelRole) -> Result<ModelRole, InferenceError> {
        let config = self.checkpoint.model.config();
        let details = serde_json::json!({
            "name": self.reference.name,
            "image_size": config.image_size,
            "decoder_layers": config.llm.num_hidden_layers,
            "decoder_width": config.llm.hidden_size,
            "vocab_size": config.llm.vocab_size,
        });
        let model = NewModelVersion {
            version: self.reference.version.clone(),
            family: MODEL_FAMILY.into(),
            config: config.name.clone(),
            checkpoint_uri: Some(self.dir.display().to_string()),
            checkpoint_sha256: self.sha256.clone(),
            role,
            details,
        };
        match ai_reports::register_model(pool, &model, "inference").await? {
            Registration::Registered(role) => Ok(role),
            Registration::HashMismatch { stored } => {
                Err(InferenceError::VersionConflict { version: model.version, stored })
            }
        }
    }
}
