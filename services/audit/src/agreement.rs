//! Agreement of the AI with the radiologist (screening.md §5.3: "per-reader and per-site kappa
//! … parsed AI BI-RADS vs the radiologist's final category"): the confusion matrix of BI-RADS
//! categories, and Cohen's kappa on recall (binary, under a positive-screen definition) and on
//! the categories themselves, with seeded bootstrap intervals.
//!
//! Cohen's kappa κ = (p_o − p_e) / (1 − p_e), p_o the observed agreement and p_e the agreement
//! expected from the two raters' marginal shares (Cohen 1960). Unweighted: BI-RADS is ordinal,
//! but its severity order is not an interval scale, and a 2 read as 1 is a different clinical
//! error from a 4 read as 0. κ is undefined (`None`) when p_e = 1, i.e. both raters gave one and
//! the same category to every exam.

use mammoflow_domain::BiRads;
use serde::{Deserialize, Serialize};

use crate::bootstrap::{Bootstrap, Estimate};
use crate::screen::PositiveScreenDefinition;

/// Counts of (reader, AI) category pairs. Rows are the reader (the reference), columns the AI;
/// labels in the clinical severity order of `BiRads`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    pub labels: Vec<BiRads>,
    /// `counts[reader][ai]`, indexed like `labels`.
    pub counts: Vec<Vec<u64>>,
}

impl ConfusionMatrix {
    /// All ten categories, or seven when 4A–4C are collapsed into 4.
    pub fn new(collapse_4: bool) -> ConfusionMatrix {
        let mut labels: Vec<BiRads> = BiRads::ALL.into_iter().filter(|b| !collapse_4 || *b == collapse(*b)).collect();
        labels.sort();
        let k = labels.len();
        ConfusionMatrix { labels, counts: vec![vec![0; k]; k] }
    }

    fn index(&self, b: BiRads) -> Option<usize> {
        self.labels.iter().position(|l| *l == b)
    }

    /// Adds one pair (a collapsed matrix collapses the pair first).
    pub fn add(&mut self, reader: BiRads, ai: BiRads) {
        let collapsed = self.labels.len() < BiRads::ALL.len();
        let (r, a) = if collapsed { (collapse(reader), collapse(ai)) } else { (reader, ai) };
        if let (Some(i), Some(j)) = (self.index(r), self.index(a)) {
            if let Some(cell) = self.counts.get_mut(i).and_then(|row| row.get_mut(j)) {
                *cell += 1;
            }
        }
    }

    pub fn count(&self, reader: BiRads, ai: BiRads) -> u64 {
        match (self.index(reader), self.index(ai)) {
            (Some(i), Some(j)) => self.counts.get(i).and_then(|row| row.get(j)).copied().unwrap_or(0),
            _ => 0,
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    pub fn kappa(&self) -> Option<f64> {
        cohen_kappa(&self.counts)
    }
}

/// 4A, 4B and 4C as 4; every other category unchanged. For AI output that does not subdivide 4.
pub fn collapse(b: BiRads) -> BiRads {
    match b {
        BiRads::LowSuspicion | BiRads::ModerateSuspicion | BiRads::HighSuspicion => BiRads::Suspicious,
        other => other,
    }
}

/// Cohen's kappa of a square agreement table; `None` when empty, not square, or p_e = 1.
pub fn cohen_kappa(table: &[Vec<u64>]) -> Option<f64> {
    let k = table.len();
    if table.iter().any(|row| row.len() != k) {
        return None;
    }
    let n: u64 = table.iter().flatten().sum();
    if n == 0 {
        return None;
    }
    let n = n as f64;
    let diag: u64 = table.iter().enumerate().filter_map(|(i, row)| row.get(i)).sum();
    let p_o = diag as f64 / n;
    let p_e: f64 = (0..k)
        .map(|i| {
            let row: u64 = table.get(i).map_or(0, |r| r.iter().sum());
            let col: u64 = table.iter().filter_map(|r| r.get(i)).sum();
            (row as f64 / n) * (col as f64 / n)
        })
        .sum();
    if (1.0 - p_e).abs() < 1e-12 {
        return None;
    }
    Some((p_o - p_e) / (1.0 - p_e))
}

/// Options for [`agreement`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgreementOptions {
    /// Compare categories with 4A–4C collapsed into 4 (for AI output without subdivisions).
    pub collapse_4: bool,
    pub bootstrap: Bootstrap,
}

/// Agreement of one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub n: usize,
    /// Positive-screen definition used for the recall table and its kappa.
    pub definition: String,
    pub matrix: ConfusionMatrix,
    /// `recall[reader positive][ai positive]` as 0/1 indices: [[neither, AI only], [reader
    /// only, both]].
    pub recall: [[u64; 2]; 2],
    /// Share of exams with the same category; `None` when empty.
    pub observed_agreement: Option<f64>,
    pub kappa_recall: Estimate,
    pub kappa_category: Estimate,
}

/// Agreement over `(reader, ai)` category pairs.
pub fn agreement(pairs: &[(BiRads, BiRads)], def: &PositiveScreenDefinition, opts: &AgreementOptions) -> Agreement {
    let mut matrix = ConfusionMatrix::new(opts.collapse_4);
    let mut recall = [[0u64; 2]; 2];
    let mut coded: Vec<(usize, usize, usize, usize)> = Vec::with_capacity(pairs.len());
    for &(reader, ai) in pairs {
        matrix.add(reader, ai);
        let (rp, ap) = (usize::from(def.is_positive(reader)), usize::from(def.is_positive(ai)));
        recall[rp][ap] += 1;
        let (r, a) = if opts.collapse_4 { (collapse(reader), collapse(ai)) } else { (reader, ai) };
        let ri = matrix.index(r).unwrap_or(0);
        let ai_ = matrix.index(a).unwrap_or(0);
        coded.push((rp, ap, ri, ai_));
    }
    let k = matrix.labels.len();
    let [kappa_recall, kappa_category] = opts.bootstrap.estimate_all(pairs.len(), |idx| {
        let mut bin = vec![vec![0u64; 2]; 2];
        let mut cat = vec![vec![0u64; k]; k];
        for &i in idx {
            if let Some(&(rp, ap, ri, ai_)) = coded.get(i) {
                bin[rp][ap] += 1;
                cat[ri][ai_] += 1;
            }
        }
        [cohen_kappa(&bin), cohen_kappa(&cat)]
    });
    let total = matrix.total();
    let diag: u64 = matrix.counts.iter().enumerate().filter_map(|(i, row)| row.get(i)).sum();
    Agreement {
        n: pairs.len(),
        definition: def.name.clone(),
        observed_agreement: (total > 0).then(|| diag as f64 / total as f64),
        matrix,
        recall,
        kappa_recall,
        kappa_category,
    }
}
