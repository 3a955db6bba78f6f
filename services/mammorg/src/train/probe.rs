//! The encoder probe: training-only stage-1 heads read straight from the patch tokens, used
//! when `tiny` trains its encoder from scratch.
//!
//! The official encoder arrives pretrained on mammograms and stays frozen; what it knows about
//! lesions reaches the decoder through the image tokens. A from-scratch encoder learns only
//! from the stage-1 heads, and those read the graph and report tokens, which are means over
//! every patch and nearly the same for every input (mammorg.md §3–4): a 10 mm lesion in one of
//! sixteen patches barely moves them. Trained that way the demo encoder learned breast density
//! and nothing of lesions (its BI-RADS head answered "1" for every breast). The probe gives the
//! encoder the signal pretraining would have: the same head set ([`Probing`]) on the maximum of
//! each channel over a breast's two views (over all four for the exam-level heads), where a
//! small bright lesion is not averaged away. Its weights live in their own map and are never
//! saved: the checkpoint keeps exactly the official module graph.

use crate::error::Result;
use crate::config::MammoRgConfig;
use super::{stage1_accuracy, Stage1Accuracy, Stage1Labels};
use crate::generate::stage1_probabilities;
use crate::heads::{stage1_loss, Probing, Stage1Logits, Stage1Targets};
use crate::model::breast_views;
use crate::params;
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;
use std::collections::HashMap;

const PROBE_SEED: u64 = 0x7072_6f62;

pub struct EncoderProbe {
    heads: Probing,
    varmap: VarMap,
}

impl std::fmt::Debug for EncoderProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncoderProbe").field("tensors", &self.varmap.all_vars().len()).finish_non_exhaustive()
    }
}

impl EncoderProbe {
    /// Fresh heads from a fixed seed (they only need to start the same way on every run).
    pub fn new(cfg: &MammoRgConfig, device: &Device) -> Result<Self> {
        let d = cfg.vision_hidden();
        let (varmap, vb, _) = params::builder(HashMap::new(), PROBE_SEED, true, DType::F32, device);
        let heads = Probing::new(d, d, &cfg.heads, vb.pp("encoder_probe"))?;
        Ok(EncoderProbe { heads, varmap })
    }

    pub fn vars(&self) -> Vec<Var> {
        self.varmap.all_vars()
    }

    /// The probe's stage-1 logits on patch tokens `[B, 4, L, d]` in `VIEW_ORDER`.
    pub fn logits(&self, patches: &Tensor) -> Result<Stage1Logits> {
        let patches = patches.to_dtype(DType::F32)?;
        let (b, _, l, d) = patches.dims4()?;
        let breast = |i: usize| breast_views(&patches, i)?.reshape((b, 2 * l, d))?.max(1);
        let exam = patches.reshape((b, 4 * l, d))?.max(1)?;
        Ok(self.heads.forward(&breast(0)?, &breast(1)?, &exam)?)
    }

    /// Stage-1 loss of the probe on patch tokens `[B, 4, L, d]` in `VIEW_ORDER`.
    pub fn loss(&self, patches: &Tensor, targets: &Stage1Targets) -> Result<Option<Tensor>> {
        Ok(stage1_loss(&self.logits(patches)?, targets)?)
    }

    /// The probe's per-breast accuracy on patch tokens against `labels` (one per study).
    pub fn accuracy(&self, patches: &Tensor, labels: &[&Stage1Labels]) -> Result<Stage1Accuracy> {
        let logits = self.logits(patches)?;
        Ok(stage1_accuracy(labels, &stage1_probabilities(&logits, &logits)?))
    }
}
