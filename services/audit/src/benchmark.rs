//! Benchmark bands drawn next to each program figure, from `reference/screening.md` §4
//! ("Audit metrics and benchmarks"). Which set applies is a programme choice (screening.md §9.3:
//! "benchmark set (BCSC, EU, NHS) selectable per programme"), so a set is a value.
//!
//! The US acceptable-performance criteria are *joint* (a CDR range goes with a recall range and a
//! PPV1 range); each band below is the loosest single-figure bound, and its source text states
//! the joint rule so that a page can show it.

use serde::{Deserialize, Serialize};

/// Whether a band is a range a figure should lie in, or a published reference value (a mean of a
/// registry) that a figure is compared with but not judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BandKind {
    Range,
    Reference,
}

/// A band `[low, high]` on the figure's own scale (proportion, or per 1,000 for CDR); either
/// bound may be open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Benchmark {
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub kind: BandKind,
    /// Where the band comes from, with its conditions; shown next to the figure.
    pub source: String,
}

/// A figure's position against its band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BandPosition {
    Below,
    Within,
    Above,
}

impl Benchmark {
    pub fn range(low: Option<f64>, high: Option<f64>, source: &str) -> Benchmark {
        Benchmark { low, high, kind: BandKind::Range, source: source.to_string() }
    }

    pub fn reference(value: f64, source: &str) -> Benchmark {
        Benchmark { low: Some(value), high: Some(value), kind: BandKind::Reference, source: source.to_string() }
    }

    /// Below `low`, above `high`, else within (bounds inclusive).
    pub fn position(&self, value: f64) -> BandPosition {
        match (self.low, self.high) {
            (Some(lo), _) if value < lo => BandPosition::Below,
            (_, Some(hi)) if value > hi => BandPosition::Above,
            _ => BandPosition::Within,
        }
    }
}

/// Screening round, for the EU recall and detection bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Round {
    /// First (prevalent) screen.
    Initial,
    /// Later (incident) screens.
    Subsequent,
}

/// One band per program figure; `None` where the set publishes nothing for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkSet {
    pub name: String,
    pub recall_rate: Option<Benchmark>,
    pub cancer_detection_per_1000: Option<Benchmark>,
    pub ppv1: Option<Benchmark>,
    pub ppv2: Option<Benchmark>,
    pub ppv3: Option<Benchmark>,
    pub sensitivity: Option<Benchmark>,
    pub specificity: Option<Benchmark>,
}

const S8: &str = "US acceptable performance, updated combined criteria [screening.md S8]";
const S6: &str = "BCSC digital mammography 2007-13 [screening.md S6]";

impl BenchmarkSet {
    /// No bands: figures only.
    pub fn none() -> BenchmarkSet {
        BenchmarkSet {
            name: "none".into(),
            recall_rate: None,
            cancer_detection_per_1000: None,
            ppv1: None,
            ppv2: None,
            ppv3: None,
            sensitivity: None,
            specificity: None,
        }
    }

    /// US acceptable performance (judge jointly), with BCSC DM means for PPV2 and PPV3, which
    /// have no acceptable range.
    pub fn us_acceptable() -> BenchmarkSet {
        BenchmarkSet {
            name: "us-acceptable".into(),
            recall_rate: Some(Benchmark::range(Some(0.03), Some(0.20), &format!("{S8}: recall 3-20% with CDR >=6/1,000; 3-15% with CDR 4-6 and PPV1 >=3%; 5-12% with CDR 2.5-4 and PPV1 3-8%"))),
            cancer_detection_per_1000: Some(Benchmark::range(Some(2.5), None, &format!("{S8}: CDR >=2.5/1,000, with the recall and PPV1 range of its tier"))),
            ppv1: Some(Benchmark::range(Some(0.03), None, &format!("{S8}: PPV1 >=3% (3-8% when CDR is 2.5-4/1,000)"))),
            ppv2: Some(Benchmark::reference(0.256, &format!("{S6}: mean PPV2 (no acceptable range published)"))),
            ppv3: Some(Benchmark::reference(0.286, &format!("{S6}: mean PPV3 (no acceptable range published)"))),
            sensitivity: Some(Benchmark::range(Some(0.75), None, &format!("{S8}: sensitivity >=80% with specificity >=85%, or 75-79% with specificity 88-97%"))),
            specificity: Some(Benchmark::range(Some(0.85), None, &format!("{S8}: specificity >=85% with sensitivity >=80%, or 88-97% with sensitivity 75-79%"))),
        }
    }

    /// BCSC digital mammography 2007–13 means, as reference values.
    pub fn bcsc_dm() -> BenchmarkSet {
        BenchmarkSet {
            name: "bcsc-dm-2007-13".into(),
            recall_rate: Some(Benchmark::reference(0.116, &format!("{S6}: abnormal interpretation rate"))),
            cancer_detection_per_1000: Some(Benchmark::reference(5.1, S6)),
            ppv1: Some(Benchmark::reference(0.044, S6)),
            ppv2: Some(Benchmark::reference(0.256, S6)),
            ppv3: Some(Benchmark::reference(0.286, S6)),
            sensitivity: Some(Benchmark::reference(0.869, S6)),
            specificity: Some(Benchmark::reference(0.889, S6)),
        }
    }

    /// BCSC digital breast tomosynthesis 2011–18 means, as reference values (no PPVs published).
    pub fn bcsc_dbt() -> BenchmarkSet {
        const S7: &str = "BCSC tomosynthesis 2011-18 [screening.md S7]";
        BenchmarkSet {
            name: "bcsc-dbt-2011-18".into(),
            recall_rate: Some(Benchmark::reference(0.083, &format!("{S7}: abnormal interpretation rate"))),
            cancer_detection_per_1000: Some(Benchmark::reference(5.8, S7)),
            sensitivity: Some(Benchmark::reference(0.874, S7)),
            specificity: Some(Benchmark::reference(0.922, S7)),
            ..BenchmarkSet::none()
        }
    }

    /// European guidelines, 4th edition \[screening.md S10\]: recall below 7% (initial round) or
    /// 5% (subsequent rounds) is acceptable; in the initial round, CDR at least 3 × the
    /// background incidence, given per 1,000 women, when the programme supplies it (screening.md
    /// gives no subsequent-round CDR band, so none is drawn there).
    pub fn eu(round: Round, background_incidence_per_1000: Option<f64>) -> BenchmarkSet {
        const S10: &str = "EU guidelines 4th ed. [screening.md S10]";
        let recall = match round {
            Round::Initial => Benchmark::range(None, Some(0.07), &format!("{S10}, initial round: acceptable <7%, desirable <5%")),
            Round::Subsequent => Benchmark::range(None, Some(0.05), &format!("{S10}, subsequent rounds: acceptable <5%, desirable <3%")),
        };
        let cdr = background_incidence_per_1000.filter(|b| b.is_finite() && *b > 0.0).map(|b| {
            Benchmark::range(Some(3.0 * b), None, &format!("{S10}: 3 x background incidence ({b}/1,000) acceptable, more desirable"))
        });
        BenchmarkSet {
            name: format!("eu-4th-{}", if round == Round::Initial { "initial" } else { "subsequent" }),
            recall_rate: Some(recall),
            cancer_detection_per_1000: cdr.filter(|_| round == Round::Initial),
            ..BenchmarkSet::none()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_against_open_and_closed_bands() {
        let b = Benchmark::range(Some(0.03), Some(0.20), "x");
        assert_eq!(b.position(0.02), BandPosition::Below);
        assert_eq!(b.position(0.03), BandPosition::Within);
        assert_eq!(b.position(0.25), BandPosition::Above);
        let open = Benchmark::range(None, Some(0.07), "x");
        assert_eq!(open.position(0.0), BandPosition::Within);
    }

    #[test]
    fn eu_cdr_band_needs_background_incidence() {
        assert!(BenchmarkSet::eu(Round::Initial, None).cancer_detection_per_1000.is_none());
        let b = BenchmarkSet::eu(Round::Initial, Some(2.0)).cancer_detection_per_1000;
        assert_eq!(b.and_then(|b| b.low), Some(6.0));
    }
}
