//! Population stability index and binning (formula and the ε rule: see the `drift` module).

use crate::error::AuditError;

/// Floor applied to every bin share before the PSI sum (see the `drift` module docs).
pub const DEFAULT_EPSILON: f64 = 1e-4;

/// Shares of each bin; `None` when all counts are 0.
pub fn shares(counts: &[u64]) -> Option<Vec<f64>> {
    let n: u64 = counts.iter().sum();
    (n > 0).then(|| counts.iter().map(|&c| c as f64 / n as f64).collect())
}

/// PSI of two aligned histograms (counts per bin, same bins in the same order), every share
/// floored at `epsilon`.
pub fn psi_from_counts(reference: &[u64], current: &[u64], epsilon: f64) -> Result<f64, AuditError> {
    if reference.len() != current.len() {
        return Err(AuditError::LengthMismatch { what: "psi", left: reference.len(), right: current.len() });
    }
    if !(epsilon.is_finite() && epsilon > 0.0 && epsilon < 1.0) {
        return Err(AuditError::InvalidParameter { name: "epsilon", value: epsilon });
    }
    let p = shares(reference).ok_or(AuditError::EmptySample { which: "reference" })?;
    let q = shares(current).ok_or(AuditError::EmptySample { which: "current" })?;
    Ok(p.iter()
        .zip(&q)
        .map(|(&p, &q)| {
            let (p, q) = (p.max(epsilon), q.max(epsilon));
            (q - p) * (q / p).ln()
        })
        .sum())
}

/// Bin edges for continuous values such as model probabilities: `k` bins between `k + 1`
/// strictly increasing edges. Values below the first edge count in the first bin and values
/// above the last in the last bin, so no value is dropped; each bin is `[e_i, e_{i+1})` except
/// the last, which is closed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bins {
    edges: Vec<f64>,
}

impl Bins {
    pub fn new(edges: Vec<f64>) -> Result<Bins, AuditError> {
        if edges.len() < 2 {
            return Err(AuditError::InvalidBins(format!("{} edges, need at least 2", edges.len())));
        }
        if edges.iter().any(|e| !e.is_finite()) || edges.windows(2).any(|w| w[0] >= w[1]) {
            return Err(AuditError::InvalidBins("edges must be finite and strictly increasing".into()));
        }
        Ok(Bins { edges })
    }

    /// `k` equal bins on `[lo, hi]`; deciles of a probability are `uniform(0.0, 1.0, 10)`.
    pub fn uniform(lo: f64, hi: f64, k: usize) -> Result<Bins, AuditError> {
        if k == 0 {
            return Err(AuditError::InvalidBins("zero bins".into()));
        }
        let width = (hi - lo) / k as f64;
        Bins::new((0..=k).map(|i| if i == k { hi } else { lo + width * i as f64 }).collect())
    }

    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    pub fn len(&self) -> usize {
        self.edges.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Counts per bin; `which` names the sample in the error for a NaN or infinite value.
    pub fn histogram(&self, values: &[f64], which: &'static str) -> Result<Vec<u64>, AuditError> {
        let mut counts = vec![0u64; self.len()];
        let inner = &self.edges[1..self.edges.len() - 1];
        for &v in values {
            if !v.is_finite() {
                return Err(AuditError::NonFinite { which });
            }
            // Number of inner edges at or below v = the bin index.
            let i = inner.partition_point(|&e| e <= v);
            if let Some(c) = counts.get_mut(i) {
                *c += 1;
            }
        }
        Ok(counts)
    }
}
