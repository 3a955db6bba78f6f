//! Special functions the drift tests need, implemented here rather than pulled from a
//! statistics crate: the chi-square survival function through the regularized upper incomplete
//! gamma function Q(a, x), and the Kolmogorov distribution's survival function.
//!
//! Algorithms: Lanczos ln Γ (g = 7, 9 terms, relative error about 1e-15); Q(a, x) by the series
//! of P(a, x) for x < a + 1 and by the Legendre continued fraction (modified Lentz) otherwise,
//! as in Press et al., *Numerical Recipes*, 3rd ed., §6.2; the Kolmogorov series as in §6.14.

const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];
const EPS: f64 = 1e-15;
const MAX_ITER: usize = 10_000;

/// ln Γ(x) for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = LANCZOS[0];
    let t = x + LANCZOS_G + 0.5;
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a), for a > 0 and x ≥ 0;
/// `None` outside that domain or for non-finite input.
pub fn gamma_q(a: f64, x: f64) -> Option<f64> {
    if !(a.is_finite() && x.is_finite()) || a <= 0.0 || x < 0.0 {
        return None;
    }
    if x == 0.0 {
        return Some(1.0);
    }
    let q = if x < a + 1.0 { 1.0 - gamma_p_series(a, x) } else { gamma_q_fraction(a, x) };
    Some(q.clamp(0.0, 1.0))
}

/// P(a, x) by its power series.
fn gamma_p_series(a: f64, x: f64) -> f64 {
    let mut ap = a;
    let mut term = 1.0 / a;
    let mut sum = term;
    for _ in 0..MAX_ITER {
        ap += 1.0;
        term *= x / ap;
        sum += term;
        if term.abs() < sum.abs() * EPS {
            break;
        }
    }
    sum * (-x + a * x.ln() - ln_gamma(a)).exp()
}

/// Q(a, x) by its continued fraction, modified Lentz.
fn gamma_q_fraction(a: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..MAX_ITER {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    (-x + a * x.ln() - ln_gamma(a)).exp() * h
}

/// P(χ²_df ≥ x): the chi-square survival function, Q(df/2, x/2). `None` for df = 0, x < 0 or
/// non-finite x.
pub fn chi_square_sf(x: f64, df: u32) -> Option<f64> {
    if df == 0 {
        return None;
    }
    gamma_q(f64::from(df) / 2.0, x / 2.0)
}

/// Kolmogorov survival function Q_KS(λ) = 1 − K(λ), for λ ≥ 0 (1 below 0). As in Numerical
/// Recipes 3rd ed. §6.14: for λ < 1.18, K(λ) = √(2π)/λ · Σ_{j≥1} exp(−(2j−1)²π²/(8λ²)); otherwise
/// Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} exp(−2j²λ²). Both series converge in a few terms there.
pub fn kolmogorov_sf(lambda: f64) -> f64 {
    if lambda.is_nan() || lambda <= 0.0 {
        return 1.0;
    }
    if lambda < 1.18 {
        let y = (-std::f64::consts::PI.powi(2) / (8.0 * lambda * lambda)).exp();
        // Σ y^((2j−1)²) for j = 1..4; the fifth term is below 1e-300 relative at λ = 1.18.
        let sum = y + y.powi(9) + y.powi(25) + y.powi(49);
        let k = (2.0 * std::f64::consts::PI).sqrt() / lambda * sum;
        return (1.0 - k).clamp(0.0, 1.0);
    }
    let x = (-2.0 * lambda * lambda).exp();
    // 2(x − x⁴ + x⁹ − x¹⁶): at λ ≥ 1.18, x ≤ 0.062 and x²⁵ is below 1e-30.
    (2.0 * (x - x.powi(4) + x.powi(9) - x.powi(16))).clamp(0.0, 1.0)
}

/// NumPy's default ("linear") percentile of sorted, finite data; `None` when empty.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let pos = (q / 100.0).clamp(0.0, 1.0) * last as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (*sorted.get(lo)?, *sorted.get(hi)?);
    Some(a + (b - a) * (pos - lo as f64))
}
