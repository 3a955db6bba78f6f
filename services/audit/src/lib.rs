//! Pure audit computations for mammoflow (issue 6, "Audit"): no database, no IO. The portal,
//! the `mammoflow audit` CLI and the alert jobs load records and call these functions, so every
//! surface shows the same figures.
//!
//! Layout:
//! - [`screen`]: the inputs ([`ScreeningExam`], [`Outcome`]) and the configurable
//!   [`PositiveScreenDefinition`];
//! - [`program`]: recall rate, CDR per 1,000, PPV1/2/3, sensitivity and specificity for the
//!   reader, the AI and reader-or-AI ([`program_metrics`]), each a [`Figure`] with a Wilson
//!   interval and a [`Benchmark`] band from a [`BenchmarkSet`] ([`benchmark`]);
//! - [`mod@agreement`]: AI-vs-reader BI-RADS confusion matrix and Cohen's kappa on recall and on
//!   categories, with seeded bootstrap intervals ([`bootstrap`]);
//! - [`group`] and [`strata`]: per-cell computation over any key, the standard dimensions
//!   (period, site, device, density, age band, versions) and the minimum-volume rule;
//! - [`drift`]: PSI, chi-square test of homogeneity, two-sample KS, thresholds and alarms, on
//!   the special functions of [`stats`];
//! - `clinical` (feature `clinical`, default): mammorgtool's clinical-efficacy metrics per cell.
//!
//! An undefined ratio is never NaN: it is `None` with an [`Undefined`] reason.
//!
//! ```
//! use mammoflow_audit::*;
//! use mammoflow_domain::BiRads;
//!
//! let exam = |reader, outcome| ScreeningExam {
//!     reader: Some(reader), ai: Some(BiRads::Negative),
//!     biopsy_recommended: false, biopsy_performed: false, outcome,
//! };
//! let exams = [exam(BiRads::Negative, Outcome::Benign), exam(BiRads::Benign, Outcome::Unknown)];
//! let m = program_metrics(&exams, &PositiveScreenDefinition::acr_mqsa(), &BenchmarkSet::us_acceptable());
//! assert_eq!(m.reader.recall_rate.value, Some(0.0));
//! assert_eq!(m.reader.ppv1.undefined, Some(Undefined::NoPositiveScreens)); // all negative
//! ```

pub mod agreement;
pub mod benchmark;
pub mod bootstrap;
#[cfg(feature = "clinical")]
pub mod clinical;
pub mod drift;
mod error;
pub mod figure;
pub mod group;
pub mod program;
pub mod screen;
pub mod stats;
pub mod strata;

pub use agreement::{agreement, cohen_kappa, Agreement, AgreementOptions, ConfusionMatrix};
pub use benchmark::{BandKind, BandPosition, Benchmark, BenchmarkSet, Round};
pub use bootstrap::{Bootstrap, Estimate};
#[cfg(feature = "clinical")]
pub use clinical::clinical_efficacy_by;
pub use drift::{categorical_drift, score_drift, Alarm, AlarmReason, Bins, DriftReport, DriftTest, DriftThresholds};
pub use error::AuditError;
pub use figure::{Figure, Undefined};
pub use group::{compute_by, group_by, per_cell, Cell, MinVolume};
pub use program::{program_metrics, OutcomeCounts, ProgramMetrics, SourceMetrics};
pub use screen::{Outcome, PositiveScreenDefinition, ReadingSource, ScreeningExam};
pub use strata::{age_band, key_of, suspicion_band, Dimension, Period, Strata};

/// The positive-screen definition and benchmark bands of a program: the US (ACR/MQSA: BI-RADS
/// 0, 3, 4, 5 positive, US acceptable ranges) or the EU (recall positive, subsequent-round bands).
pub fn program_rules(eu: bool) -> (PositiveScreenDefinition, BenchmarkSet) {
    if eu {
        (PositiveScreenDefinition::eu_recall(), BenchmarkSet::eu(Round::Subsequent, None))
    } else {
        (PositiveScreenDefinition::acr_mqsa(), BenchmarkSet::us_acceptable())
    }
}
