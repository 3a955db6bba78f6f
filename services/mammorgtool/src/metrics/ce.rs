//! Clinical-efficacy metrics as the paper's MammoRGTool code computes them
//! (`reference/mammorg.md` §14). Each metric is split into per-report statistics that add up,
//! so a bootstrap resample only re-sums them.

use std::collections::HashSet;

use crate::schema::{Breast, MammoRgReport, State, BIRADS_CLASSES, BLA, DENSITY_ZH};

/// Class index of a per-breast value; `None` for BLA (not stated). Values off the class list
/// map to the BLA class (index `classes.len()`), as the official code does.
fn class_of(v: &str, classes: &[&str]) -> Option<usize> {
    if v == BLA {
        return None;
    }
    Some(classes.iter().position(|c| *c == v).unwrap_or(classes.len()))
}

/// Per-report statistics of one categorical field (density or BI-RADS).
#[derive(Debug, Clone, Default)]
pub(crate) struct CatStats {
    pub should: u32,
    /// (reference class, predicted class) for each side where both are stated.
    pub pairs: Vec<(usize, usize)>,
}

pub(crate) fn cat_stats(pred: &MammoRgReport, refr: &MammoRgReport, field: fn(&Breast) -> &str, classes: &[&str]) -> CatStats {
    let mut s = CatStats::default();
    let p = &pred.breast_assessment;
    let r = &refr.breast_assessment;
    for (pb, rb) in [(&p.left, &r.left), (&p.right, &r.right)] {
        let Some(rc) = class_of(field(rb), classes) else { continue };
        s.should += 1;
        if let Some(pc) = class_of(field(pb), classes) {
            s.pairs.push((rc, pc));
        }
    }
    s
}

/// scikit-learn macro-F1 over the union of labels seen, times actual/should. None when no
/// pair exists (the official code returns -1).
pub(crate) fn cat_f1<'a>(stats: impl Iterator<Item = &'a CatStats>, n_classes: usize) -> Option<f64> {
    let k = n_classes + 1;
    let mut conf = vec![0u32; k * k];
    let (mut should, mut actual) = (0u32, 0u32);
    for s in stats {
        should += s.should;
        actual += s.pairs.len() as u32;
        for &(r, p) in &s.pairs {
            conf[r * k + p] += 1;
        }
    }
    if actual == 0 {
        return None;
    }
    let mut f1_sum = 0.0;
    let mut labels = 0;
    for c in 0..k {
        let tp = conf[c * k + c] as f64;
        let true_c: u32 = (0..k).map(|p| conf[c * k + p]).sum();
        let pred_c: u32 = (0..k).map(|r| conf[r * k + c]).sum();
        if true_c == 0 && pred_c == 0 {
            continue;
        }
        labels += 1;
        let prec = if pred_c > 0 { tp / pred_c as f64 } else { 0.0 };
        let rec = if true_c > 0 { tp / true_c as f64 } else { 0.0 };
        f1_sum += if prec + rec > 0.0 { 2.0 * prec * rec / (prec + rec) } else { 0.0 };
    }
    Some(f1_sum / labels as f64 * actual as f64 / should as f64)
}

pub(crate) fn density_field(b: &Breast) -> &str {
    &b.density
}
pub(crate) fn birads_field(b: &Breast) -> &str {
    &b.birads
}
pub(crate) const DENSITY_CLASSES: &[&str] = &DENSITY_ZH;
pub(crate) const BIRADS_CLASS_LIST: &[&str] = &BIRADS_CLASSES;

/// Finding statistics of one report: v2026-04 confusion counts and v2026-08 Dice.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FindStats {
    pub tp: u32,
    pub fp: u32,
    pub fn_: u32,
    pub dice: f64,
}

pub(crate) fn find_stats(pred: &MammoRgReport, refr: &MammoRgReport) -> FindStats {
    let mut s = FindStats::default();
    let p = &pred.breast_assessment;
    let r = &refr.breast_assessment;
    let (mut inter, mut n_ref, mut n_pred) = (0u32, 0u32, 0u32);
    for (pb, rb) in [(&p.left, &r.left), (&p.right, &r.right)] {
        for (ps, rs) in pb.entities.states().into_iter().zip(rb.entities.states()) {
            // 2026-04: only entries whose reference is POS or NEG count.
            if matches!(rs, State::Pos | State::Neg) {
                match (rs == State::Pos, ps == State::Pos) {
                    (true, true) => s.tp += 1,
                    (false, true) => s.fp += 1,
                    (true, false) => s.fn_ += 1,
                    (false, false) => {}
                }
            }
            // 2026-08: Dice over the (side, finding) pairs that are POS.
            n_ref += u32::from(rs == State::Pos);
            n_pred += u32::from(ps == State::Pos);
            inter += u32::from(rs == State::Pos && ps == State::Pos);
        }
    }
    s.dice = dice(inter, n_ref, n_pred);
    s
}

fn dice(inter: u32, a: u32, b: u32) -> f64 {
    if a + b == 0 {
        1.0
    } else {
        2.0 * inter as f64 / (a + b) as f64
    }
}

pub(crate) fn finding_f1<'a>(stats: impl Iterator<Item = &'a FindStats>) -> Option<f64> {
    let (mut tp, mut fp, mut fn_) = (0u32, 0u32, 0u32);
    for s in stats {
        tp += s.tp;
        fp += s.fp;
        fn_ += s.fn_;
    }
    if tp + fp + fn_ == 0 {
        // scikit-learn's binary F1 with zero_division=0.
        return Some(0.0);
    }
    Some(2.0 * tp as f64 / (2 * tp + fp + fn_) as f64)
}

/// Relation statistics of one report.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RelStats {
    pub correct: u32,
    pub n_pred: u32,
    pub n_ref: u32,
    pub dice: f64,
}

pub(crate) fn rel_stats(pred: &MammoRgReport, refr: &MammoRgReport) -> RelStats {
    let p: HashSet<&[String; 3]> = pred.relations.iter().collect();
    let r: HashSet<&[String; 3]> = refr.relations.iter().collect();
    let correct = p.intersection(&r).count() as u32;
    RelStats { correct, n_pred: p.len() as u32, n_ref: r.len() as u32, dice: dice(correct, p.len() as u32, r.len() as u32) }
}

pub(crate) fn relation_f1<'a>(stats: impl Iterator<Item = &'a RelStats>) -> Option<f64> {
    let (mut c, mut np, mut nr) = (0f64, 0f64, 0f64);
    for s in stats {
        c += s.correct as f64;
        np += s.n_pred as f64;
        nr += s.n_ref as f64;
    }
    let prec = c / (np + 1e-10);
    let rec = c / (nr + 1e-10);
    Some(2.0 * prec * rec / (prec + rec + 1e-10))
}

pub(crate) fn mean<'a>(vals: impl Iterator<Item = &'a f64>) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for v in vals {
        sum += v;
        n += 1;
    }
    (n > 0).then(|| sum / n as f64)
}
