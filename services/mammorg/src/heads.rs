//! Stage-1 heads (official `model.probing.probing{1,2}.*`) and their masked losses.
//! `probing1` reads the four graph tokens (per side: concat(CC, MLO); exam level:
//! concat(RCC, RMLO, LCC, LMLO)); `probing2` reads the report token for every head.

use crate::config::HeadsConfig;
use candle_core::{DType, Module, Result, Tensor, D};
use candle_nn::{Linear, VarBuilder};

/// Logits of one head set; per-breast heads are `[B, classes]`, relation heads
/// `[B, findings, objects]` (row = finding).
#[derive(Debug, Clone)]
pub struct Stage1Logits {
    pub right_density: Tensor,
    pub left_density: Tensor,
    pub right_birads: Tensor,
    pub left_birads: Tensor,
    pub right_status: Tensor,
    pub left_status: Tensor,
    pub located_at: Tensor,
    pub suggestive_of: Tensor,
    pub modified_by: Tensor,
}

#[derive(Debug, Clone)]
struct SideHeads {
    density: Linear,
    birads: Linear,
    status: Linear,
}

impl SideHeads {
    fn new(side: &str, c_in: usize, h: &HeadsConfig, vb: &VarBuilder) -> Result<Self> {
        Ok(SideHeads {
            density: candle_nn::linear(c_in, h.densities, vb.pp(format!("{side}_density_classifier")))?,
            birads: candle_nn::linear(c_in, h.birads, vb.pp(format!("{side}_birads_classifier")))?,
            status: candle_nn::linear(c_in, h.findings, vb.pp(format!("{side}_status_classifier")))?,
        })
    }
}

/// One head set: `probing1` (graph tokens) or `probing2` (report token).
#[derive(Debug, Clone)]
pub struct Probing {
    right: SideHeads,
    left: SideHeads,
    located_at: Linear,
    suggestive_of: Linear,
    modified_by: Linear,
    cfg: HeadsConfig,
}

impl Probing {
    /// `side_in`/`exam_in`: input widths of the per-side and exam-level heads.
    pub fn new(side_in: usize, exam_in: usize, cfg: &HeadsConfig, vb: VarBuilder) -> Result<Self> {
        let f = cfg.findings;
        Ok(Probing {
            right: SideHeads::new("right", side_in, cfg, &vb)?,
            left: SideHeads::new("left", side_in, cfg, &vb)?,
            located_at: candle_nn::linear(exam_in, f * cfg.locations, vb.pp("located_at_classifier"))?,
            suggestive_of: candle_nn::linear(exam_in, f * cfg.diagnoses, vb.pp("suggestive_of_classifier"))?,
            modified_by: candle_nn::linear(exam_in, f * cfg.descriptors, vb.pp("modified_by_classifier"))?,
            cfg: *cfg,
        })
    }

    pub fn forward(&self, right_in: &Tensor, left_in: &Tensor, exam_in: &Tensor) -> Result<Stage1Logits> {
        let b = exam_in.dim(0)?;
        let f = self.cfg.findings;
        Ok(Stage1Logits {
            right_density: self.right.density.forward(right_in)?,
            left_density: self.left.density.forward(left_in)?,
            right_birads: self.right.birads.forward(right_in)?,
            left_birads: self.left.birads.forward(left_in)?,
            right_status: self.right.status.forward(right_in)?,
            left_status: self.left.status.forward(left_in)?,
            located_at: self.located_at.forward(exam_in)?.reshape((b, f, self.cfg.locations))?,
            suggestive_of: self.suggestive_of.forward(exam_in)?.reshape((b, f, self.cfg.diagnoses))?,
            modified_by: self.modified_by.forward(exam_in)?.reshape((b, f, self.cfg.descriptors))?,
        })
    }
}

/// Stage-1 targets of a batch as tensors (built by `train::Stage1Batch`).
#[derive(Debug, Clone)]
pub struct Stage1Targets {
    /// `[B]` u32 class index per side (any value where masked) and `[B]` f32 masks.
    pub density: [(Tensor, Tensor); 2],
    pub birads: [(Tensor, Tensor); 2],
    /// `[B, findings]` f32 targets (1 = positive) and masks (1 = positive or negative stated).
    pub status: [(Tensor, Tensor); 2],
    /// Multi-hot `[B, findings, objects]`, every entry counts.
    pub located_at: Tensor,
    pub suggestive_of: Tensor,
    pub modified_by: Tensor,
}

/// Masked mean cross-entropy; `None` when nothing is labelled.
fn masked_cross_entropy(logits: &Tensor, target: &Tensor, mask: &Tensor) -> Result<Option<Tensor>> {
    let count = mask.sum_all()?.to_scalar::<f32>()?;
    if count == 0.0 {
        return Ok(None);
    }
    let logp = candle_nn::ops::log_softmax(&logits.to_dtype(DType::F32)?, D::Minus1)?;
    let picked = logp.gather(&target.unsqueeze(1)?, 1)?.squeeze(1)?;
    Ok(Some((picked.mul(mask)?.sum_all()?.neg()? / count as f64)?))
}

/// Masked mean binary cross-entropy with logits (stable form); `None` when nothing is labelled.
fn masked_bce(logits: &Tensor, target: &Tensor, mask: &Tensor) -> Result<Option<Tensor>> {
    let count = mask.sum_all()?.to_scalar::<f32>()?;
    if count == 0.0 {
        return Ok(None);
    }
    let (positive, negative) = bce_terms(logits)?;
    let loss = (positive.mul(target)? + negative.mul(&(1.0 - target)?)?)?;
    Ok(Some((loss.mul(mask)?.sum_all()? / count as f64)?))
}

/// Class-balanced masked binary cross-entropy: the mean over the labelled positives and the
/// mean over the labelled negatives count equally, however rare the positives are (a lesion
/// covers about one patch token in a hundred). `None` when nothing is labelled.
pub(crate) fn masked_bce_balanced(logits: &Tensor, target: &Tensor, mask: &Tensor) -> Result<Option<Tensor>> {
    let (positive, negative) = bce_terms(logits)?;
    let mut parts = Vec::new();
    for (term, weight) in [(positive, target.mul(mask)?), (negative, (1.0 - target)?.mul(mask)?)] {
        let count = weight.sum_all()?.to_scalar::<f32>()?;
        if count > 0.0 {
            parts.push((term.mul(&weight)?.sum_all()? / count as f64)?);
        }
    }
    mean_of(parts)
}

/// `(-log sigmoid(x), -log sigmoid(-x))` in the stable form `relu(∓x) + log(1 + exp(-|x|))`.
fn bce_terms(logits: &Tensor) -> Result<(Tensor, Tensor)> {
    let x = logits.to_dtype(DType::F32)?;
    let softplus = (x.abs()?.neg()?.exp()? + 1.0)?.log()?;
    Ok(((x.neg()?.relu()? + &softplus)?, (x.relu()? + softplus)?))
}

fn mean_of(parts: Vec<Tensor>) -> Result<Option<Tensor>> {
    if parts.is_empty() {
        return Ok(None);
    }
    let n = parts.len() as f64;
    Ok(Some((Tensor::stack(&parts, 0)?.sum_all()? / n)?))
}

/// Loss of one head set: mean over the groups that have labels (density, BI-RADS, status and the
/// three relation heads); density and BI-RADS average their two sides.
pub fn stage1_loss(logits: &Stage1Logits, t: &Stage1Targets) -> Result<Option<Tensor>> {
    let sides = |pairs: [(&Tensor, &(Tensor, Tensor)); 2], ce: bool| -> Result<Option<Tensor>> {
        let mut parts = Vec::new();
        for (l, (target, mask)) in pairs {
            let part = if ce { masked_cross_entropy(l, target, mask)? } else { masked_bce(l, target, mask)? };
            parts.extend(part);
        }
        mean_of(parts)
    };
    let mut groups = Vec::new();
    groups.extend(sides([(&logits.right_density, &t.density[0]), (&logits.left_density, &t.density[1])], true)?);
    groups.extend(sides([(&logits.right_birads, &t.birads[0]), (&logits.left_birads, &t.birads[1])], true)?);
    // Both sides' statuses form one BCE group, as one masked mean over all entries.
    let status_logits = Tensor::cat(&[&logits.right_status, &logits.left_status], 1)?;
    let status_target = Tensor::cat(&[&t.status[0].0, &t.status[1].0], 1)?;
    let status_mask = Tensor::cat(&[&t.status[0].1, &t.status[1].1], 1)?;
    groups.extend(masked_bce(&status_logits, &status_target, &status_mask)?);
    for (l, target) in [
        (&logits.located_at, &t.located_at),
        (&logits.suggestive_of, &t.suggestive_of),
        (&logits.modified_by, &t.modified_by),
    ] {
        groups.extend(masked_bce(l, target, &target.ones_like()?)?);
    }
    mean_of(groups)
}
