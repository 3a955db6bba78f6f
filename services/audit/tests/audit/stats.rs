//! Special functions against table values and closed forms.

use mammoflow_audit::stats::{chi_square_sf, gamma_q, kolmogorov_sf, ln_gamma};

fn near(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() < tol, "expected {b}, got {a}");
}

#[test]
fn ln_gamma_at_known_points() {
    near(ln_gamma(1.0), 0.0, 1e-13);
    near(ln_gamma(5.0), 24f64.ln(), 1e-13);
    near(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-13);
    near(ln_gamma(0.1), 9.513_507_698_668_732f64.ln(), 1e-12);
}

#[test]
fn chi_square_survival_matches_table_critical_values() {
    // Textbook table: the 5% and 1% critical values.
    near(chi_square_sf(3.841, 1).unwrap(), 0.05, 1e-4);
    near(chi_square_sf(3.841_458_820_694_124, 1).unwrap(), 0.05, 1e-12);
    near(chi_square_sf(6.634_896_601_021_214, 1).unwrap(), 0.01, 1e-12);
    near(chi_square_sf(5.991_464_547_107_979, 2).unwrap(), 0.05, 1e-12);
    near(chi_square_sf(11.070_497_693_516_351, 5).unwrap(), 0.05, 1e-12);
    near(chi_square_sf(18.307_038_053_275_146, 10).unwrap(), 0.05, 1e-12);
    near(chi_square_sf(43.772_971_825_742_18, 30).unwrap(), 0.05, 1e-11);
}

#[test]
fn chi_square_survival_matches_closed_forms() {
    for x in [0.1, 1.0, 2.5, 7.0, 30.0] {
        // df 2: exp(−x/2); df 4: exp(−x/2)(1 + x/2).
        near(chi_square_sf(x, 2).unwrap(), (-x / 2.0).exp(), 1e-14);
        near(chi_square_sf(x, 4).unwrap(), (-x / 2.0).exp() * (1.0 + x / 2.0), 1e-14);
        near(gamma_q(1.0, x).unwrap(), (-x).exp(), 1e-14);
    }
    // df 1: erfc(sqrt(1/2)) = 0.3173105078629141 at x = 1.
    near(chi_square_sf(1.0, 1).unwrap(), 0.317_310_507_862_914_1, 1e-13);
    assert_eq!(chi_square_sf(0.0, 3), Some(1.0));
    assert_eq!(chi_square_sf(1.0, 0), None);
    assert_eq!(chi_square_sf(-1.0, 1), None);
    assert_eq!(chi_square_sf(f64::NAN, 1), None);
}

#[test]
fn kolmogorov_survival_at_known_points() {
    // Q_KS(1.36) ≈ 0.05 and Q_KS(1.63) ≈ 0.01: the classic large-sample critical values.
    near(kolmogorov_sf(1.358_098_8), 0.05, 1e-6);
    near(kolmogorov_sf(1.627_613), 0.01, 1e-6);
    near(kolmogorov_sf(1.0), 0.269_999_671_677_354_6, 1e-12);
    near(kolmogorov_sf(0.5), 0.963_945_243_664_875_1, 1e-12);
    assert_eq!(kolmogorov_sf(0.0), 1.0);
    assert!(kolmogorov_sf(10.0) < 1e-80);
}
