//! Training steps: stage 1 (classification of the graph and report branches) and stage 2
//! (next-token loss on the report), AdamW over a named subset of the variables; [`pipeline`]
//! runs the three stages over a folder of studies and writes a checkpoint.

mod accuracy;
mod lesion_map;
mod pipeline;
mod probe;

pub use accuracy::{stage1_accuracy, Stage1Accuracy};
pub use lesion_map::{lesion_map, lesion_targets, LesionMap, MarkedLesion, LESION_CHANNELS};
pub use pipeline::{encode_all, train, EpochStats, TrainOptions, TrainSummary};
pub use probe::{EncoderProbe, LesionDetection};

use crate::config::HeadsConfig;
use crate::error::{MammoRgError, Result};
use crate::heads::{stage1_loss, Stage1Targets};
use crate::model::{MammoRg, VisualFeatures};
use crate::params;
use crate::terms::Relation;
use crate::tokenizer::PromptIds;
use candle_core::{DType, Device, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

/// Labels of one study. Index 0 of every pair is the right breast, 1 the left.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stage1Labels {
    /// Density class (0–3 = a–d); `None` = not stated (masked).
    pub density: [Option<usize>; 2],
    /// BI-RADS class index into `terms::BIRADS_CLASSES`; `None` = not stated.
    pub birads: [Option<usize>; 2],
    /// Per finding (order of `terms::FINDING_TERMS`): `Some(true)` present, `Some(false)` stated
    /// absent, `None` uncertain or not mentioned (masked).
    pub findings: [[Option<bool>; 10]; 2],
    /// `(relation, finding index, object index within its group)` triples.
    pub relations: Vec<(Relation, usize, usize)>,
    /// Where the lesions lie on each view, when known (simulated studies); trains the encoder
    /// probe's patch head.
    pub lesions: Option<LesionMap>,
}

/// Stacks labels into target tensors (f32, class indices u32).
pub fn stage1_targets(labels: &[Stage1Labels], heads: &HeadsConfig, device: &Device) -> Result<Stage1Targets> {
    let b = labels.len();
    let class = |pick: &dyn Fn(&Stage1Labels) -> Option<usize>| -> Result<(Tensor, Tensor)> {
        let idx: Vec<u32> = labels.iter().map(|l| pick(l).unwrap_or(0) as u32).collect();
        let mask: Vec<f32> = labels.iter().map(|l| if pick(l).is_some() { 1.0 } else { 0.0 }).collect();
        Ok((Tensor::new(idx, device)?, Tensor::new(mask, device)?))
    };
    let status = |side: usize| -> Result<(Tensor, Tensor)> {
        let target: Vec<f32> =
            labels.iter().flat_map(|l| l.findings[side].iter().map(|s| if *s == Some(true) { 1.0 } else { 0.0 })).collect();
        let mask: Vec<f32> =
            labels.iter().flat_map(|l| l.findings[side].iter().map(|s| if s.is_some() { 1.0 } else { 0.0 })).collect();
        Ok((Tensor::from_vec(target, (b, heads.findings), device)?, Tensor::from_vec(mask, (b, heads.findings), device)?))
    };
    let relation = |rel: Relation, objects: usize| -> Result<Tensor> {
        let mut hot = vec![0f32; b * heads.findings * objects];
        for (i, l) in labels.iter().enumerate() {
            for &(r, f, o) in &l.relations {
                if r == rel {
                    if f >= heads.findings || o >= objects {
                        return Err(MammoRgError::Input(format!("relation ({f}, {o}) out of range")));
                    }
                    hot[(i * heads.findings + f) * objects + o] = 1.0;
                }
            }
        }
        Ok(Tensor::from_vec(hot, (b, heads.findings, objects), device)?)
    };
    for l in labels {
        let bad = l.density.iter().flatten().any(|&d| d >= heads.densities) || l.birads.iter().flatten().any(|&c| c >= heads.birads);
        if bad {
            return Err(MammoRgError::Input("density or BI-RADS class out of range".into()));
        }
    }
    Ok(Stage1Targets {
        density: [class(&|l| l.density[0])?, class(&|l| l.density[1])?],
        birads: [class(&|l| l.birads[0])?, class(&|l| l.birads[1])?],
        status: [status(0)?, status(1)?],
        located_at: relation(Relation::LocatedAt, heads.locations)?,
        suggestive_of: relation(Relation::SuggestiveOf, heads.diagnoses)?,
        modified_by: relation(Relation::ModifiedBy, heads.descriptors)?,
    })
}

/// Which variables a training phase updates (names as in the checkpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainPhase {
    /// Graph branch (R-GCN, node features, cross-attention), retrieval adapters and both head
    /// sets; the official stage 1.
    Stage1,
    /// Projectors and the token embedding / output matrices (stage 2a; the official run masks the
    /// gradient to the 70 term rows, here whole matrices train).
    Stage2Alignment,
    /// Projectors, embeddings and LoRA adapters when configured, otherwise the whole decoder
    /// (stage 2b; full fine-tuning is meant for `tiny`).
    Stage2Finetune,
    /// Everything except buffers (report database, batch-norm statistics): `tiny` from scratch.
    All,
}

impl TrainPhase {
    /// Whether gradients flow into the encoder (only [`TrainPhase::All`]).
    pub fn trains_encoder(self) -> bool {
        self == TrainPhase::All
    }

    pub fn includes(self, name: &str, has_lora: bool) -> bool {
        let buffer = name.ends_with("running_mean") || name.ends_with("running_var") || name == crate::retrieval::REPORT_DB_TENSOR;
        if buffer {
            return false;
        }
        let projector = name.starts_with("model.mm_projector");
        let embeddings = name.starts_with("model.embed_tokens") || name.starts_with("lm_head");
        match self {
            TrainPhase::Stage1 => ["model.graph_model", "model.cross_module", "model.probing", "model.patient_rag"]
                .iter()
                .any(|p| name.starts_with(p)),
            TrainPhase::Stage2Alignment => projector || embeddings,
            TrainPhase::Stage2Finetune => {
                let decoder = if has_lora {
                    name.contains(".lora_A.") || name.contains(".lora_B.")
                } else {
                    name.starts_with("model.layers.") || name == "model.norm.weight"
                };
                projector || embeddings || decoder
            }
            TrainPhase::All => true,
        }
    }
}

/// AdamW over the variables of one phase (and of the [`EncoderProbe`] when the phase trains
/// the encoder).
#[derive(Debug)]
pub struct Trainer {
    optimizer: AdamW,
    phase: TrainPhase,
    num_params: usize,
    probe: Option<EncoderProbe>,
}

impl Trainer {
    /// A trainer with the encoder probe whenever the phase trains the encoder.
    pub fn new(model: &MammoRg, phase: TrainPhase, learning_rate: f64) -> Result<Self> {
        Self::with_encoder_probe(model, phase, learning_rate, true)
    }

    /// `encoder_probe = false` trains the encoder from the official heads alone (the ablation
    /// the probe is measured against).
    pub fn with_encoder_probe(model: &MammoRg, phase: TrainPhase, learning_rate: f64, encoder_probe: bool) -> Result<Self> {
        if !model.is_trainable() {
            return Err(MammoRgError::Config("the model was built frozen; build it with trainable = true".into()));
        }
        let has_lora = model.config().lora.is_some();
        let mut vars: Vec<Var> = params::named_vars(model.varmap())
            .into_iter()
            .filter(|(n, _)| phase.includes(n, has_lora))
            .map(|(_, v)| v)
            .collect();
        if vars.is_empty() {
            return Err(MammoRgError::Config(format!("no trainable variables for {phase:?}")));
        }
        let num_params = vars.iter().map(|v| v.elem_count()).sum();
        let probe = if encoder_probe && phase.trains_encoder() { Some(EncoderProbe::new(model.config(), model.device())?) } else { None };
        vars.extend(probe.iter().flat_map(EncoderProbe::vars));
        let params = ParamsAdamW { lr: learning_rate, weight_decay: 0.0, ..Default::default() };
        Ok(Trainer { optimizer: AdamW::new(vars, params)?, phase, num_params, probe })
    }

    pub fn phase(&self) -> TrainPhase {
        self.phase
    }

    /// Number of the model's scalars being trained (the probe's are not counted: they are not
    /// part of the model).
    pub fn num_params(&self) -> usize {
        self.num_params
    }

    /// The encoder probe training beside this phase, if any.
    pub fn probe(&self) -> Option<&EncoderProbe> {
        self.probe.as_ref()
    }

    pub fn set_learning_rate(&mut self, lr: f64) {
        self.optimizer.set_learning_rate(lr);
    }

    /// One stage-1 step on views `[B, 4, 3, S, S]`; returns the loss before the update.
    /// With the encoder training, the probe's loss joins the mean of the two branches' losses.
    pub fn stage1_step(&mut self, model: &MammoRg, views: &Tensor, labels: &[Stage1Labels]) -> Result<f32> {
        let loss = stage1_loss_with(model, views, labels, self.phase.trains_encoder(), self.probe.as_ref())?;
        self.apply(model, &loss)
    }

    /// One stage-2 step: next-token loss on `targets` (report ids ending with EOS) after the
    /// spliced prompt; returns the loss before the update.
    pub fn stage2_step(&mut self, model: &MammoRg, views: &Tensor, prompt: &PromptIds, targets: &[Vec<u32>]) -> Result<f32> {
        let loss = stage2_batch_loss(model, views, prompt, targets, self.phase.trains_encoder())?;
        self.apply(model, &loss)
    }

    /// [`Self::stage2_step`] on precomputed (detached) visual features: the encoder, graph and
    /// retrieval branches are frozen in stage 2, so their output can be computed once per study.
    pub fn stage2_step_features(&mut self, model: &MammoRg, features: &VisualFeatures, prompt: &PromptIds, targets: &[Vec<u32>]) -> Result<f32> {
        let loss = stage2_loss_from_features(model, features, prompt, targets)?;
        self.apply(model, &loss)
    }

    fn apply(&mut self, model: &MammoRg, loss: &Tensor) -> Result<f32> {
        let value = loss.to_dtype(DType::F32)?.to_scalar::<f32>()?;
        if !value.is_finite() {
            return Err(MammoRgError::Input(format!("non-finite loss {value}")));
        }
        self.optimizer.backward_step(loss)?;
        model.clear_caches();
        Ok(value)
    }
}

/// Stage-1 loss: the mean of the graph-branch and report-branch losses.
pub fn stage1_batch_loss(model: &MammoRg, views: &Tensor, labels: &[Stage1Labels], train_encoder: bool) -> Result<Tensor> {
    stage1_loss_with(model, views, labels, train_encoder, None)
}

fn stage1_loss_with(model: &MammoRg, views: &Tensor, labels: &[Stage1Labels], train_encoder: bool, probe: Option<&EncoderProbe>) -> Result<Tensor> {
    if views.dim(0)? != labels.len() {
        return Err(MammoRgError::Input("one label set per study is needed".into()));
    }
    let features = model.encode_for_training(views, train_encoder)?;
    let (graph, report) = model.stage1(&features)?;
    let targets = stage1_targets(labels, &model.config().heads, model.device())?;
    let probe_loss = probe.map(|p| p.loss(&features.patches, &targets)).transpose()?.flatten();
    let lesion_loss = probe.map(|p| p.lesion_loss(&features.patches, labels)).transpose()?.flatten();
    let parts: Vec<Tensor> = [stage1_loss(&graph, &targets)?, stage1_loss(&report, &targets)?, probe_loss, lesion_loss]
        .into_iter()
        .flatten()
        .collect();
    if parts.is_empty() {
        return Err(MammoRgError::Input("the batch has no stage-1 labels".into()));
    }
    let n = parts.len() as f64;
    Ok((Tensor::stack(&parts, 0)?.sum_all()? / n)?)
}

/// Stage-2 loss: mean next-token cross-entropy over the target tokens (prompt and padding do
/// not count, like the official -100 labels).
pub fn stage2_batch_loss(
    model: &MammoRg,
    views: &Tensor,
    prompt: &PromptIds,
    targets: &[Vec<u32>],
    train_encoder: bool,
) -> Result<Tensor> {
    let features = model.encode_for_training(views, train_encoder)?;
    stage2_loss_from_features(model, &features, prompt, targets)
}

/// The stage-2 loss of [`stage2_batch_loss`] from visual features.
pub fn stage2_loss_from_features(model: &MammoRg, features: &VisualFeatures, prompt: &PromptIds, targets: &[Vec<u32>]) -> Result<Tensor> {
    let b = features.report_token.dim(0)?;
    if b != targets.len() || targets.iter().any(|t| t.is_empty()) {
        return Err(MammoRgError::Input("one non-empty target per study is needed".into()));
    }
    let device = model.device();
    let visual = model.visual_embeddings(features)?;
    let context = model.prompt_embeddings(prompt, &visual)?;
    let t_max = targets.iter().map(Vec::len).max().unwrap_or(0);
    let pad = model.config().special_tokens.pad_id;
    let ids: Vec<u32> = targets.iter().flat_map(|t| t.iter().copied().chain(std::iter::repeat_n(pad, t_max - t.len()))).collect();
    let mask: Vec<f32> = targets.iter().flat_map(|t| (0..t_max).map(move |i| if i < t.len() { 1.0 } else { 0.0 })).collect();
    let ids = Tensor::from_vec(ids, (b, t_max), device)?;
    let mask = Tensor::from_vec(mask, (b, t_max), device)?;
    let target_embeds = model.llm().embed(&ids)?.to_dtype(context.dtype())?;
    let embeds = Tensor::cat(&[&context, &target_embeds], 1)?;
    // Padding sits at the end (right), so the causal mask alone keeps it out of real positions.
    let hidden = model.llm().forward_embeds(&embeds, None, None)?;
    let p = context.dim(1)?;
    // Position p-1+i predicts target token i.
    let logits = model.llm().logits(&hidden.narrow(1, p - 1, t_max)?)?;
    let logp = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
    let picked = logp.gather(&ids.unsqueeze(2)?, 2)?.squeeze(2)?;
    let count = mask.sum_all()?.to_scalar::<f32>()? as f64;
    Ok((picked.mul(&mask)?.sum_all()?.neg()? / count)?)
}
