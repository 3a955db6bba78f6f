use crate::batcher::BatchConfig;
use clap::Args;
use mammoflow_store::ai_reports::ModelRole;
use mammorg::GenerationConfig;
use std::path::PathBuf;
use std::time::Duration;

/// The inference stage's settings; each flag has an environment variable.
#[derive(Debug, Clone, Args)]
pub struct InferenceArgs {
    /// Checkpoint folder (config.json, model.safetensors, tokenizer.json, MODEL_CARD.md).
    /// Unset: the demo checkpoint shipped in the repository.
    #[arg(long = "model", env = "MAMMOFLOW_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,
    /// Version recorded with every report. Unset: derived from the checkpoint's sha256.
    #[arg(long, env = "MAMMOFLOW_MODEL_VERSION")]
    pub model_version: Option<String>,
    /// `cpu`, `cuda` or `cuda:N` (GPU needs the `cuda` build feature).
    #[arg(long, env = "MAMMOFLOW_INFERENCE_DEVICE", default_value = "cpu")]
    pub device: String,
    /// Model worker threads (each runs whole batches; one per GPU or a few per CPU box).
    #[arg(long, env = "MAMMOFLOW_INFERENCE_WORKERS", default_value_t = 1)]
    pub inference_workers: usize,
    /// Consumer loops of the inference group in this process. A batch can hold at most this many
    /// live studies, and loops beyond the topic's partitions sit idle.
    #[arg(long, env = "MAMMOFLOW_INFERENCE_CONSUMERS", default_value_t = 3)]
    pub inference_consumers: usize,
    /// Most studies in one model batch.
    #[arg(long, env = "MAMMOFLOW_MAX_BATCH", default_value_t = 4)]
    pub max_batch: usize,
    /// How long a worker waits for a batch to fill once one study is waiting.
    #[arg(long, env = "MAMMOFLOW_MAX_BATCH_WAIT_MS", default_value_t = 50)]
    pub max_batch_wait_ms: u64,
    /// Studies waiting for the model beyond which new ones are retried later (back-pressure).
    #[arg(long, env = "MAMMOFLOW_MAX_QUEUED_STUDIES", default_value_t = 64)]
    pub max_queued: usize,
    /// Longest report, in tokens.
    #[arg(long, env = "MAMMOFLOW_MAX_NEW_TOKENS", default_value_t = 512)]
    pub max_new_tokens: usize,
    /// Register the model as the champion (its reports drive triage).
    #[arg(long, env = "MAMMOFLOW_MODEL_CHAMPION", default_value_t = true, action = clap::ArgAction::Set)]
    pub champion: bool,
}

impl InferenceArgs {
    pub fn model_dir(&self) -> PathBuf {
        self.model_dir.clone().unwrap_or_else(crate::demo_checkpoint_dir)
    }

    pub fn role(&self) -> ModelRole {
        if self.champion {
            ModelRole::Champion
        } else {
            ModelRole::Challenger
        }
    }

    pub fn batch_config(&self) -> BatchConfig {
        BatchConfig {
            max_batch: self.max_batch.max(1),
            max_wait: Duration::from_millis(self.max_batch_wait_ms),
            workers: self.inference_workers.max(1),
            max_queued: self.max_queued.max(1),
            generation: GenerationConfig { max_new_tokens: self.max_new_tokens.max(1), use_kv_cache: true },
        }
    }
}
