//! The assembled MammoRG model: encoder, knowledge-graph and retrieval tokens, stage-1 heads,
//! projectors and the LLaMA decoder, with the visual block spliced in the official order
//! `[g_RCC, X_RCC, g_RMLO, X_RMLO, g_LCC, X_LCC, g_LMLO, X_LMLO, r]`.

use crate::config::MammoRgConfig;
use crate::efficientnet::EfficientNet;
use crate::error::{MammoRgError, Result};
use crate::graph::{GraphCrossAttention, GraphModel};
use crate::heads::{Probing, Stage1Logits};
use crate::llama::Llama;
use crate::params;
use crate::retrieval::ReportRetrieval;
use crate::tokenizer::PromptIds;
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Linear, VarBuilder, VarMap};
use mammoflow_domain::View;
use std::collections::HashMap;
use std::sync::Mutex;

/// View order of the input tensor's second axis (official: R_CC, R_MLO, L_CC, L_MLO).
pub const VIEW_ORDER: [View; 4] = [View::Rcc, View::Rmlo, View::Lcc, View::Lmlo];

/// One breast's two views (CC, MLO) of a per-view tensor `[B, 4, ...]` in [`VIEW_ORDER`]:
/// `breast` 0 = right (views 0-1), 1 = left (views 2-3).
pub(crate) fn breast_views(per_view: &Tensor, breast: usize) -> candle_core::Result<Tensor> {
    per_view.narrow(1, 2 * breast, 2)
}

/// Checkpoint prefix of the encoder (the VersaMammo keys, kept verbatim).
pub const ENCODER_PREFIX: &str = "module.image_encoder";

/// LLaVA `mlp2x_gelu`: Linear(d, H), GELU (erf), Linear(H, H); names `0` and `2`.
#[derive(Debug, Clone)]
pub struct Projector {
    fc1: Linear,
    fc2: Linear,
}

impl Projector {
    pub fn new(c_in: usize, c_out: usize, vb: VarBuilder) -> candle_core::Result<Self> {
        Ok(Projector { fc1: candle_nn::linear(c_in, c_out, vb.pp("0"))?, fc2: candle_nn::linear(c_out, c_out, vb.pp("2"))? })
    }
}

impl Module for Projector {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.fc2.forward(&self.fc1.forward(x)?.gelu_erf()?)
    }
}

/// What the image side produces for a batch of studies.
#[derive(Debug, Clone)]
pub struct VisualFeatures {
    /// Patch tokens `[B, 4, L, d]` in [`VIEW_ORDER`].
    pub patches: Tensor,
    /// Graph tokens `[B, 4, d]`.
    pub graph_tokens: Tensor,
    /// Report-retrieval token `[B, d]`.
    pub report_token: Tensor,
}

pub struct MammoRg {
    pub(crate) cfg: MammoRgConfig,
    encoder: EfficientNet,
    graph: GraphModel,
    cross: GraphCrossAttention,
    retrieval: ReportRetrieval,
    probing1: Probing,
    probing2: Probing,
    proj_image: Projector,
    proj_graph: Projector,
    proj_report: Projector,
    pub(crate) llm: Llama,
    pub(crate) varmap: VarMap,
    /// Node embeddings G, computed once for inference (they do not depend on the images).
    graph_cache: Mutex<Option<Tensor>>,
    trainable: bool,
    dtype: DType,
    device: Device,
}

impl std::fmt::Debug for MammoRg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MammoRg")
            .field("config", &self.cfg.name)
            .field("tensors", &self.tensor_names().len())
            .field("dtype", &self.dtype)
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

impl MammoRg {
    /// Random weights, seeded per tensor name (deterministic across runs). `trainable` models
    /// track gradients (needed by [`crate::Trainer`]); frozen ones do not keep activations alive.
    pub fn new_random(cfg: &MammoRgConfig, seed: u64, trainable: bool, dtype: DType, device: &Device) -> Result<Self> {
        Self::from_tensors(cfg, HashMap::new(), seed, trainable, dtype, device).map(|(m, _)| m)
    }

    /// Weights from named tensors (a loaded checkpoint). Tensors the configuration does not use
    /// are returned by name; tensors it needs but that are missing are initialised from `seed`
    /// (e.g. fresh LoRA adapters), and listed by [`Self::tensor_names`] like every other one.
    pub fn from_tensors(
        cfg: &MammoRgConfig,
        tensors: HashMap<String, Tensor>,
        seed: u64,
        trainable: bool,
        dtype: DType,
        device: &Device,
    ) -> Result<(Self, Vec<String>)> {
        cfg.validate()?;
        let (varmap, vb, leftover) = params::builder(tensors, seed, trainable, dtype, device);
        let d = cfg.vision_hidden();
        let h = cfg.llm.hidden_size;
        let eps = cfg.layer_norm_eps;
        let m = vb.pp("model");
        // The graph branch runs in f32 as in the official code (tiny values, LayerNorm chains).
        let graph = GraphModel::new(&cfg.graph, d, eps, m.pp("graph_model").set_dtype(DType::F32))?;
        let model = MammoRg {
            encoder: EfficientNet::new(&cfg.encoder, vb.pp(ENCODER_PREFIX))?,
            graph,
            cross: GraphCrossAttention::new(d, cfg.graph.num_attention_heads, eps, m.pp("cross_module"))?,
            retrieval: ReportRetrieval::new(&cfg.retrieval, d, eps, m.pp("patient_rag"))?,
            probing1: Probing::new(2 * d, 4 * d, &cfg.heads, m.pp("probing.probing1"))?,
            probing2: Probing::new(d, d, &cfg.heads, m.pp("probing.probing2"))?,
            proj_image: Projector::new(d, h, m.pp("mm_projector1.projector1"))?,
            proj_graph: Projector::new(d, h, m.pp("mm_projector1.projector2"))?,
            proj_report: Projector::new(d, h, m.pp("mm_projector2.projector1"))?,
            llm: Llama::new(&cfg.llm, cfg.lora, vb.clone())?,
            varmap,
            graph_cache: Mutex::new(None),
            trainable,
            dtype,
            device: device.clone(),
            cfg: cfg.clone(),
        };
        let mut unused: Vec<String> = leftover.lock().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        unused.sort();
        Ok((model, unused))
    }

    pub fn config(&self) -> &MammoRgConfig {
        &self.cfg
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Whether the weights track gradients (built for training).
    pub fn is_trainable(&self) -> bool {
        self.trainable
    }

    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The variables (every weight) by checkpoint name.
    pub fn varmap(&self) -> &VarMap {
        &self.varmap
    }

    /// Every tensor name of the model, sorted.
    pub fn tensor_names(&self) -> Vec<String> {
        params::named_vars(&self.varmap).into_iter().map(|(n, _)| n).collect()
    }

    pub fn llm(&self) -> &Llama {
        &self.llm
    }

    /// Forgets cached inference state; call after changing weights.
    pub fn clear_caches(&self) {
        if let Ok(mut c) = self.graph_cache.lock() {
            *c = None;
        }
    }

    /// Node embeddings G `[N, d]`: recomputed when training, cached otherwise.
    fn node_embeddings(&self, train: bool) -> Result<Tensor> {
        if train {
            return Ok(self.graph.forward()?.to_dtype(self.dtype)?);
        }
        let mut cache = self.graph_cache.lock().map_err(|_| MammoRgError::Input("poisoned graph cache".into()))?;
        if let Some(g) = cache.as_ref() {
            return Ok(g.clone());
        }
        let g = self.graph.forward()?.to_dtype(self.dtype)?.detach();
        *cache = Some(g.clone());
        Ok(g)
    }

    /// Views `[B, 4, 3, S, S]` (values in [-1, 1], [`VIEW_ORDER`]) to visual features, for
    /// inference (node embeddings cached).
    pub fn encode(&self, views: &Tensor) -> Result<VisualFeatures> {
        self.encode_impl(views, false, false)
    }

    /// [`Self::encode`] for a training step: node embeddings recomputed; the encoder's output is
    /// detached unless `train_encoder` (it is frozen in every official stage).
    pub fn encode_for_training(&self, views: &Tensor, train_encoder: bool) -> Result<VisualFeatures> {
        self.encode_impl(views, true, train_encoder)
    }

    fn encode_impl(&self, views: &Tensor, train: bool, train_encoder: bool) -> Result<VisualFeatures> {
        let (b, v, c, s1, s2) = views.dims5()?;
        if v != 4 || c != 3 || s1 != self.cfg.image_size || s2 != self.cfg.image_size {
            return Err(MammoRgError::Input(format!(
                "expected views [B, 4, 3, {s}, {s}], got {:?}",
                views.dims(),
                s = self.cfg.image_size
            )));
        }
        let images = views.reshape((b * 4, c, s1, s2))?.to_dtype(self.dtype)?;
        let mut tokens = self.encoder.forward_t(&images, train_encoder)?;
        if !train_encoder {
            tokens = tokens.detach();
        }
        let (_, l, d) = tokens.dims3()?;
        let patches = tokens.reshape((b, 4, l, d))?;
        let nodes = self.node_embeddings(train)?;
        let graph_tokens = self.cross.forward(&tokens, &nodes)?.reshape((b, 4, d))?;
        let per_view: [Tensor; 4] = [patches.get_on_dim(1, 0)?, patches.get_on_dim(1, 1)?, patches.get_on_dim(1, 2)?, patches.get_on_dim(1, 3)?];
        let report_token = self.retrieval.forward(&per_view)?;
        Ok(VisualFeatures { patches, graph_tokens, report_token })
    }

    /// Stage-1 logits of the graph branch (`probing1`) and the report branch (`probing2`).
    pub fn stage1(&self, f: &VisualFeatures) -> Result<(Stage1Logits, Stage1Logits)> {
        let b = f.graph_tokens.dim(0)?;
        let d = f.graph_tokens.dim(2)?;
        let right = breast_views(&f.graph_tokens, 0)?.reshape((b, 2 * d))?;
        let left = breast_views(&f.graph_tokens, 1)?.reshape((b, 2 * d))?;
        let exam = f.graph_tokens.reshape((b, 4 * d))?;
        let graph = self.probing1.forward(&right, &left, &exam)?;
        let r = &f.report_token;
        let report = self.probing2.forward(r, r, r)?;
        Ok((graph, report))
    }

    /// The projected visual block `[B, 4 (1 + L) + 1, H]`.
    pub fn visual_embeddings(&self, f: &VisualFeatures) -> Result<Tensor> {
        let graph = self.proj_graph.forward(&f.graph_tokens)?;
        let patches = self.proj_image.forward(&f.patches)?;
        let report = self.proj_report.forward(&f.report_token)?;
        let mut parts = Vec::with_capacity(9);
        for v in 0..4 {
            parts.push(graph.narrow(1, v, 1)?);
            parts.push(patches.get_on_dim(1, v)?);
        }
        parts.push(report.unsqueeze(1)?);
        Ok(Tensor::cat(&parts, 1)?)
    }

    /// Input embeddings of `prompt.before | visual | prompt.after` for every study `[B, T, H]`.
    pub fn prompt_embeddings(&self, prompt: &PromptIds, visual: &Tensor) -> Result<Tensor> {
        let (b, _, h) = visual.dims3()?;
        let embed = |ids: &[u32]| -> Result<Tensor> {
            let t = Tensor::new(ids, &self.device)?.unsqueeze(0)?;
            Ok(self.llm.embed(&t)?.broadcast_as((b, ids.len(), h))?)
        };
        let mut parts = vec![embed(&prompt.before)?, visual.clone()];
        if !prompt.after.is_empty() {
            parts.push(embed(&prompt.after)?);
        }
        Ok(Tensor::cat(&parts, 1)?)
    }

    /// Folds every LoRA adapter into its base weight and drops the adapter tensors, for
    /// inference; the configuration's `lora` becomes `None`.
    pub fn merge_lora(&mut self) -> Result<()> {
        let mut vars = self.varmap.data().lock().map_err(|_| MammoRgError::Input("poisoned var map".into()))?;
        for layer in self.llm.linears_mut() {
            if !layer.has_adapter() {
                continue;
            }
            let merged = layer.merged_weight()?;
            let prefix = layer.prefix().to_string();
            let var = vars
                .get(&format!("{prefix}.weight"))
                .ok_or_else(|| MammoRgError::Config(format!("no variable {prefix}.weight")))?;
            // The layer's weight shares this variable's storage, so the update is seen in place.
            var.set(&merged)?;
            vars.remove(&format!("{prefix}.lora_A.weight"));
            vars.remove(&format!("{prefix}.lora_B.weight"));
            layer.drop_adapter();
        }
        self.cfg.lora = None;
        Ok(())
    }
}
