//! Metrics on tiny cases computed by hand.

use super::*;
use crate::schema::{MammoRgReport, State};

fn item(left: (&str, &str), right: (&str, &str)) -> EvalItem {
    let mut r = MammoRgReport::default();
    r.breast_assessment.left.density = left.0.into();
    r.breast_assessment.left.birads = left.1.into();
    r.breast_assessment.right.density = right.0.into();
    r.breast_assessment.right.birads = right.1.into();
    EvalItem { structured: r, ..Default::default() }
}

fn close(m: Metric, want: f64) -> bool {
    m.value.is_some_and(|v| (v - want).abs() < 1e-9)
}

#[test]
fn density_f1_is_macro_f1_times_completeness() {
    // Reference: r1 (A, B), r2 (D, —). Prediction: r1 (A, A), r2 (—, D).
    // should = 3, actual = 2, pairs (A,A), (B,A): F1(A) = 2/3, F1(B) = 0 → macro 1/3 → × 2/3.
    let refs = [item(("脂肪型", "BLA"), ("纤维腺体型", "BLA")), item(("致密型", "BLA"), ("BLA", "BLA"))];
    let pred = [item(("脂肪型", "BLA"), ("脂肪型", "BLA")), item(("BLA", "BLA"), ("致密型", "BLA"))];
    let r = evaluate(&pred, &refs).expect("same length");
    assert!(close(r.density_f1, 2.0 / 9.0), "{:?}", r.density_f1);
    // No reference BI-RADS anywhere: undefined, not zero.
    assert_eq!(r.birads_f1.value, None);
}

#[test]
fn off_list_birads_counts_as_stated_but_wrong() {
    let refs = [item(("BLA", "Bi-Rads 2"), ("BLA", "BI-RADS 2"))];
    let pred = [item(("BLA", "BI-RADS 4"), ("BLA", "BI-RADS 2"))];
    // Pairs (2, other), (2, 2): F1(2) = 2·1·0.5/1.5 = 2/3, F1(other) = 0 → 1/3; complete.
    let r = evaluate(&pred, &refs).expect("same length");
    assert!(close(r.birads_f1, 1.0 / 3.0), "{:?}", r.birads_f1);
}

#[test]
fn finding_f1_both_versions() {
    let mut rf = MammoRgReport::default();
    rf.breast_assessment.left.entities.mass = State::Pos;
    rf.breast_assessment.left.entities.calcification = State::Neg;
    rf.breast_assessment.right.entities.mass = State::Neg;
    let mut pr = MammoRgReport::default();
    pr.breast_assessment.left.entities.mass = State::Pos;
    pr.breast_assessment.left.entities.calcification = State::Pos;
    pr.breast_assessment.right.entities.nodule = State::Pos; // reference BLA: ignored by v04
    let r = evaluate(&[EvalItem { structured: pr, ..Default::default() }], &[EvalItem { structured: rf, ..Default::default() }])
        .expect("same length");
    // v04: tp 1, fp 1, fn 0 → 2/3. v08: Dice({L mass}, {L mass, L calc, R nodule}) = 2/4.
    assert!(close(r.finding_f1, 2.0 / 3.0), "{:?}", r.finding_f1);
    assert!(close(r.finding_f1_v2026_08, 0.5), "{:?}", r.finding_f1_v2026_08);
}

#[test]
fn relation_f1_both_versions() {
    let t = |o: &str| ["肿块".to_string(), "Located_at".to_string(), o.to_string()];
    let p1 = MammoRgReport { relations: vec![t("左乳"), t("右乳")], ..Default::default() };
    let r1 = MammoRgReport { relations: vec![t("左乳"), t("双乳")], ..Default::default() };
    let p2 = MammoRgReport::default();
    let r2 = MammoRgReport { relations: vec![t("右乳外上象限")], ..Default::default() };
    let wrap = |m: MammoRgReport| EvalItem { structured: m, ..Default::default() };
    let r = evaluate(&[wrap(p1), wrap(p2)], &[wrap(r1), wrap(r2)]).expect("same length");
    // Micro: C = 1, |pred| = 2, |ref| = 3 → P 1/2, R 1/3 → F 0.4. Dice: mean(1/2, 0) = 0.25.
    assert!(r.relation_f1.value.is_some_and(|v| (v - 0.4).abs() < 1e-6), "{:?}", r.relation_f1);
    assert!(close(r.relation_f1_v2026_08, 0.25));
}

#[test]
fn bootstrap_is_seeded_and_brackets_the_estimate() {
    let refs: Vec<EvalItem> = (0..40).map(|i| item(("BLA", if i % 3 == 0 { "BI-RADS 1" } else { "BI-RADS 2" }), ("BLA", "BLA"))).collect();
    let pred: Vec<EvalItem> = (0..40).map(|i| item(("BLA", if i % 4 == 0 { "BI-RADS 1" } else { "BI-RADS 2" }), ("BLA", "BLA"))).collect();
    let a = evaluate(&pred, &refs).expect("same length");
    let b = evaluate(&pred, &refs).expect("same length");
    assert_eq!(a, b);
    let m = a.birads_f1;
    let (v, lo, hi) = (m.value.unwrap_or(-1.0), m.ci_low.unwrap_or(2.0), m.ci_high.unwrap_or(-1.0));
    assert!(lo <= v && v <= hi && lo < hi, "{m:?}");
    let other = evaluate_with(&pred, &refs, &EvalOptions { seed: 7, ..Default::default() }).expect("same length");
    assert_ne!(other.birads_f1.ci_low, a.birads_f1.ci_low);
}

#[test]
fn nlg_metrics_present_only_with_texts() {
    let mk = |t: &str| EvalItem { text: Some(t.into()), ..Default::default() };
    let r = evaluate(&[mk("no suspicious mass . bi-rads 1")], &[mk("no suspicious mass . bi-rads 1")]).expect("same length");
    assert!(r.bleu4.is_some_and(|m| m.value.is_some_and(|v| (v - 1.0).abs() < 1e-12)));
    assert!(r.rouge_l.is_some_and(|m| m.value == Some(1.0)));
    let r = evaluate(&[EvalItem::default()], &[EvalItem::default()]).expect("same length");
    assert!(r.bleu1.is_none());
}

#[test]
fn length_mismatch_is_an_error() {
    assert!(evaluate(&[EvalItem::default()], &[]).is_err());
}
