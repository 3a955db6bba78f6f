//! Grouped bar chart: one group per category, one bar per series (e.g. reference vs current
//! share of each BI-RADS category); a single series is a plain histogram.

use std::fmt::Write;

use super::{escape, gridlines, heading, no_data, open, tick_label};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 52.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 40.0;

/// `series`: `(name, colour, values)` with one value per category; NaN draws no bar.
pub fn grouped_bars(title: &str, categories: &[String], series: &[(String, String, Vec<f64>)], percent: bool) -> String {
    let mut svg = open(WIDTH, HEIGHT, title);
    let max = series.iter().flat_map(|(_, _, v)| v.iter().copied()).filter(|v| v.is_finite()).fold(0.0, f64::max);
    if categories.is_empty() || series.is_empty() || max <= 0.0 {
        return no_data(svg, WIDTH, HEIGHT);
    }
    heading(&mut svg, title);
    let top = max * 1.1;
    let plot_w = WIDTH - LEFT - 12.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / categories.len() as f64;
    let bar = slot * 0.8 / series.len() as f64;
    let y = |v: f64| TOP + plot_h * (1.0 - (v / top).clamp(0.0, 1.0));
    gridlines(&mut svg, top, LEFT, WIDTH - 12.0, percent, &y);
    for (i, category) in categories.iter().enumerate() {
        let c = escape(category);
        let _ = write!(
            svg,
            r##"<text x="{cx:.1}" y="{ly}" font-size="10" text-anchor="middle" fill="#1d2733">{c}</text>"##,
            cx = LEFT + slot * (i as f64 + 0.5),
            ly = HEIGHT - BOTTOM + 14.0,
        );
        for (k, (name, colour, values)) in series.iter().enumerate() {
            let Some(v) = values.get(i).copied().filter(|v| v.is_finite()) else { continue };
            let _ = write!(
                svg,
                r##"<rect x="{x:.1}" y="{yy:.1}" width="{bar:.1}" height="{h:.1}" fill="{col}"><title>{n}, {c}: {l}</title></rect>"##,
                x = LEFT + slot * i as f64 + slot * 0.1 + bar * k as f64,
                yy = y(v),
                h = (TOP + plot_h - y(v)).max(0.0),
                col = escape(colour),
                n = escape(name),
                l = tick_label(v, percent),
            );
        }
    }
    for (k, (name, colour, _)) in series.iter().enumerate() {
        let lx = LEFT + 150.0 * k as f64;
        let _ = write!(
            svg,
            r##"<rect x="{lx}" y="22" width="10" height="10" fill="{col}"/><text x="{tx}" y="31" font-size="11" fill="#1d2733">{n}</text>"##,
            col = escape(colour),
            tx = lx + 14.0,
            n = escape(name),
        );
    }
    svg.push_str("</svg>");
    svg
}
