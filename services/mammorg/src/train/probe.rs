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
//!
//! Where the studies say where their lesions are ([`LesionMap`]), a linear patch head adds a
//! per-token loss (which finding types and descriptors cover each patch): per-breast labels
//! alone let the encoder memorise its training studies instead of learning to see lesions.

use crate::error::{MammoRgError, Result};
use crate::config::MammoRgConfig;
use super::lesion_map::{lesion_targets, LesionMap, LESION_CHANNELS};
use super::{stage1_accuracy, Stage1Accuracy, Stage1Labels};
use crate::generate::stage1_probabilities;
use crate::heads::{masked_bce_balanced, stage1_loss, Probing, Stage1Logits, Stage1Targets};
use crate::model::breast_views;
use crate::params;
use candle_core::{DType, Device, Module, Tensor, Var};
use candle_nn::{Linear, VarMap};
use std::collections::HashMap;

const PROBE_SEED: u64 = 0x7072_6f62;

pub struct EncoderProbe {
    heads: Probing,
    /// Patch token -> lesion channels (finding types, then descriptors).
    lesions: Linear,
    varmap: VarMap,
}

/// How well the patch head finds lesions: the share of lesion-covered patches it flags (any
/// finding type above 0.5), the share of lesion-free patches it flags, and the area under the
/// ROC curve of its patch score (the highest finding-type logit), which does not depend on
/// where the threshold sits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LesionDetection {
    pub recall: f32,
    pub false_positive_rate: f32,
    pub auc: f32,
}

impl std::fmt::Display for LesionDetection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "lesion patches found {:.3}, clear patches flagged {:.3}, patch AUC {:.3}",
            self.recall, self.false_positive_rate, self.auc
        )
    }
}

/// Area under the ROC curve of `(score, positive)` pairs (Mann–Whitney, ties counted half);
/// NaN without both classes.
fn roc_auc(mut scored: Vec<(f32, bool)>) -> f32 {
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut rank_sum, mut i) = (0f64, 0);
    while i < scored.len() {
        let j = (i..scored.len()).find(|&j| scored[j].0 != scored[i].0).unwrap_or(scored.len());
        let mid_rank = (i + j + 1) as f64 / 2.0;
        rank_sum += mid_rank * scored[i..j].iter().filter(|s| s.1).count() as f64;
        i = j;
    }
    let positives = scored.iter().filter(|s| s.1).count() as f64;
    let negatives = scored.len() as f64 - positives;
    ((rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)) as f32
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
        let lesions = candle_nn::linear(d, LESION_CHANNELS, vb.pp("encoder_probe.lesions"))?;
        Ok(EncoderProbe { heads, lesions, varmap })
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

    /// Lesion logits and the targets and mask of the studies with a lesion map, all
    /// `[B, 4, L, LESION_CHANNELS]`; `None` when no study has a map.
    fn lesion_logits(&self, patches: &Tensor, maps: &[Option<&LesionMap>]) -> Result<Option<(Tensor, Tensor, Tensor)>> {
        let (b, _, l, _) = patches.dims4()?;
        let grid = (l as f64).sqrt().round() as usize;
        if grid * grid != l || b != maps.len() {
            return Err(MammoRgError::Input(format!("{l} patch tokens are not a square grid, or labels do not match {b} studies")));
        }
        let Some((target, mask)) = lesion_targets(maps, grid, patches.device())? else { return Ok(None) };
        let logits = self.lesions.forward(&patches.to_dtype(DType::F32)?)?;
        Ok(Some((logits, target, mask)))
    }

    /// The patch head's loss on patch tokens `[B, 4, L, d]`; `None` when no study has a map.
    pub fn lesion_loss(&self, patches: &Tensor, labels: &[Stage1Labels]) -> Result<Option<Tensor>> {
        let maps: Vec<Option<&LesionMap>> = labels.iter().map(|x| x.lesions.as_ref()).collect();
        let Some((logits, target, mask)) = self.lesion_logits(patches, &maps)? else { return Ok(None) };
        Ok(masked_bce_balanced(&logits, &target, &mask)?)
    }

    /// [`LesionDetection`] of the patch head; `None` when no study has a map.
    pub fn lesion_detection(&self, patches: &Tensor, labels: &[&Stage1Labels]) -> Result<Option<LesionDetection>> {
        let maps: Vec<Option<&LesionMap>> = labels.iter().map(|x| x.lesions.as_ref()).collect();
        let Some((logits, target, mask)) = self.lesion_logits(patches, &maps)? else { return Ok(None) };
        let findings = crate::terms::FINDING_TYPES.len();
        // Per patch: flagged = any finding type above 0.5; lesion = any type present; scored =
        // every type scored (a patch with an unmarked type could hold it, so it is left out).
        let score = logits.narrow(3, 0, findings)?.max(3)?;
        let flagged = score.gt(0.0)?.to_dtype(DType::F32)?;
        let lesion = target.narrow(3, 0, findings)?.max(3)?;
        let scored = mask.narrow(3, 0, findings)?.min(3)?;
        let count = |t: &Tensor| -> Result<f32> { Ok(t.sum_all()?.to_scalar::<f32>()?) };
        let positives = (&lesion * &scored)?;
        let negatives = ((1.0 - &lesion)? * &scored)?;
        let flat = |t: &Tensor| -> Result<Vec<f32>> { Ok(t.flatten_all()?.to_vec1::<f32>()?) };
        let (scores, lesions, scored_patches) = (flat(&score)?, flat(&lesion)?, flat(&scored)?);
        let pairs = scores.iter().zip(&lesions).zip(&scored_patches).filter(|(_, s)| **s > 0.0).map(|((x, y), _)| (*x, *y > 0.0));
        Ok(Some(LesionDetection {
            recall: count(&(&flagged * &positives)?)? / count(&positives)?,
            false_positive_rate: count(&(&flagged * &negatives)?)? / count(&negatives)?,
            auc: roc_auc(pairs.collect()),
        }))
    }

    /// The probe's per-breast accuracy on patch tokens against `labels` (one per study).
    pub fn accuracy(&self, patches: &Tensor, labels: &[&Stage1Labels]) -> Result<Stage1Accuracy> {
        let logits = self.logits(patches)?;
        Ok(stage1_accuracy(labels, &stage1_probabilities(&logits, &logits)?))
    }
}

#[cfg(test)]
mod tests {
    use super::roc_auc;

    #[test]
    fn roc_auc_ranks_positives_over_negatives() {
        assert_eq!(roc_auc(vec![(0.1, false), (0.9, true), (0.2, false), (0.8, true)]), 1.0);
        assert_eq!(roc_auc(vec![(0.9, false), (0.1, true)]), 0.0);
        // One tie between a positive and a negative counts half: (1 + 0.5) / 2.
        assert_eq!(roc_auc(vec![(0.5, true), (0.5, false), (0.1, false), (0.7, true)]), 0.875);
        assert!(roc_auc(vec![(0.5, true)]).is_nan());
    }
}
