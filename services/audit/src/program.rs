//! Screening-program metrics (ACR BI-RADS atlas "Follow-up and outcome monitoring"; MQSA audit;
//! EU guidelines), as defined in `reference/screening.md` §4, per reading source.
//!
//! Counting rules, for every source (reader, AI, reader-or-AI):
//! - the population is the exams this source has read (see [`ReadingSource::is_positive`]);
//! - **TP** = positive screen with a malignant outcome, **FP** = positive with a benign one,
//!   **FN** = negative with a malignant one (interval cancer), **TN** = negative and benign;
//! - an exam with an *unknown* outcome is not (yet) a cancer: it stays in the denominators of the
//!   recall rate, CDR and PPVs (so they are "so far" figures while follow-up is open, and
//!   `positives_with_outcome` tells how complete they are), and is left out of sensitivity and
//!   specificity, which need registry linkage;
//! - a figure whose denominator holds exams but none with a known outcome is undefined
//!   ([`Undefined::NoOutcomes`]) rather than a misleading 0;
//! - PPV2 and PPV3 count biopsies recommended / performed **after a positive screen by this
//!   source**. For the reader this is the atlas definition (a negative screen is not worked up);
//!   for the AI it is "of the biopsies on exams the AI would have recalled, how many found
//!   cancer", the only PPV2/3 measurable while the AI does not drive the work-up.

use serde::{Deserialize, Serialize};

use crate::benchmark::BenchmarkSet;
use crate::figure::{Figure, Undefined};
use crate::screen::{Outcome, PositiveScreenDefinition, ReadingSource, ScreeningExam};

/// The 2×2 outcome table of one source, plus the exams whose outcome is unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeCounts {
    pub exams: u64,
    pub positive: u64,
    pub true_positive: u64,
    pub false_positive: u64,
    pub false_negative: u64,
    pub true_negative: u64,
    pub positive_unknown: u64,
    pub negative_unknown: u64,
    pub biopsy_recommended: u64,
    pub biopsy_recommended_malignant: u64,
    pub biopsy_recommended_known: u64,
    pub biopsy_performed: u64,
    pub biopsy_performed_malignant: u64,
    pub biopsy_performed_known: u64,
}

impl OutcomeCounts {
    /// Counts `exams` for one source; exams it has not read are skipped.
    pub fn count<'a>(
        exams: impl IntoIterator<Item = &'a ScreeningExam>,
        source: ReadingSource,
        def: &PositiveScreenDefinition,
    ) -> OutcomeCounts {
        let mut c = OutcomeCounts::default();
        for exam in exams {
            let Some(positive) = source.is_positive(exam, def) else { continue };
            c.exams += 1;
            let malignant = exam.outcome == Outcome::Malignant;
            let known = exam.outcome != Outcome::Unknown;
            match (positive, exam.outcome) {
                (true, Outcome::Malignant) => c.true_positive += 1,
                (true, Outcome::Benign) => c.false_positive += 1,
                (true, Outcome::Unknown) => c.positive_unknown += 1,
                (false, Outcome::Malignant) => c.false_negative += 1,
                (false, Outcome::Benign) => c.true_negative += 1,
                (false, Outcome::Unknown) => c.negative_unknown += 1,
            }
            if !positive {
                continue;
            }
            c.positive += 1;
            if exam.biopsy_recommended {
                c.biopsy_recommended += 1;
                c.biopsy_recommended_malignant += u64::from(malignant);
                c.biopsy_recommended_known += u64::from(known);
            }
            if exam.biopsy_performed {
                c.biopsy_performed += 1;
                c.biopsy_performed_malignant += u64::from(malignant);
                c.biopsy_performed_known += u64::from(known);
            }
        }
        c
    }

    /// Exams with a known outcome.
    pub fn known(&self) -> u64 {
        self.true_positive + self.false_positive + self.false_negative + self.true_negative
    }
}

/// Every program figure of one reading source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceMetrics {
    pub source: ReadingSource,
    pub counts: OutcomeCounts,
    /// Positive screens / screens (the abnormal interpretation rate under an ACR definition,
    /// the recall-to-assessment rate under the EU one).
    pub recall_rate: Figure,
    /// Screen-detected cancers (TP) per 1,000 screens.
    pub cancer_detection_per_1000: Figure,
    /// TP / positive screens.
    pub ppv1: Figure,
    /// Cancers / positive screens with a biopsy recommendation.
    pub ppv2: Figure,
    /// Cancers / positive screens with a biopsy performed.
    pub ppv3: Figure,
    /// TP / (TP + FN), over exams with a known outcome.
    pub sensitivity: Figure,
    /// TN / (TN + FP), over exams with a known outcome.
    pub specificity: Figure,
    /// Share of positive screens whose outcome is known (data completeness, screening.md §9.7).
    pub positives_with_outcome: Figure,
}

/// Program metrics of one cell for the reader, the AI and reader-or-AI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramMetrics {
    /// Name of the positive-screen definition used.
    pub definition: String,
    /// Name of the benchmark set drawn.
    pub benchmarks: String,
    pub reader: SourceMetrics,
    pub ai: SourceMetrics,
    pub reader_or_ai: SourceMetrics,
}

/// Computes the program metrics of `exams` for all three reading sources.
pub fn program_metrics<'a>(
    exams: impl IntoIterator<Item = &'a ScreeningExam>,
    def: &PositiveScreenDefinition,
    bench: &BenchmarkSet,
) -> ProgramMetrics {
    let exams: Vec<&ScreeningExam> = exams.into_iter().collect();
    let per = |source| source_metrics(OutcomeCounts::count(exams.iter().copied(), source, def), source, bench);
    ProgramMetrics {
        definition: def.name.clone(),
        benchmarks: bench.name.clone(),
        reader: per(ReadingSource::Reader),
        ai: per(ReadingSource::Ai),
        reader_or_ai: per(ReadingSource::ReaderOrAi),
    }
}

/// The figures of one source from its counts.
pub fn source_metrics(c: OutcomeCounts, source: ReadingSource, bench: &BenchmarkSet) -> SourceMetrics {
    let positive_known = c.true_positive + c.false_positive;
    // A ratio over a population none of whose outcomes is known yet is undefined, not 0.
    let outcome_ratio = |num: u64, den: u64, known: u64, scale: f64, if_zero: Undefined| {
        if den > 0 && known == 0 {
            Figure::undefined(Undefined::NoOutcomes, num, den, scale)
        } else {
            Figure::ratio(num, den, scale, if_zero)
        }
    };
    let known_ratio = |num: u64, den: u64, if_zero: Undefined| {
        if c.exams == 0 {
            Figure::undefined(Undefined::NoExams, num, den, 1.0)
        } else if c.known() == 0 {
            Figure::undefined(Undefined::NoOutcomes, num, den, 1.0)
        } else {
            Figure::ratio(num, den, 1.0, if_zero)
        }
    };
    let cdr = if c.exams == 0 {
        Figure::undefined(Undefined::NoExams, 0, 0, 1000.0)
    } else if c.positive > 0 && positive_known == 0 {
        Figure::undefined(Undefined::NoOutcomes, c.true_positive, c.exams, 1000.0)
    } else {
        Figure::ratio(c.true_positive, c.exams, 1000.0, Undefined::NoExams)
    };
    let no_positive = if c.exams == 0 { Undefined::NoExams } else { Undefined::NoPositiveScreens };
    SourceMetrics {
        source,
        counts: c,
        recall_rate: Figure::ratio(c.positive, c.exams, 1.0, Undefined::NoExams).with_benchmark(bench.recall_rate.clone()),
        cancer_detection_per_1000: cdr.with_benchmark(bench.cancer_detection_per_1000.clone()),
        ppv1: outcome_ratio(c.true_positive, c.positive, positive_known, 1.0, no_positive).with_benchmark(bench.ppv1.clone()),
        ppv2: outcome_ratio(
            c.biopsy_recommended_malignant,
            c.biopsy_recommended,
            c.biopsy_recommended_known,
            1.0,
            if c.positive == 0 { no_positive } else { Undefined::NoBiopsyRecommended },
        )
        .with_benchmark(bench.ppv2.clone()),
        ppv3: outcome_ratio(
            c.biopsy_performed_malignant,
            c.biopsy_performed,
            c.biopsy_performed_known,
            1.0,
            if c.positive == 0 { no_positive } else { Undefined::NoBiopsyPerformed },
        )
        .with_benchmark(bench.ppv3.clone()),
        sensitivity: known_ratio(c.true_positive, c.true_positive + c.false_negative, Undefined::NoCancers)
            .with_benchmark(bench.sensitivity.clone()),
        specificity: known_ratio(c.true_negative, c.true_negative + c.false_positive, Undefined::NoCancerFreeExams)
            .with_benchmark(bench.specificity.clone()),
        positives_with_outcome: Figure::ratio(positive_known, c.positive, 1.0, no_positive),
    }
}
