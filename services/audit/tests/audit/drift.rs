//! PSI, chi-square homogeneity, KS and alarms on small examples computed by hand.

use std::collections::BTreeMap;

use mammoflow_audit::drift::{align, category_counts, chi_square_homogeneity, ks_two_sample, psi_from_counts, DEFAULT_EPSILON};
use mammoflow_audit::*;
use mammoflow_domain::BiRads;

fn near(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() < tol, "expected {b}, got {a}");
}

#[test]
fn psi_by_hand() {
    // Shares 0.5/0.3/0.2 → 0.4/0.3/0.3: (−0.1)·ln(0.8) + 0 + 0.1·ln(1.5) = 0.0628609.
    near(psi_from_counts(&[50, 30, 20], &[40, 30, 30], DEFAULT_EPSILON).unwrap(), 0.062_860_865_942_237_39, 1e-12);
    near(psi_from_counts(&[5, 5], &[10, 10], DEFAULT_EPSILON).unwrap(), 0.0, 1e-15);
}

#[test]
fn psi_floors_empty_bins_at_epsilon() {
    // Reference 1/0 → 1e-4, current 0.5/0.5: (−0.5)·ln 0.5 + (0.5 − 1e-4)·ln(5000) = 4.6043185.
    near(psi_from_counts(&[100, 0], &[50, 50], 1e-4).unwrap(), 4.604_318_466_668_95, 1e-9);
    assert!(psi_from_counts(&[100, 0], &[50, 50], 1e-3).unwrap() < 4.0);
}

#[test]
fn psi_rejects_bad_input() {
    assert_eq!(psi_from_counts(&[1, 2], &[1], 1e-4), Err(AuditError::LengthMismatch { what: "psi", left: 2, right: 1 }));
    assert_eq!(psi_from_counts(&[1, 2], &[0, 0], 1e-4), Err(AuditError::EmptySample { which: "current" }));
    assert!(matches!(psi_from_counts(&[1], &[1], 0.0), Err(AuditError::InvalidParameter { .. })));
}

#[test]
fn chi_square_homogeneity_by_hand() {
    // Column totals 90/60/50 over two rows of 100 → expected 45/30/25 in each row;
    // χ² = 2·(25/45 + 0 + 25/25) = 28/9, df 2, p = exp(−14/9) = 0.2110721.
    let c = chi_square_homogeneity(&[50, 30, 20], &[40, 30, 30]).unwrap().unwrap();
    near(c.statistic, 28.0 / 9.0, 1e-12);
    assert_eq!(c.df, 2);
    near(c.p_value, 0.211_072_087_791_090_2, 1e-12);
    near(c.min_expected, 25.0, 1e-12);
    // A category empty in both windows is dropped; one category left → undefined.
    assert_eq!(chi_square_homogeneity(&[50, 30, 20, 0], &[40, 30, 30, 0]).unwrap().unwrap().df, 2);
    assert_eq!(chi_square_homogeneity(&[7, 0], &[3, 0]).unwrap(), None);
}

#[test]
fn ks_by_hand_with_ties() {
    // F_ref after 1, 2, 3, 4: .25 .5 .75 1; F_cur (3..7) after 3, 4: .2 .4 → D = 1 − 0.4 = 0.6.
    // nₑ = 20/9, λ = (√nₑ + 0.12 + 0.11/√nₑ)·0.6 = 1.0107013, Q_KS(λ) = 0.2587047.
    let k = ks_two_sample(&[4.0, 2.0, 3.0, 1.0], &[3.0, 4.0, 5.0, 6.0, 7.0]).unwrap();
    near(k.statistic, 0.6, 1e-12);
    near(k.p_value, 0.258_704_696_712_668_44, 1e-9);
    let same = ks_two_sample(&[0.1, 0.2, 0.2], &[0.2, 0.1, 0.2]).unwrap();
    assert_eq!((same.statistic, same.p_value), (0.0, 1.0));
    assert_eq!(ks_two_sample(&[], &[1.0]), Err(AuditError::EmptySample { which: "reference" }));
    assert_eq!(ks_two_sample(&[1.0], &[f64::NAN]), Err(AuditError::NonFinite { which: "current" }));
}

#[test]
fn bins_put_out_of_range_values_in_the_end_bins() {
    let bins = Bins::uniform(0.0, 1.0, 10).unwrap();
    assert_eq!(bins.len(), 10);
    let h = bins.histogram(&[-0.5, 0.0, 0.1, 0.15, 0.999, 1.0, 2.0], "x").unwrap();
    assert_eq!(h, vec![2, 2, 0, 0, 0, 0, 0, 0, 0, 3]);
    assert!(Bins::new(vec![0.0, 0.0]).is_err());
    assert!(Bins::new(vec![0.0]).is_err());
    assert!(Bins::uniform(0.0, 1.0, 0).is_err());
}

#[test]
fn score_drift_raises_psi_and_ks_alarms() {
    // One value per decile against ten values in the top decile:
    // PSI = 9·(1e-4 − 0.1)·ln(1e-3) + 0.9·ln 10 = 8.2830894; D = 0.9 (F_ref(0.85) = 0.9).
    let reference: Vec<f64> = (0..10).map(|i| 0.05 + 0.1 * f64::from(i)).collect();
    let current = vec![0.95; 10];
    let bins = Bins::uniform(0.0, 1.0, 10).unwrap();
    let r = score_drift(&reference, &current, &bins, DriftThresholds::default()).unwrap();
    near(r.psi, 8.283_089_355_027_482, 1e-9);
    let Some(DriftTest::Ks(ks)) = r.test else { panic!("{:?}", r.test) };
    near(ks.statistic, 0.9, 1e-12);
    near(ks.p_value, 0.000_170_119_252_738_297_54, 1e-9);
    let alarm = r.alarm.unwrap();
    assert_eq!(alarm.reasons.len(), 2);
    assert!(matches!(alarm.reasons[1], AlarmReason::Ks { threshold, .. } if threshold == 0.01));
    let quiet = score_drift(&reference, &reference, &bins, DriftThresholds::default()).unwrap();
    assert_eq!(quiet.alarm, None);
    near(quiet.psi, 0.0, 1e-15);
}

#[test]
fn categorical_drift_with_thresholds_as_a_value() {
    let reference: BTreeMap<&str, u64> = [("a", 50), ("b", 30), ("c", 20)].into();
    let current: BTreeMap<&str, u64> = [("a", 40), ("b", 30), ("c", 30)].into();
    // PSI 0.0629 and p 0.211: quiet under the defaults, a PSI alarm at 0.05.
    let r = categorical_drift(&reference, &current, DriftThresholds::default()).unwrap();
    assert_eq!(r.alarm, None);
    near(r.current_shares[2], 0.3, 1e-12);
    let strict = DriftThresholds { psi: 0.05, ..DriftThresholds::default() };
    let r = categorical_drift(&reference, &current, strict).unwrap();
    assert_eq!(r.alarm.unwrap().reasons, vec![AlarmReason::Psi { value: r.psi, threshold: 0.05 }]);
    let bad = DriftThresholds { p_value: 1.5, ..DriftThresholds::default() };
    assert!(categorical_drift(&reference, &current, bad).is_err());
}

#[test]
fn a_new_category_in_the_current_window_alarms() {
    // A device software version never seen in the reference window.
    let reference = category_counts(std::iter::repeat_n("v1", 200));
    let current = category_counts(std::iter::repeat_n("v1", 100).chain(std::iter::repeat_n("v2", 100)));
    let (keys, r, c) = align(&reference, &current);
    assert_eq!((keys, r, c), (vec!["v1", "v2"], vec![200, 0], vec![100, 100]));
    let report = categorical_drift(&reference, &current, DriftThresholds::default()).unwrap();
    near(report.psi, 4.604_318_466_668_95, 1e-9);
    let Some(DriftTest::ChiSquare(chi)) = report.test else { panic!() };
    assert!(chi.p_value < 1e-20);
    assert_eq!(report.alarm.unwrap().reasons.len(), 2);
}

#[test]
fn birads_category_shares_drift() {
    let r = category_counts([BiRads::Negative, BiRads::Negative, BiRads::Benign, BiRads::Incomplete]);
    let c = category_counts([BiRads::Negative, BiRads::Benign, BiRads::Benign, BiRads::Incomplete]);
    let report = categorical_drift(&r, &c, DriftThresholds::default()).unwrap();
    // Keys in severity order 1, 2, 0: shares .5 .25 .25 → .25 .5 .25: 2·0.25·ln 2 = 0.3465736.
    near(report.psi, 0.5 * std::f64::consts::LN_2, 1e-12);
    assert!(report.alarm.is_some());
    assert_eq!(categorical_drift(&r, &BTreeMap::new(), DriftThresholds::default()).unwrap_err(), AuditError::EmptySample { which: "current" });
}
