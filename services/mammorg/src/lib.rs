//! MammoRG (Zhu et al., arXiv:2605.31093) in candle, module for module: an EfficientNet encoder
//! for the four views, a knowledge-graph token and a report-retrieval token per study, stage-1
//! classification heads, projectors, and a LLaMA decoder that writes the report with clinical
//! terms as single tokens. See `shared/reference/mammorg.md` for the official model.
//!
//! Layout: [`config`] (official and tiny sizes, `config.json`), [`efficientnet`], [`graph`]
//! (R-GCN + cross-attention), [`retrieval`], [`heads`], [`llama`] + [`lora`], [`model`]
//! (assembly and splice order), [`tokenizer`] + [`terms`], [`generate`] (greedy, KV cache),
//! [`checkpoint`], [`train`] (steps and the three-stage run over a folder of studies),
//! [`preprocess`] (DICOM display image to model input: breast crop, orientation, resize),
//! [`data`] (study folders to labels, planes and the retrieval database), [`infer`] (reports
//! for DICOM studies).
//!
//! # Tensor names (checkpoint = official names)
//!
//! | Module | Names | Official source |
//! |---|---|---|
//! | encoder | `module.image_encoder.{_conv_stem,_bn0,_blocks.{i}.*,_conv_head,_bn1}` | VersaMammo `.pth`, verbatim |
//! | R-GCN | `model.graph_model.model.{in_conv,in_norm,convs.{i},norms.{i},out_norm}.*` (`weight` `[R,in,out]`, `root` `[in,out]`) | `non_lora_trainables.bin` |
//! | node features | `model.graph_model.node_features` `[70, 768]` | **not official**: export the BERT [CLS] features (or use G directly) |
//! | cross-attention | `model.cross_module.img2graph.{q,k,v,out}_proj.*`, `model.cross_module.post_norm.*` | same |
//! | retrieval | `model.patient_rag.{adapter1,adapter2,norm}.*` | same |
//! | report database | `model.patient_rag.report_db` `[N, 768]` | **not official**: the authors' JSON database |
//! | heads | `model.probing.probing{1,2}.{left,right}_{density,birads,status}_classifier.*`, `…{located_at,suggestive_of,modified_by}_classifier.*` | same |
//! | projectors | `model.mm_projector1.projector{1,2}.{0,2}.*`, `model.mm_projector2.projector1.{0,2}.*` | same |
//! | decoder | `model.embed_tokens.weight`, `model.layers.{i}.…`, `model.norm.weight`, `lm_head.weight` | HF LLaMA |
//! | LoRA | `model.layers.{i}.{self_attn,mlp}.*_proj.lora_{A,B}.weight` | PEFT key minus `base_model.model.` |
//!
//! Converting the official release: load the VersaMammo state dict (keys kept), Vicuna with the
//! LLaVA-Mammo LoRA merged, the 70 term rows, `non_lora_trainables.bin` (drop a leading
//! `base_model.`, then one `model.` of `model.model.`), merge the MammoRG LoRA (or keep it as
//! `lora_A`/`lora_B` with `lora` in `config.json`), add the node features and the report
//! database, and write everything to one `model.safetensors`. The official graph uses Chinese
//! node names and its own `KG.json` edges: put those in `config.json` (`graph.nodes`,
//! `graph.edges`); the defaults here are the English graph of [`terms`].

pub mod checkpoint;
pub mod config;
pub mod data;
mod depthwise;
pub mod efficientnet;
pub mod error;
pub mod generate;
pub mod graph;
pub mod heads;
pub mod infer;
pub mod llama;
pub mod lora;
pub mod model;
mod norm;
mod params;
pub mod preprocess;
pub mod retrieval;
pub mod terms;
pub mod tokenizer;
pub mod train;

pub use checkpoint::{Checkpoint, ModelCard};
pub use config::MammoRgConfig;
pub use error::{MammoRgError, Result};
pub use generate::{GeneratedReport, GenerationConfig, GenerationOutput, Stage1Probabilities};
pub use model::{MammoRg, VisualFeatures, VIEW_ORDER};
pub use tokenizer::{PromptIds, TermTokenizer};
pub use infer::{generate_for_studies, generate_for_study, generate_for_tensors, preprocess_study, StudyOutput};
pub use train::{train, Stage1Labels, TrainOptions, TrainPhase, TrainSummary, Trainer};
