//! Drift of the model's output and inputs between a reference window (e.g. the validation
//! period after deployment) and a current one (screening.md §5: score histograms and category
//! shares per period; scanner software changes shift AI scores \[S42\]\[S43\]).
//!
//! Two reports: [`score_drift`] for continuous values (model probabilities: binned PSI plus a
//! two-sample KS test) and [`categorical_drift`] for categories (BI-RADS, density,
//! manufacturer, software version: PSI plus a chi-square test of homogeneity). Either raises
//! an [`Alarm`] when PSI exceeds its threshold or the test's p-value falls below its own.
//!
//! **PSI** = Σ_i (q_i − p_i) · ln(q_i / p_i), with p the reference window's share of bin i and q
//! the current window's. Rule of thumb behind the default threshold: < 0.1 stable, 0.1–0.2 a
//! moderate shift, > 0.2 a shift to act on.
//!
//! **Empty bins.** ln(q/p) is infinite when a bin is empty in one window. Every share is
//! therefore floored at ε (default [`DEFAULT_EPSILON`] = 1e-4) before the sum, without
//! renormalising (the distortion is at most ε per bin). An empty bin against a 1% bin then adds
//! (0.01 − 0.0001) · ln(100) ≈ 0.046: visible, but alone it does not cross 0.2. A smaller ε makes
//! empty bins weigh more; pick bins coarse enough that they are rarely empty.

mod psi;
mod tests_stat;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::AuditError;
pub use psi::{psi_from_counts, shares, Bins, DEFAULT_EPSILON};
pub use tests_stat::{chi_square_homogeneity, ks_two_sample, ChiSquare, KsTest};

/// When drift raises an alarm. Defaults: PSI > 0.2 (the conventional "significant shift"),
/// p < 0.01 (strict, because audits test many cells every period), ε = 1e-4 (see the module
/// docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DriftThresholds {
    /// Alarm when PSI is strictly greater.
    pub psi: f64,
    /// Alarm when the test's p-value is strictly smaller.
    pub p_value: f64,
    /// Floor for empty bins in the PSI.
    pub epsilon: f64,
}

impl Default for DriftThresholds {
    fn default() -> Self {
        DriftThresholds { psi: 0.2, p_value: 0.01, epsilon: DEFAULT_EPSILON }
    }
}

impl DriftThresholds {
    fn validate(&self) -> Result<(), AuditError> {
        if !(self.psi.is_finite() && self.psi > 0.0) {
            return Err(AuditError::InvalidParameter { name: "psi threshold", value: self.psi });
        }
        if !(self.p_value > 0.0 && self.p_value < 1.0) {
            return Err(AuditError::InvalidParameter { name: "p-value threshold", value: self.p_value });
        }
        Ok(())
    }
}

/// The test run next to the PSI.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "test")]
pub enum DriftTest {
    ChiSquare(ChiSquare),
    Ks(KsTest),
}

impl DriftTest {
    pub fn p_value(&self) -> f64 {
        match self {
            DriftTest::ChiSquare(c) => c.p_value,
            DriftTest::Ks(k) => k.p_value,
        }
    }
}

/// One crossed threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AlarmReason {
    Psi { value: f64, threshold: f64 },
    ChiSquare { p_value: f64, threshold: f64 },
    Ks { p_value: f64, threshold: f64 },
}

/// Raised when at least one threshold is crossed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    pub reasons: Vec<AlarmReason>,
}

/// Drift of one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    pub psi: f64,
    /// Reference and current shares per bin or category, for the histogram on the page.
    pub reference_shares: Vec<f64>,
    pub current_shares: Vec<f64>,
    /// `None` when the test is undefined (a single category seen).
    pub test: Option<DriftTest>,
    pub thresholds: DriftThresholds,
    pub alarm: Option<Alarm>,
}

fn report(reference: &[u64], current: &[u64], test: Option<DriftTest>, th: DriftThresholds) -> Result<DriftReport, AuditError> {
    let psi = psi_from_counts(reference, current, th.epsilon)?;
    let mut reasons = Vec::new();
    if psi > th.psi {
        reasons.push(AlarmReason::Psi { value: psi, threshold: th.psi });
    }
    match test {
        Some(DriftTest::ChiSquare(c)) if c.p_value < th.p_value => {
            reasons.push(AlarmReason::ChiSquare { p_value: c.p_value, threshold: th.p_value })
        }
        Some(DriftTest::Ks(k)) if k.p_value < th.p_value => {
            reasons.push(AlarmReason::Ks { p_value: k.p_value, threshold: th.p_value })
        }
        _ => {}
    }
    Ok(DriftReport {
        psi,
        reference_shares: shares(reference).unwrap_or_default(),
        current_shares: shares(current).unwrap_or_default(),
        test,
        thresholds: th,
        alarm: (!reasons.is_empty()).then_some(Alarm { reasons }),
    })
}

/// Drift of a continuous value (model probability) over `bins`: PSI on the histograms and a KS
/// test on the raw values.
pub fn score_drift(reference: &[f64], current: &[f64], bins: &Bins, th: DriftThresholds) -> Result<DriftReport, AuditError> {
    th.validate()?;
    let ks = ks_two_sample(reference, current)?;
    let r = bins.histogram(reference, "reference")?;
    let c = bins.histogram(current, "current")?;
    report(&r, &c, Some(DriftTest::Ks(ks)), th)
}

/// Counts of each category in `values`.
pub fn category_counts<K: Ord, I: IntoIterator<Item = K>>(values: I) -> BTreeMap<K, u64> {
    let mut counts = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_insert(0) += 1;
    }
    counts
}

/// Aligns two category histograms on the union of their categories (in key order).
pub fn align<K: Ord + Clone>(reference: &BTreeMap<K, u64>, current: &BTreeMap<K, u64>) -> (Vec<K>, Vec<u64>, Vec<u64>) {
    let mut keys: Vec<K> = reference.keys().chain(current.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    let r = keys.iter().map(|k| reference.get(k).copied().unwrap_or(0)).collect();
    let c = keys.iter().map(|k| current.get(k).copied().unwrap_or(0)).collect();
    (keys, r, c)
}

/// Drift of a categorical distribution: PSI and a chi-square test of homogeneity over the
/// union of categories. A category new in the current window (a new device software version)
/// is an empty reference bin, floored at ε.
pub fn categorical_drift<K: Ord + Clone>(
    reference: &BTreeMap<K, u64>,
    current: &BTreeMap<K, u64>,
    th: DriftThresholds,
) -> Result<DriftReport, AuditError> {
    th.validate()?;
    let (_, r, c) = align(reference, current);
    let chi = chi_square_homogeneity(&r, &c)?;
    report(&r, &c, chi.map(DriftTest::ChiSquare), th)
}
