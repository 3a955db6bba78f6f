//! One audit figure: a ratio with its counts, a 95% interval and the benchmark band it is
//! judged against. An undefined ratio is `value: None` with an [`Undefined`] reason, never NaN.

use serde::{Deserialize, Serialize};

use crate::benchmark::Benchmark;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Why a figure has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Undefined {
    /// The cell holds no exam with a result for this reading source.
    NoExams,
    /// No positive screen: PPV1 has no denominator (an all-negative period).
    NoPositiveScreens,
    /// No positive screen with a biopsy recommendation: PPV2 has no denominator.
    NoBiopsyRecommended,
    /// No positive screen with a biopsy performed: PPV3 has no denominator.
    NoBiopsyPerformed,
    /// None of the exams in the denominator has a known outcome yet (follow-up window open,
    /// pathology or registry not linked).
    NoOutcomes,
    /// Outcomes exist but no cancer: sensitivity has no denominator.
    NoCancers,
    /// Outcomes exist but every one is a cancer: specificity has no denominator.
    NoCancerFreeExams,
}

impl Undefined {
    /// A sentence for reports and tooltips.
    pub fn reason(self) -> &'static str {
        match self {
            Undefined::NoExams => "no exams in this cell",
            Undefined::NoPositiveScreens => "no positive screens",
            Undefined::NoBiopsyRecommended => "no biopsy recommended after a positive screen",
            Undefined::NoBiopsyPerformed => "no biopsy performed after a positive screen",
            Undefined::NoOutcomes => "no outcomes known yet",
            Undefined::NoCancers => "no cancers among exams with a known outcome",
            Undefined::NoCancerFreeExams => "no cancer-free exams among exams with a known outcome",
        }
    }
}

impl std::fmt::Display for Undefined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.reason())
    }
}

/// A ratio `scale · numerator / denominator` (scale 1 for proportions, 1,000 for the cancer
/// detection rate), its Wilson 95% interval on the same scale, and the benchmark band shown
/// next to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// `None` exactly when `undefined` is set.
    pub value: Option<f64>,
    pub numerator: u64,
    pub denominator: u64,
    /// 1 for a proportion, 1,000 for "per 1,000 screens".
    pub scale: f64,
    /// Wilson score interval (95%): unlike the Wald interval it stays inside [0, scale] and is
    /// usable at the small counts of per-site and per-month cells.
    pub ci95: Option<(f64, f64)>,
    pub undefined: Option<Undefined>,
    pub benchmark: Option<Benchmark>,
}

impl Figure {
    /// `scale · num / den`, or undefined with `if_zero` when `den` is 0.
    pub fn ratio(numerator: u64, denominator: u64, scale: f64, if_zero: Undefined) -> Figure {
        if denominator == 0 {
            return Figure::undefined(if_zero, numerator, denominator, scale);
        }
        let p = numerator as f64 / denominator as f64;
        let (lo, hi) = wilson(numerator, denominator);
        Figure {
            value: Some(scale * p),
            numerator,
            denominator,
            scale,
            ci95: Some((scale * lo, scale * hi)),
            undefined: None,
            benchmark: None,
        }
    }

    /// A figure with no value, keeping the counts for display.
    pub fn undefined(reason: Undefined, numerator: u64, denominator: u64, scale: f64) -> Figure {
        Figure { value: None, numerator, denominator, scale, ci95: None, undefined: Some(reason), benchmark: None }
    }

    pub fn with_benchmark(mut self, benchmark: Option<Benchmark>) -> Figure {
        self.benchmark = benchmark;
        self
    }

    /// Where the value lies against its band; `None` when either is missing.
    pub fn band_position(&self) -> Option<crate::benchmark::BandPosition> {
        Some(self.benchmark.as_ref()?.position(self.value?))
    }
}

/// Wilson score interval for `k` successes in `n > 0` trials, as proportions.
fn wilson(k: u64, n: u64) -> (f64, f64) {
    let n = n as f64;
    let p = k as f64 / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_denominator_is_none_with_reason_not_nan() {
        let f = Figure::ratio(0, 0, 1.0, Undefined::NoPositiveScreens);
        assert_eq!(f.value, None);
        assert_eq!(f.undefined, Some(Undefined::NoPositiveScreens));
        assert_eq!(f.ci95, None);
    }

    #[test]
    fn wilson_interval_matches_a_known_value() {
        // 10/100: Wilson 95% interval 0.05523 .. 0.17437, from the closed form computed by hand.
        let (lo, hi) = wilson(10, 100);
        assert!((lo - 0.05523).abs() < 1e-4, "{lo}");
        assert!((hi - 0.17437).abs() < 1e-4, "{hi}");
        let (lo, hi) = wilson(0, 20);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.0 && hi < 0.2);
    }
}
