//! Program metrics on a 20-exam data set, every figure counted by hand in the comments.

use mammoflow_audit::*;
use mammoflow_domain::BiRads::{self, *};

use crate::close;

fn exam(reader: Option<BiRads>, ai: Option<BiRads>, rec: bool, perf: bool, outcome: Outcome) -> ScreeningExam {
    ScreeningExam { reader, ai, biopsy_recommended: rec, biopsy_performed: perf, outcome }
}

/// 20 exams. Under ACR/MQSA (0, 3, 4*, 5 positive):
/// reader reads 19 (not #17): positive #1–#6; TP #1 #2; FP #3 #4 #5; #6 unknown;
///   FN #7 #8; TN #9 #10 #11 #13 #14 #15 #16 #18 #20; #12 #19 unknown.
/// AI reads 19 (not #16): positive #1 #2 #5 #7 #9; TP #1 #2 #7; FP #5 #9;
///   FN #8; TN #3 #4 #10 #11 #13 #14 #15 #18 #20; #6 #12 #17 #19 unknown.
/// Reader-or-AI, 18 exams with both (not #16, #17): positive #1–#7 and #9; TP #1 #2 #7;
///   FP #3 #4 #5 #9; #6 unknown; FN #8; TN #10 #11 #13 #14 #15 #18 #20.
pub fn data_set() -> Vec<ScreeningExam> {
    use Outcome::{Benign as B, Malignant as M, Unknown as U};
    vec![
        exam(Some(LowSuspicion), Some(HighlySuggestive), true, true, M), // 1
        exam(Some(Incomplete), Some(ModerateSuspicion), true, true, M),  // 2
        exam(Some(Incomplete), Some(Negative), true, true, B),           // 3
        exam(Some(ModerateSuspicion), Some(Benign), true, false, B),     // 4
        exam(Some(Incomplete), Some(Incomplete), false, false, B),       // 5
        exam(Some(ProbablyBenign), Some(Negative), false, false, U),     // 6
        exam(Some(Negative), Some(HighSuspicion), false, false, M),      // 7 interval cancer
        exam(Some(Benign), Some(Negative), false, false, M),             // 8 missed by both
        exam(Some(Negative), Some(Incomplete), false, false, B),         // 9
        exam(Some(Negative), Some(Negative), false, false, B),           // 10
        exam(Some(Benign), Some(Benign), false, false, B),               // 11
        exam(Some(Negative), Some(Negative), false, false, U),           // 12
        exam(Some(Negative), Some(Benign), false, false, B),             // 13
        exam(Some(Benign), Some(Negative), false, false, B),             // 14
        exam(Some(Negative), Some(Negative), false, false, B),           // 15
        exam(Some(Negative), None, false, false, B),                     // 16 AI failed
        exam(None, Some(Negative), false, false, U),                     // 17 unread
        exam(Some(Negative), Some(Negative), false, false, B),           // 18
        exam(Some(Benign), Some(Benign), false, false, U),               // 19
        exam(Some(Negative), Some(Negative), false, false, B),           // 20
    ]
}

fn acr() -> ProgramMetrics {
    program_metrics(&data_set(), &PositiveScreenDefinition::acr_mqsa(), &BenchmarkSet::us_acceptable())
}

#[test]
fn reader_figures_match_hand_counts() {
    let m = acr().reader;
    assert_eq!(m.counts.exams, 19);
    assert_eq!((m.counts.true_positive, m.counts.false_positive, m.counts.false_negative, m.counts.true_negative), (2, 3, 2, 9));
    close(m.recall_rate.value, 6.0 / 19.0);
    close(m.cancer_detection_per_1000.value, 2000.0 / 19.0);
    close(m.ppv1.value, 2.0 / 6.0);
    close(m.ppv2.value, 2.0 / 4.0); // biopsy recommended on #1–#4
    close(m.ppv3.value, 2.0 / 3.0); // biopsy performed on #1–#3
    close(m.sensitivity.value, 2.0 / 4.0);
    close(m.specificity.value, 9.0 / 12.0);
    close(m.positives_with_outcome.value, 5.0 / 6.0);
}

#[test]
fn ai_figures_match_hand_counts() {
    let m = acr().ai;
    assert_eq!(m.counts.exams, 19);
    close(m.recall_rate.value, 5.0 / 19.0);
    close(m.cancer_detection_per_1000.value, 3000.0 / 19.0);
    close(m.ppv1.value, 3.0 / 5.0);
    close(m.ppv2.value, 1.0); // #1 #2: the only AI positives with a biopsy recommendation
    close(m.ppv3.value, 1.0);
    close(m.sensitivity.value, 3.0 / 4.0);
    close(m.specificity.value, 9.0 / 11.0);
}

#[test]
fn reader_or_ai_is_positive_if_either_is() {
    let m = acr().reader_or_ai;
    assert_eq!(m.counts.exams, 18);
    close(m.recall_rate.value, 8.0 / 18.0);
    close(m.cancer_detection_per_1000.value, 3000.0 / 18.0);
    close(m.ppv1.value, 3.0 / 8.0);
    close(m.ppv2.value, 2.0 / 4.0);
    close(m.ppv3.value, 2.0 / 3.0);
    close(m.sensitivity.value, 3.0 / 4.0);
    close(m.specificity.value, 7.0 / 11.0);
}

#[test]
fn positive_screen_definition_is_a_value() {
    // EU recall (0, 4, 5): #6 (BI-RADS 3) is negative, so the reader has 5 positives.
    let m = program_metrics(&data_set(), &PositiveScreenDefinition::eu_recall(), &BenchmarkSet::none());
    assert_eq!(m.definition, "eu-recall-045");
    close(m.reader.recall_rate.value, 5.0 / 19.0);
    close(m.reader.ppv1.value, 2.0 / 5.0);
    assert_eq!(m.reader.counts.negative_unknown, 3);
    assert!(!PositiveScreenDefinition::acr_basic().is_positive(ProbablyBenign));
    assert!(!PositiveScreenDefinition::acr_mqsa().is_positive(KnownMalignancy));
}

#[test]
fn benchmark_bands_sit_next_to_each_figure() {
    let m = acr().reader;
    let band = m.recall_rate.benchmark.clone().unwrap();
    assert_eq!((band.low, band.high), (Some(0.03), Some(0.20)));
    assert!(band.source.contains("S8"));
    assert_eq!(m.recall_rate.band_position(), Some(BandPosition::Above));
    assert_eq!(m.ppv2.benchmark.as_ref().map(|b| b.kind), Some(BandKind::Reference));
    assert!(m.positives_with_outcome.benchmark.is_none());
    // Wilson interval brackets the value.
    let (lo, hi) = m.recall_rate.ci95.unwrap();
    assert!(lo < 6.0 / 19.0 && 6.0 / 19.0 < hi);
}

#[test]
fn empty_cell_is_undefined_everywhere_without_panic() {
    let m = program_metrics(&[], &PositiveScreenDefinition::acr_mqsa(), &BenchmarkSet::us_acceptable());
    for s in [&m.reader, &m.ai, &m.reader_or_ai] {
        for f in [&s.recall_rate, &s.cancer_detection_per_1000, &s.ppv1, &s.ppv2, &s.ppv3, &s.sensitivity, &s.specificity] {
            assert_eq!(f.value, None);
            assert_eq!(f.undefined, Some(Undefined::NoExams));
        }
    }
}

#[test]
fn no_outcomes_yet_leaves_outcome_figures_undefined() {
    let mut exams = data_set();
    for e in &mut exams {
        e.outcome = Outcome::Unknown;
    }
    let m = program_metrics(&exams, &PositiveScreenDefinition::acr_mqsa(), &BenchmarkSet::none()).reader;
    close(m.recall_rate.value, 6.0 / 19.0); // needs no outcome
    for f in [&m.cancer_detection_per_1000, &m.ppv1, &m.ppv2, &m.ppv3, &m.sensitivity, &m.specificity] {
        assert_eq!(f.value, None);
        assert_eq!(f.undefined, Some(Undefined::NoOutcomes));
    }
    close(m.positives_with_outcome.value, 0.0);
}

#[test]
fn all_negative_period_has_no_ppv_and_no_nan() {
    let exams: Vec<ScreeningExam> = (0..10)
        .map(|i| exam(Some(if i % 2 == 0 { Negative } else { Benign }), Some(Negative), false, false, Outcome::Benign))
        .collect();
    let m = program_metrics(&exams, &PositiveScreenDefinition::acr_mqsa(), &BenchmarkSet::none()).reader;
    close(m.recall_rate.value, 0.0);
    close(m.cancer_detection_per_1000.value, 0.0);
    for f in [&m.ppv1, &m.ppv2, &m.ppv3] {
        assert_eq!(f.value, None);
        assert_eq!(f.undefined, Some(Undefined::NoPositiveScreens));
    }
    assert_eq!(m.sensitivity.undefined, Some(Undefined::NoCancers));
    close(m.specificity.value, 1.0);
    let json = serde_json::to_string(&m).unwrap();
    assert!(!json.contains("NaN"));
}

#[test]
fn positives_without_biopsy_leave_ppv2_and_ppv3_undefined() {
    let exams = [exam(Some(Incomplete), Some(Negative), false, false, Outcome::Benign)];
    let m = program_metrics(&exams, &PositiveScreenDefinition::acr_mqsa(), &BenchmarkSet::none()).reader;
    close(m.ppv1.value, 0.0);
    assert_eq!(m.ppv2.undefined, Some(Undefined::NoBiopsyRecommended));
    assert_eq!(m.ppv3.undefined, Some(Undefined::NoBiopsyPerformed));
    assert_eq!(m.sensitivity.undefined, Some(Undefined::NoCancers));
}
