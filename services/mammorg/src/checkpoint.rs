//! Checkpoint folder: `config.json`, `model.safetensors`, `tokenizer.json`, `MODEL_CARD.md`.
//!
//! Tensor names are the official ones (see the crate docs), so a converted official checkpoint
//! (VersaMammo encoder + merged Vicuna/LLaVA-Mammo/MammoRG weights + non-LoRA trainables) is one
//! safetensors file with the same keys.

use crate::config::MammoRgConfig;
use crate::error::{MammoRgError, Result};
use crate::model::MammoRg;
use crate::params;
use crate::tokenizer::TermTokenizer;
use candle_core::{DType, Device, Tensor};
use std::collections::HashMap;
use std::path::Path;

pub const CONFIG_FILE: &str = "config.json";
pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const TOKENIZER_FILE: &str = "tokenizer.json";
pub const MODEL_CARD_FILE: &str = "MODEL_CARD.md";

/// Tensors of official checkpoints that the model deliberately ignores (the R-GCN's unused
/// `res_proj`).
const IGNORED_PREFIXES: &[&str] = &["model.graph_model.model.res_proj."];

/// What a model card states; rendered to Markdown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelCard {
    pub name: String,
    pub version: String,
    pub summary: String,
    pub training_data: String,
    /// `(metric, value)` pairs with the command or data they came from in the text.
    pub metrics: Vec<(String, String)>,
    pub intended_use: String,
    pub limitations: String,
}

impl ModelCard {
    pub fn to_markdown(&self, cfg: &MammoRgConfig) -> String {
        let mut md = format!("# {} (version {})\n\n{}\n\n", self.name, self.version, self.summary);
        md.push_str(&format!(
            "## Architecture\n\nMammoRG, configuration `{}`: EfficientNet ({} blocks, {} px views, {} tokens x {} per view), \
knowledge graph of {} nodes, report database of {} entries, LLaMA decoder with {} layers, width {}, vocabulary {}.\n\n",
            cfg.name,
            cfg.encoder.num_blocks(),
            cfg.image_size,
            cfg.tokens_per_view(),
            cfg.vision_hidden(),
            cfg.graph.nodes.len(),
            cfg.retrieval.database_size,
            cfg.llm.num_hidden_layers,
            cfg.llm.hidden_size,
            cfg.llm.vocab_size,
        ));
        md.push_str(&format!("## Training data\n\n{}\n\n## Metrics\n\n", self.training_data));
        if self.metrics.is_empty() {
            md.push_str("None measured.\n\n");
        } else {
            md.push_str("| Metric | Value |\n|---|---|\n");
            for (k, v) in &self.metrics {
                md.push_str(&format!("| {k} | {v} |\n"));
            }
            md.push('\n');
        }
        md.push_str(&format!("## Intended use\n\n{}\n\n## Limitations\n\n{}\n", self.intended_use, self.limitations));
        md
    }
}

/// Writes the four files into `dir` (created if needed).
pub fn save(dir: &Path, model: &MammoRg, tokenizer: &TermTokenizer, card: &ModelCard) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| MammoRgError::io(dir, e))?;
    check_vocab(model.config(), tokenizer)?;
    model.config().save(&dir.join(CONFIG_FILE))?;
    let tensors: HashMap<String, Tensor> =
        params::named_vars(model.varmap()).into_iter().map(|(n, v)| (n, v.as_tensor().clone())).collect();
    candle_core::safetensors::save(&tensors, dir.join(WEIGHTS_FILE))?;
    tokenizer.save(&dir.join(TOKENIZER_FILE))?;
    let card_path = dir.join(MODEL_CARD_FILE);
    std::fs::write(&card_path, card.to_markdown(model.config())).map_err(|e| MammoRgError::io(&card_path, e))
}

/// A loaded checkpoint.
#[derive(Debug)]
pub struct Checkpoint {
    pub model: MammoRg,
    pub tokenizer: TermTokenizer,
    pub model_card: String,
}

/// Loads a checkpoint folder. Every tensor the configuration needs must be present and every
/// tensor present must be used (except [`IGNORED_PREFIXES`]). `trainable`: see
/// [`MammoRg::new_random`].
pub fn load(dir: &Path, trainable: bool, dtype: DType, device: &Device) -> Result<Checkpoint> {
    let cfg = MammoRgConfig::load(&dir.join(CONFIG_FILE))?;
    let weights = dir.join(WEIGHTS_FILE);
    if !weights.is_file() {
        return Err(MammoRgError::io(&weights, std::io::Error::from(std::io::ErrorKind::NotFound)));
    }
    let tensors = candle_core::safetensors::load(&weights, &Device::Cpu)?;
    let expected: Vec<String> = tensors.keys().cloned().collect();
    let (model, unused) = MammoRg::from_tensors(&cfg, tensors, 0, trainable, dtype, device)?;
    let unused: Vec<_> = unused.into_iter().filter(|n| !IGNORED_PREFIXES.iter().any(|p| n.starts_with(p))).collect();
    if !unused.is_empty() {
        return Err(MammoRgError::Config(format!("checkpoint tensors not used by the configuration: {unused:?}")));
    }
    let missing: Vec<_> = model.tensor_names().into_iter().filter(|n| !expected.contains(n)).collect();
    if !missing.is_empty() {
        return Err(MammoRgError::Config(format!("checkpoint lacks tensors: {missing:?}")));
    }
    let tokenizer = TermTokenizer::load(&dir.join(TOKENIZER_FILE))?;
    check_vocab(&cfg, &tokenizer)?;
    let card_path = dir.join(MODEL_CARD_FILE);
    let model_card = std::fs::read_to_string(&card_path).map_err(|e| MammoRgError::io(&card_path, e))?;
    Ok(Checkpoint { model, tokenizer, model_card })
}

fn check_vocab(cfg: &MammoRgConfig, tokenizer: &TermTokenizer) -> Result<()> {
    if tokenizer.vocab_size() > cfg.llm.vocab_size {
        return Err(MammoRgError::Config(format!(
            "tokenizer has {} tokens but the decoder only {}",
            tokenizer.vocab_size(),
            cfg.llm.vocab_size
        )));
    }
    Ok(())
}
