//! Hypothesis tests of "same distribution in both windows".

use serde::{Deserialize, Serialize};

use crate::error::AuditError;
use crate::stats::{chi_square_sf, kolmogorov_sf};

/// Pearson's chi-square test of homogeneity of a 2 × k table (reference and current counts per
/// category).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChiSquare {
    pub statistic: f64,
    /// Categories seen in either window, minus one.
    pub df: u32,
    pub p_value: f64,
    /// Smallest expected count; below 5 the chi-square approximation is doubtful (Cochran's
    /// rule), and a page should say so.
    pub min_expected: f64,
}

/// Chi-square test of homogeneity on aligned category counts. Categories empty in both windows
/// are left out (they carry no information and would make an expected count 0). `Ok(None)` when
/// fewer than two categories remain: with one category, both windows are trivially the same.
pub fn chi_square_homogeneity(reference: &[u64], current: &[u64]) -> Result<Option<ChiSquare>, AuditError> {
    if reference.len() != current.len() {
        return Err(AuditError::LengthMismatch { what: "chi-square", left: reference.len(), right: current.len() });
    }
    let n_ref: u64 = reference.iter().sum();
    let n_cur: u64 = current.iter().sum();
    if n_ref == 0 {
        return Err(AuditError::EmptySample { which: "reference" });
    }
    if n_cur == 0 {
        return Err(AuditError::EmptySample { which: "current" });
    }
    let n = (n_ref + n_cur) as f64;
    let mut statistic = 0.0;
    let mut categories = 0u32;
    let mut min_expected = f64::INFINITY;
    for (&r, &c) in reference.iter().zip(current) {
        let col = (r + c) as f64;
        if col == 0.0 {
            continue;
        }
        categories += 1;
        for (observed, row) in [(r, n_ref), (c, n_cur)] {
            let expected = row as f64 * col / n;
            min_expected = min_expected.min(expected);
            statistic += (observed as f64 - expected).powi(2) / expected;
        }
    }
    if categories < 2 {
        return Ok(None);
    }
    let df = categories - 1;
    let p_value = chi_square_sf(statistic, df).ok_or(AuditError::InvalidParameter { name: "chi-square statistic", value: statistic })?;
    Ok(Some(ChiSquare { statistic, df, p_value, min_expected }))
}

/// Two-sample Kolmogorov–Smirnov test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KsTest {
    /// D = sup_x |F_ref(x) − F_cur(x)|.
    pub statistic: f64,
    pub n_reference: usize,
    pub n_current: usize,
    /// Asymptotic p-value Q_KS((√nₑ + 0.12 + 0.11/√nₑ) · D), nₑ = n₁n₂/(n₁+n₂) (Stephens'
    /// small-sample correction, Numerical Recipes §14.3). Conservative for heavily tied data such
    /// as scores rounded to a few values.
    pub p_value: f64,
}

/// Two-sample KS test of `reference` against `current`; ties are handled by stepping over all
/// equal values at once.
pub fn ks_two_sample(reference: &[f64], current: &[f64]) -> Result<KsTest, AuditError> {
    let sorted = |v: &[f64], which: &'static str| -> Result<Vec<f64>, AuditError> {
        if v.is_empty() {
            return Err(AuditError::EmptySample { which });
        }
        if v.iter().any(|x| !x.is_finite()) {
            return Err(AuditError::NonFinite { which });
        }
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        Ok(s)
    };
    let a = sorted(reference, "reference")?;
    let b = sorted(current, "current")?;
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0usize, 0usize, 0.0f64);
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        let t = x.min(y);
        while a.get(i).is_some_and(|&v| v <= t) {
            i += 1;
        }
        while b.get(j).is_some_and(|&v| v <= t) {
            j += 1;
        }
        d = d.max((i as f64 / n1 - j as f64 / n2).abs());
    }
    let en = (n1 * n2 / (n1 + n2)).sqrt();
    let p_value = kolmogorov_sf((en + 0.12 + 0.11 / en) * d);
    Ok(KsTest { statistic: d, n_reference: a.len(), n_current: b.len(), p_value })
}
