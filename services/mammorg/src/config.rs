//! Model configuration (`config.json`): the official MammoRG sizes and a tiny CPU variant of
//! the same module graph.

use crate::error::{MammoRgError, Result};
use crate::terms;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One MBConv stage before width/depth scaling (lukemelas `BlockArgs`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StageConfig {
    pub repeats: usize,
    pub kernel: usize,
    pub stride: usize,
    pub expand_ratio: usize,
    pub input_filters: usize,
    pub output_filters: usize,
    pub se_ratio: f64,
}

impl StageConfig {
    const fn new(repeats: usize, kernel: usize, stride: usize, expand: usize, i: usize, o: usize) -> Self {
        StageConfig { repeats, kernel, stride, expand_ratio: expand, input_filters: i, output_filters: o, se_ratio: 0.25 }
    }
}

/// The seven EfficientNet-B0 base stages that every EfficientNet variant scales.
pub const EFFICIENTNET_BASE_STAGES: [StageConfig; 7] = [
    StageConfig::new(1, 3, 1, 1, 32, 16),
    StageConfig::new(2, 3, 2, 6, 16, 24),
    StageConfig::new(2, 5, 2, 6, 24, 40),
    StageConfig::new(3, 3, 2, 6, 40, 80),
    StageConfig::new(3, 5, 1, 6, 80, 112),
    StageConfig::new(4, 5, 2, 6, 112, 192),
    StageConfig::new(1, 3, 1, 6, 192, 320),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EfficientNetConfig {
    pub width_coefficient: f64,
    pub depth_coefficient: f64,
    pub depth_divisor: usize,
    pub stem_base_channels: usize,
    pub head_base_channels: usize,
    pub stages: Vec<StageConfig>,
    pub bn_eps: f64,
    /// Resolution for which the static "same" paddings are computed (456 for the official B5,
    /// applied unchanged to 512 inputs: see `mammorg.md` §2).
    pub padding_reference_size: usize,
}

impl EfficientNetConfig {
    /// lukemelas `round_filters`.
    pub fn round_filters(&self, filters: usize) -> usize {
        let divisor = self.depth_divisor as f64;
        let scaled = filters as f64 * self.width_coefficient;
        let mut rounded = ((scaled + divisor / 2.0) as usize / self.depth_divisor * self.depth_divisor).max(self.depth_divisor);
        if (rounded as f64) < 0.9 * scaled {
            rounded += self.depth_divisor;
        }
        rounded
    }

    /// lukemelas `round_repeats`.
    pub fn round_repeats(&self, repeats: usize) -> usize {
        (self.depth_coefficient * repeats as f64).ceil() as usize
    }

    /// Channels of the head map, i.e. the width of every visual token.
    pub fn hidden_size(&self) -> usize {
        self.round_filters(self.head_base_channels)
    }

    /// Total number of MBConv blocks after depth scaling.
    pub fn num_blocks(&self) -> usize {
        self.stages.iter().map(|s| self.round_repeats(s.repeats)).sum()
    }

    /// Total stride of the network (stem plus every stage's first block).
    pub fn total_stride(&self) -> usize {
        2 * self.stages.iter().map(|s| s.stride).product::<usize>()
    }
}

/// Knowledge-graph branch: node list, edges, R-GCN and cross-attention sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphConfig {
    /// Node names in position order; group sizes are in [`HeadsConfig`].
    pub nodes: Vec<String>,
    /// Directed edges `[source, relation, target]` (finding -> object).
    pub edges: Vec<[usize; 3]>,
    pub num_relations: usize,
    /// Width of the stored node input features (768 for the official BERT [CLS] features).
    pub node_feature_dim: usize,
    pub num_rgcn_layers: usize,
    pub num_attention_heads: usize,
}

/// Report-retrieval branch ("patient_rag").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrievalConfig {
    /// Number of report embeddings in the database stored with the checkpoint.
    pub database_size: usize,
    /// Width of a report embedding (768 for bert-base-chinese).
    pub embed_dim: usize,
}

/// Sizes of the stage-1 heads; they are also the knowledge-graph group sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadsConfig {
    pub densities: usize,
    pub birads: usize,
    pub findings: usize,
    pub locations: usize,
    pub diagnoses: usize,
    pub descriptors: usize,
}

impl HeadsConfig {
    pub fn num_nodes(&self) -> usize {
        self.densities + self.findings + self.locations + self.diagnoses + self.descriptors
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlamaConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub num_key_value_heads: usize,
    pub rms_norm_eps: f64,
    pub rope_theta: f64,
    pub max_position_embeddings: usize,
}

impl LlamaConfig {
    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }
}

/// LoRA on every decoder linear layer (q, k, v, o, gate, up, down); scale = alpha / r.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoraConfig {
    pub r: usize,
    pub alpha: f64,
}

/// Special token ids (LLaMA convention: pad = unk = 0, BOS 1, EOS 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialTokens {
    pub pad_id: u32,
    pub bos_id: u32,
    pub eos_id: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MammoRgConfig {
    /// "official", "tiny" or a trained variant's name.
    pub name: String,
    /// Side of the square input of every view.
    pub image_size: usize,
    pub encoder: EfficientNetConfig,
    pub graph: GraphConfig,
    pub retrieval: RetrievalConfig,
    pub heads: HeadsConfig,
    pub llm: LlamaConfig,
    /// Present while LoRA adapters are separate tensors; `None` once merged (or never used).
    pub lora: Option<LoraConfig>,
    pub special_tokens: SpecialTokens,
    /// LayerNorm eps of the added modules (PyTorch default).
    pub layer_norm_eps: f64,
}

const OFFICIAL_HEADS: HeadsConfig =
    HeadsConfig { densities: 4, birads: 9, findings: 10, locations: 18, diagnoses: 10, descriptors: 28 };

impl MammoRgConfig {
    /// EfficientNet-B5 at 512 px (256 tokens x 2048 per view), 70-node graph, 768-d report
    /// database, projectors 2048 -> 4096 -> 4096, Vicuna-7B v1.5 with 70 term tokens.
    pub fn official() -> Self {
        MammoRgConfig {
            name: "official".into(),
            image_size: 512,
            encoder: EfficientNetConfig {
                width_coefficient: 1.6,
                depth_coefficient: 2.2,
                depth_divisor: 8,
                stem_base_channels: 32,
                head_base_channels: 1280,
                stages: EFFICIENTNET_BASE_STAGES.to_vec(),
                bn_eps: 1e-3,
                padding_reference_size: 456,
            },
            graph: GraphConfig {
                nodes: terms::graph_nodes(),
                edges: terms::graph_edges(),
                num_relations: 3,
                node_feature_dim: 768,
                num_rgcn_layers: 4,
                num_attention_heads: 32,
            },
            // The authors' database size is unknown; 4096 is a placeholder until a database is
            // built from mammoflow's own training reports.
            retrieval: RetrievalConfig { database_size: 4096, embed_dim: 768 },
            heads: OFFICIAL_HEADS,
            llm: LlamaConfig {
                vocab_size: 32070,
                hidden_size: 4096,
                intermediate_size: 11008,
                num_hidden_layers: 32,
                num_attention_heads: 32,
                num_key_value_heads: 32,
                rms_norm_eps: 1e-5,
                rope_theta: 10000.0,
                max_position_embeddings: 4096,
            },
            lora: Some(LoraConfig { r: 64, alpha: 128.0 }),
            special_tokens: SpecialTokens { pad_id: 0, bos_id: 1, eos_id: 2 },
            layer_norm_eps: 1e-5,
        }
    }

    /// The same graph at CPU size: 128 px views through a width-0.25 / depth-0.5 EfficientNet
    /// (10 blocks, 4x4 = 16 tokens x 128 per view), a 2-layer LLaMA of width 192.
    pub fn tiny() -> Self {
        Self::tiny_at(128)
    }

    /// `tiny` reading `side`-px views: the same widths, a `side / 32` square patch grid, and
    /// "same" padding computed for the input side (the official model pads for 456 px instead).
    pub fn tiny_at(side: usize) -> Self {
        let official = Self::official();
        MammoRgConfig {
            name: "tiny".into(),
            image_size: side,
            encoder: EfficientNetConfig {
                width_coefficient: 0.25,
                depth_coefficient: 0.5,
                head_base_channels: 512,
                padding_reference_size: side,
                ..official.encoder
            },
            graph: GraphConfig { node_feature_dim: 64, num_rgcn_layers: 2, num_attention_heads: 4, ..official.graph },
            retrieval: RetrievalConfig { database_size: 64, embed_dim: 64 },
            heads: OFFICIAL_HEADS,
            llm: LlamaConfig {
                vocab_size: 1024,
                hidden_size: 192,
                intermediate_size: 512,
                num_hidden_layers: 2,
                num_attention_heads: 6,
                num_key_value_heads: 6,
                rms_norm_eps: 1e-5,
                rope_theta: 10000.0,
                max_position_embeddings: 1024,
            },
            lora: None,
            special_tokens: official.special_tokens,
            layer_norm_eps: 1e-5,
        }
    }

    /// Width of a visual token (the encoder's head channels; 2048 for B5).
    pub fn vision_hidden(&self) -> usize {
        self.encoder.hidden_size()
    }

    /// Visual tokens per view (16 x 16 = 256 for 512 px through a stride-32 encoder).
    pub fn tokens_per_view(&self) -> usize {
        let side = self.image_size.div_ceil(self.encoder.total_stride());
        side * side
    }

    /// Length of the spliced visual block: 4 x (graph token + patch tokens) + report token.
    pub fn visual_sequence_len(&self) -> usize {
        4 * (1 + self.tokens_per_view()) + 1
    }

    /// Checks the invariants the modules rely on.
    pub fn validate(&self) -> Result<()> {
        let fail = |m: String| Err(MammoRgError::Config(m));
        let hidden = self.vision_hidden();
        if self.graph.nodes.len() != self.heads.num_nodes() {
            return fail(format!("{} graph nodes but head groups sum to {}", self.graph.nodes.len(), self.heads.num_nodes()));
        }
        if let Some(e) = self.graph.edges.iter().find(|[s, r, d]| {
            *s >= self.graph.nodes.len() || *d >= self.graph.nodes.len() || *r >= self.graph.num_relations
        }) {
            return fail(format!("edge {e:?} is out of range"));
        }
        if !hidden.is_multiple_of(self.graph.num_attention_heads) {
            return fail(format!("vision width {hidden} not divisible by {} heads", self.graph.num_attention_heads));
        }
        let llm = &self.llm;
        if !llm.hidden_size.is_multiple_of(llm.num_attention_heads) || !llm.num_attention_heads.is_multiple_of(llm.num_key_value_heads) {
            return fail("llm head counts do not divide the hidden size".into());
        }
        if !llm.head_dim().is_multiple_of(2) {
            return fail("rotary embeddings need an even head dimension".into());
        }
        if self.heads.birads + 1 != self.heads.diagnoses {
            return fail("diagnoses must be the BI-RADS classes plus breast cancer".into());
        }
        Ok(())
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(|source| MammoRgError::Json { path: path.into(), source })?;
        std::fs::write(path, json).map_err(|e| MammoRgError::io(path, e))
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| MammoRgError::io(path, e))?;
        let cfg: Self = serde_json::from_str(&text).map_err(|source| MammoRgError::Json { path: path.into(), source })?;
        cfg.validate()?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_matches_b5_and_llava_sizes() {
        let c = MammoRgConfig::official();
        c.validate().expect("valid");
        assert_eq!(c.encoder.round_filters(32), 48);
        assert_eq!(c.vision_hidden(), 2048);
        assert_eq!(c.encoder.num_blocks(), 39);
        let widths: Vec<_> = c.encoder.stages.iter().map(|s| c.encoder.round_filters(s.output_filters)).collect();
        assert_eq!(widths, [24, 40, 64, 128, 176, 304, 512]);
        assert_eq!(c.tokens_per_view(), 256);
        assert_eq!(c.visual_sequence_len(), 1029);
    }

    #[test]
    fn tiny_is_valid_and_small() {
        let c = MammoRgConfig::tiny();
        c.validate().expect("valid");
        assert_eq!(c.vision_hidden(), 128);
        assert_eq!(c.tokens_per_view(), 16);
        assert_eq!(c.encoder.num_blocks(), 10);
        let larger = MammoRgConfig::tiny_at(256);
        larger.validate().expect("valid");
        assert_eq!((larger.tokens_per_view(), larger.visual_sequence_len()), (64, 261));
    }

    #[test]
    fn config_json_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.json");
        let c = MammoRgConfig::tiny();
        c.save(&path).expect("save");
        assert_eq!(MammoRgConfig::load(&path).expect("load"), c);
    }
}
