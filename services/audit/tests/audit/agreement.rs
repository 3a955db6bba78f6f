//! Confusion matrix and Cohen's kappa against textbook and hand-computed values.

use mammoflow_audit::*;
use mammoflow_domain::BiRads::{self, *};

use crate::close;

#[test]
fn kappa_matches_textbook_two_by_two_tables() {
    // Yes/yes 20, yes/no 5, no/yes 10, no/no 15: p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5 → 0.4.
    close(cohen_kappa(&[vec![20, 5], vec![10, 15]]), 0.4);
    // 45, 15, 25, 15: p_o = 0.6, p_e = 0.6·0.7 + 0.4·0.3 = 0.54 → 0.06 / 0.46.
    close(cohen_kappa(&[vec![45, 15], vec![25, 15]]), 0.06 / 0.46);
    // Perfect agreement on two categories; one category only is undefined.
    close(cohen_kappa(&[vec![3, 0], vec![0, 7]]), 1.0);
    assert_eq!(cohen_kappa(&[vec![9, 0], vec![0, 0]]), None);
    assert_eq!(cohen_kappa(&[]), None);
}

/// 50 (reader, AI) pairs: (0, 0) ×15, (4A, 1) ×10, (1, 0) ×5, (1, 1) ×20.
fn pairs() -> Vec<(BiRads, BiRads)> {
    let mut v = Vec::new();
    v.extend(std::iter::repeat_n((Incomplete, Incomplete), 15));
    v.extend(std::iter::repeat_n((LowSuspicion, Negative), 10));
    v.extend(std::iter::repeat_n((Negative, Incomplete), 5));
    v.extend(std::iter::repeat_n((Negative, Negative), 20));
    v
}

#[test]
fn agreement_on_recall_and_categories() {
    let a = agreement(&pairs(), &PositiveScreenDefinition::acr_mqsa(), &AgreementOptions::default());
    assert_eq!(a.n, 50);
    // [reader-][ai-] 20, [reader-][ai+] 5, [reader+][ai-] 10, [reader+][ai+] 15: the first
    // textbook table, transposed → 0.4.
    assert_eq!(a.recall, [[20, 5], [10, 15]]);
    close(a.kappa_recall.value, 0.4);
    // Categories: p_o = 35/50; reader marginals 1:25, 0:15, 4A:10; AI 1:30, 0:20, 4A:0;
    // p_e = (25·30 + 15·20)/2500 = 0.42 → (0.7 − 0.42)/0.58.
    assert_eq!(a.matrix.count(Incomplete, Incomplete), 15);
    assert_eq!(a.matrix.count(LowSuspicion, Negative), 10);
    assert_eq!(a.matrix.total(), 50);
    assert_eq!(a.matrix.labels.len(), 10);
    close(a.observed_agreement, 0.7);
    close(a.kappa_category.value, 0.28 / 0.58);
    close(a.matrix.kappa(), 0.28 / 0.58);
}

#[test]
fn bootstrap_interval_is_seeded_and_brackets_the_estimate() {
    let def = PositiveScreenDefinition::acr_mqsa();
    let opts = AgreementOptions::default();
    let a = agreement(&pairs(), &def, &opts);
    let b = agreement(&pairs(), &def, &opts);
    assert_eq!(a, b);
    for e in [a.kappa_recall, a.kappa_category] {
        let (v, lo, hi) = (e.value.unwrap(), e.ci_low.unwrap(), e.ci_high.unwrap());
        assert!(lo < v && v < hi, "{e:?}");
        assert!(lo > -1.0 && hi <= 1.0);
    }
    let other = AgreementOptions { bootstrap: Bootstrap { seed: 7, ..Bootstrap::default() }, ..opts };
    let c = agreement(&pairs(), &def, &other);
    assert_eq!(c.kappa_recall.value, a.kappa_recall.value);
    assert_ne!(c.kappa_recall.ci_low, a.kappa_recall.ci_low);
}

#[test]
fn collapsed_matrix_merges_4_subdivisions() {
    let p = [(LowSuspicion, Suspicious), (HighSuspicion, ModerateSuspicion), (Negative, Negative), (Negative, Benign)];
    let def = PositiveScreenDefinition::acr_mqsa();
    let full = agreement(&p, &def, &AgreementOptions::default());
    close(full.observed_agreement, 0.25);
    let opts = AgreementOptions { collapse_4: true, ..AgreementOptions::default() };
    let merged = agreement(&p, &def, &opts);
    assert_eq!(merged.matrix.labels.len(), 7);
    assert_eq!(merged.matrix.count(Suspicious, Suspicious), 2);
    close(merged.observed_agreement, 0.75);
    // Reader 4:2, 1:2; AI 4:2, 1:1, 2:1 → p_e = (4 + 2)/16; κ = (0.75 − 0.375)/0.625 = 0.6.
    close(merged.kappa_category.value, 0.6);
}

#[test]
fn empty_and_constant_cells_have_no_kappa() {
    let def = PositiveScreenDefinition::acr_mqsa();
    let empty = agreement(&[], &def, &AgreementOptions::default());
    assert_eq!(empty.n, 0);
    assert_eq!(empty.observed_agreement, None);
    assert_eq!(empty.kappa_recall, Estimate::default());
    let constant = agreement(&[(Negative, Negative); 12], &def, &AgreementOptions::default());
    close(constant.observed_agreement, 1.0);
    assert_eq!(constant.kappa_category.value, None);
    assert_eq!(constant.kappa_recall.ci_low, None);
}
