//! Report figures as display text for the templates, so the templates hold no arithmetic.

use mammoflow_audit::{AlarmReason, BandKind, BandPosition, Benchmark, DriftTest, Figure};

/// A figure as shown: "10.0% (6.2–15.1%); 8/80" or the reason it is undefined, and its band.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shown {
    pub text: String,
    /// "within band", "below band", "above band", or empty without a band.
    pub band: String,
    /// CSS class: `within`, `below`, `above`, `undefined` or empty.
    pub class: String,
}

/// A value on its figure's scale: percent for proportions, one decimal for "per 1,000".
pub(crate) fn amount(value: f64, scale: f64) -> String {
    if scale == 1.0 { format!("{:.1}%", value * 100.0) } else { format!("{value:.1}") }
}

pub(crate) fn shown(f: &Figure) -> Shown {
    match f.value {
        None => Shown {
            text: f.undefined.map_or_else(|| "undefined".to_string(), |u| format!("undefined: {}", u.reason())),
            band: String::new(),
            class: "undefined".into(),
        },
        Some(v) => {
            let ci = f.ci95.map_or(String::new(), |(lo, hi)| format!(" ({}–{})", amount(lo, f.scale), amount(hi, f.scale)));
            // A published reference value (a registry mean) is shown next to the figure, not
            // judged against: "above band" would read as a failure.
            let judged = f.benchmark.as_ref().is_some_and(|b| b.kind == BandKind::Range);
            let position = f.band_position().filter(|_| judged).map(|p| match p {
                BandPosition::Below => "below",
                BandPosition::Within => "within",
                BandPosition::Above => "above",
            });
            Shown {
                text: format!("{}{ci}; {}/{}", amount(v, f.scale), f.numerator, f.denominator),
                band: position.map_or(String::new(), |p| format!("{p} band")),
                class: position.unwrap_or("").to_string(),
            }
        }
    }
}

/// "5.0%–12.0%" on the figure's scale.
pub(crate) fn band_range(b: &Benchmark, scale: f64) -> String {
    match (b.low, b.high) {
        (Some(lo), Some(hi)) if lo == hi => amount(lo, scale),
        (Some(lo), Some(hi)) => format!("{}–{}", amount(lo, scale), amount(hi, scale)),
        (Some(lo), None) => format!("≥ {}", amount(lo, scale)),
        (None, Some(hi)) => format!("≤ {}", amount(hi, scale)),
        (None, None) => "-".into(),
    }
}

/// "5.0%–12.0% (source)" on the figure's scale.
pub(crate) fn band_text(b: &Benchmark, scale: f64) -> String {
    let range = band_range(b, scale);
    match b.kind {
        BandKind::Range => format!("{range} ({})", b.source),
        BandKind::Reference => format!("reference {range}, not a pass mark ({})", b.source),
    }
}

/// Seconds as "2 h 05 min", "12 min", "40 s".
pub(crate) fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", s / 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

pub(crate) fn alarm_text(reasons: &[AlarmReason]) -> String {
    let parts: Vec<String> = reasons
        .iter()
        .map(|r| match r {
            AlarmReason::Psi { value, threshold } => format!("PSI {value:.3} > {threshold}"),
            AlarmReason::ChiSquare { p_value, threshold } => format!("chi-square p {p_value:.4} < {threshold}"),
            AlarmReason::Ks { p_value, threshold } => format!("KS p {p_value:.4} < {threshold}"),
        })
        .collect();
    parts.join("; ")
}

pub(crate) fn p_value(test: &Option<DriftTest>) -> String {
    test.as_ref().map_or_else(|| "-".to_string(), |t| format!("{:.4}", t.p_value()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mammoflow_audit::Undefined;

    #[test]
    fn figures_show_interval_counts_band_or_reason() {
        let f = Figure::ratio(8, 80, 1.0, Undefined::NoExams)
            .with_benchmark(Some(Benchmark::range(Some(0.05), Some(0.12), "test")));
        let s = shown(&f);
        assert!(s.text.starts_with("10.0% (") && s.text.ends_with("; 8/80"), "{}", s.text);
        assert_eq!(s.band, "within band");
        let u = shown(&Figure::undefined(Undefined::NoOutcomes, 0, 0, 1.0));
        assert_eq!(u.text, "undefined: no outcomes known yet");
        assert_eq!(duration(7500.0), "2 h 05 min");
    }
}
