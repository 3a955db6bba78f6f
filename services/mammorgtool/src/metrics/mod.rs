//! Clinical-efficacy (CE) and NLG metrics of the MammoRG paper, with seeded bootstrap
//! confidence intervals. Both metric versions of the official code are reported:
//! `ce-v2026-04` (pooled finding F1, micro relation F1) and `ce-v2026-08` (mean per-report
//! Dice); composition and BI-RADS F1 are the same in both.
//!
//! Deviations from the official code, on purpose: BI-RADS 6 is a class (the official list
//! lacks it and raises); the bootstrap uses one shared, seeded index matrix for every metric
//! (the 2026-08 scheme) and does not reproduce the 2026-04 relation-CI bug; NumPy's RNG
//! stream is not reproduced, so intervals match in distribution, not digit for digit.

mod ce;
mod nlg;

use serde::{Deserialize, Serialize};

use crate::schema::MammoRgReport;
use ce::{birads_field, density_field, BIRADS_CLASS_LIST, DENSITY_CLASSES};
pub use nlg::{tokenize_13a, tokenize_rouge};

/// One report to score: its structured form (official shape) and, for NLG metrics, its text.
#[derive(Debug, Clone, Default)]
pub struct EvalItem {
    pub id: serde_json::Value,
    pub text: Option<String>,
    pub structured: MammoRgReport,
}

#[derive(Debug, Clone)]
pub struct EvalOptions {
    pub seed: u64,
    pub ce_resamples: usize,
    pub nlg_resamples: usize,
    /// Split CJK characters into tokens for BLEU/ROUGE.
    pub zh_tokens: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        // 1,000 CE and 500 NLG resamples as in the paper's code; seed 42 as in its 2026-08
        // version.
        EvalOptions { seed: 42, ce_resamples: 1000, nlg_resamples: 500, zh_tokens: false }
    }
}

/// A point estimate with its 95% bootstrap interval. `value` is null when undefined (no
/// reference value to score).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub value: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub metric_versions: Vec<String>,
    pub n_reports: usize,
    pub seed: u64,
    pub density_f1: Metric,
    pub birads_f1: Metric,
    /// ce-v2026-04: pooled binary F1 over (report, side, finding) with reference POS/NEG.
    pub finding_f1: Metric,
    /// ce-v2026-04: corpus micro F1 over exact triples.
    pub relation_f1: Metric,
    /// ce-v2026-08: mean per-report Dice of POS (side, finding) sets.
    pub finding_f1_v2026_08: Metric,
    /// ce-v2026-08: mean per-report Dice of triples.
    pub relation_f1_v2026_08: Metric,
    pub bleu1: Option<Metric>,
    pub bleu4: Option<Metric>,
    pub rouge_l: Option<Metric>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EvalError {
    #[error("{pred} predictions but {refs} references")]
    LengthMismatch { pred: usize, refs: usize },
}

/// Scores predictions against references (paired by position) with default options.
pub fn evaluate(pred: &[EvalItem], refs: &[EvalItem]) -> Result<EvalReport, EvalError> {
    evaluate_with(pred, refs, &EvalOptions::default())
}

pub fn evaluate_with(pred: &[EvalItem], refs: &[EvalItem], opts: &EvalOptions) -> Result<EvalReport, EvalError> {
    if pred.len() != refs.len() {
        return Err(EvalError::LengthMismatch { pred: pred.len(), refs: refs.len() });
    }
    let n = pred.len();
    let pairs: Vec<(MammoRgReport, MammoRgReport)> =
        pred.iter().zip(refs).map(|(p, r)| (p.structured.clone().canonicalize(), r.structured.clone().canonicalize())).collect();
    let dens: Vec<_> = pairs.iter().map(|(p, r)| ce::cat_stats(p, r, density_field, DENSITY_CLASSES)).collect();
    let bir: Vec<_> = pairs.iter().map(|(p, r)| ce::cat_stats(p, r, birads_field, BIRADS_CLASS_LIST)).collect();
    let fin: Vec<_> = pairs.iter().map(|(p, r)| ce::find_stats(p, r)).collect();
    let rel: Vec<_> = pairs.iter().map(|(p, r)| ce::rel_stats(p, r)).collect();
    let fin_dice: Vec<f64> = fin.iter().map(|f| f.dice).collect();
    let rel_dice: Vec<f64> = rel.iter().map(|r| r.dice).collect();

    let ce_idx = resample_matrix(n, opts.ce_resamples, opts.seed);
    let density_f1 = with_ci(&ce_idx, n, |ix| ce::cat_f1(ix.iter().map(|&i| &dens[i]), DENSITY_CLASSES.len()));
    let birads_f1 = with_ci(&ce_idx, n, |ix| ce::cat_f1(ix.iter().map(|&i| &bir[i]), BIRADS_CLASS_LIST.len()));
    let finding_f1 = with_ci(&ce_idx, n, |ix| ce::finding_f1(ix.iter().map(|&i| &fin[i])));
    let relation_f1 = with_ci(&ce_idx, n, |ix| ce::relation_f1(ix.iter().map(|&i| &rel[i])));
    let finding_v08 = with_ci(&ce_idx, n, |ix| ce::mean(ix.iter().map(|&i| &fin_dice[i])));
    let relation_v08 = with_ci(&ce_idx, n, |ix| ce::mean(ix.iter().map(|&i| &rel_dice[i])));

    let texts: Option<Vec<(&str, &str)>> =
        pred.iter().zip(refs).map(|(p, r)| Some((p.text.as_deref()?, r.text.as_deref()?))).collect();
    let (mut bleu1, mut bleu4, mut rouge_l) = (None, None, None);
    if let Some(texts) = texts.filter(|t| !t.is_empty()) {
        let nlg_idx = resample_matrix(n, opts.nlg_resamples, opts.seed.wrapping_add(1));
        let bleu: Vec<_> = texts
            .iter()
            .map(|(h, r)| nlg::bleu_stats(&tokenize_13a(h, opts.zh_tokens), &tokenize_13a(r, opts.zh_tokens)))
            .collect();
        let rouge: Vec<f64> = texts
            .iter()
            .map(|(h, r)| nlg::rouge_l(&tokenize_rouge(h, opts.zh_tokens), &tokenize_rouge(r, opts.zh_tokens)))
            .collect();
        bleu1 = Some(with_ci(&nlg_idx, n, |ix| nlg::corpus_bleu(ix.iter().map(|&i| &bleu[i]), 1)));
        bleu4 = Some(with_ci(&nlg_idx, n, |ix| nlg::corpus_bleu(ix.iter().map(|&i| &bleu[i]), 4)));
        rouge_l = Some(with_ci(&nlg_idx, n, |ix| ce::mean(ix.iter().map(|&i| &rouge[i]))));
    }
    Ok(EvalReport {
        metric_versions: vec!["ce-v2026-04".into(), "ce-v2026-08".into()],
        n_reports: n,
        seed: opts.seed,
        density_f1,
        birads_f1,
        finding_f1,
        relation_f1,
        finding_f1_v2026_08: finding_v08,
        relation_f1_v2026_08: relation_v08,
        bleu1,
        bleu4,
        rouge_l,
    })
}

/// SplitMix64: small, seedable, identical on every platform.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        // Lemire's multiply-shift: unbiased enough for n far below 2^32.
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}

/// `resamples` x `n` indices drawn with replacement, shared by every metric so that the
/// intervals are paired.
fn resample_matrix(n: usize, resamples: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = SplitMix(seed);
    if n == 0 {
        return Vec::new();
    }
    (0..resamples).map(|_| (0..n).map(|_| rng.below(n)).collect()).collect()
}

fn with_ci(matrix: &[Vec<usize>], n: usize, f: impl Fn(&[usize]) -> Option<f64>) -> Metric {
    let all: Vec<usize> = (0..n).collect();
    let value = if n == 0 { None } else { f(&all) };
    let mut reps: Vec<f64> = matrix.iter().filter_map(|ix| f(ix)).filter(|v| v.is_finite()).collect();
    reps.sort_by(|a, b| a.total_cmp(b));
    Metric { value, ci_low: percentile(&reps, 2.5), ci_high: percentile(&reps, 97.5) }
}

/// NumPy's default ("linear") percentile of sorted data.
fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

#[cfg(test)]
mod tests;
