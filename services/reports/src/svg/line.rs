//! Trend lines with shaded confidence bands, a horizontal benchmark band and vertical change
//! markers.

use std::fmt::Write;

use super::{escape, gridlines, heading, no_data, open};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 44.0;

/// A value with its optional interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub value: f64,
    pub ci: Option<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineSeries {
    pub name: String,
    pub colour: String,
    /// One per x label; `None` (or a NaN value) leaves a gap.
    pub points: Vec<Option<Point>>,
}

/// A vertical line at `x`, a fractional index into the x labels (0 = first label's slot start).
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    pub title: String,
    pub x_labels: Vec<String>,
    pub series: Vec<LineSeries>,
    /// `(low, high)` of the benchmark band; an open bound is `None`.
    pub band: Option<(Option<f64>, Option<f64>)>,
    pub band_label: String,
    pub markers: Vec<Marker>,
    /// Values are proportions: axis labels in percent.
    pub percent: bool,
}

fn finite(p: &Option<Point>) -> Option<Point> {
    p.filter(|p| p.value.is_finite())
}

pub fn line_chart(chart: &LineChart) -> String {
    let mut svg = open(WIDTH, HEIGHT, &chart.title);
    let n = chart.x_labels.len();
    let values: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().filter_map(finite))
        .flat_map(|p| [Some(p.value), p.ci.map(|c| c.1)])
        .flatten()
        .filter(|v| v.is_finite())
        .collect();
    if n == 0 || values.is_empty() {
        return no_data(svg, WIDTH, HEIGHT);
    }
    heading(&mut svg, &chart.title);
    let band_top = chart.band.and_then(|(lo, hi)| hi.or(lo)).filter(|v| v.is_finite()).unwrap_or(0.0);
    let top = values.iter().copied().fold(band_top, f64::max).max(if chart.percent { 0.01 } else { 1.0 }) * 1.1;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: f64| LEFT + plot_w * i / n as f64;
    let y = |v: f64| TOP + plot_h * (1.0 - (v / top).clamp(0.0, 1.0));
    gridlines(&mut svg, top, LEFT, WIDTH - RIGHT, chart.percent, &y);
    if let Some((lo, hi)) = chart.band {
        let (y_hi, y_lo) = (y(hi.unwrap_or(top)), y(lo.unwrap_or(0.0)));
        let _ = write!(
            svg,
            r##"<rect x="{LEFT}" y="{y_hi:.1}" width="{plot_w}" height="{h:.1}" fill="#2f855a" fill-opacity="0.12"><title>{t}</title></rect><text x="{tx}" y="{ty:.1}" font-size="10" text-anchor="end" fill="#2f855a">{t}</text>"##,
            h = (y_lo - y_hi).max(0.0),
            tx = WIDTH - RIGHT - 4.0,
            ty = y_hi + 11.0,
            t = escape(&chart.band_label),
        );
    }
    // Every few labels only, so that 31 days stay legible.
    let step = n.div_ceil(12).max(1);
    for (i, label) in chart.x_labels.iter().enumerate().filter(|(i, _)| i % step == 0) {
        let _ = write!(
            svg,
            r##"<text x="{cx:.1}" y="{ly}" font-size="10" text-anchor="middle" fill="#4a5561">{l}</text>"##,
            cx = x(i as f64 + 0.5),
            ly = HEIGHT - BOTTOM + 14.0,
            l = escape(label),
        );
    }
    for m in chart.markers.iter().filter(|m| m.x.is_finite()) {
        let mx = x(m.x.clamp(0.0, n as f64));
        let _ = write!(
            svg,
            r##"<line x1="{mx:.1}" y1="{TOP}" x2="{mx:.1}" y2="{yb}" stroke="#6b46c1" stroke-dasharray="4 3"><title>{l}</title></line><text x="{tx:.1}" y="{ty}" font-size="10" fill="#6b46c1" transform="rotate(-90 {tx:.1} {ty})" text-anchor="end">{l}</text>"##,
            yb = HEIGHT - BOTTOM,
            tx = mx - 3.0,
            ty = TOP + 2.0,
            l = escape(&m.label),
        );
    }
    for (k, s) in chart.series.iter().enumerate() {
        series(&mut svg, s, &x, &y);
        // Legend entry.
        let lx = LEFT + 150.0 * k as f64;
        let _ = write!(
            svg,
            r##"<rect x="{lx}" y="24" width="12" height="4" fill="{c}"/><text x="{tx}" y="30" font-size="11" fill="#1d2733">{name}</text>"##,
            c = escape(&s.colour),
            tx = lx + 16.0,
            name = escape(&s.name),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One series: its interval band per run of consecutive points, then the line and dots.
fn series(svg: &mut String, s: &LineSeries, x: &dyn Fn(f64) -> f64, y: &dyn Fn(f64) -> f64) {
    let colour = escape(&s.colour);
    let points: Vec<(f64, Point)> =
        s.points.iter().enumerate().filter_map(|(i, p)| finite(p).map(|p| (x(i as f64 + 0.5), p))).collect();
    // Runs of consecutive defined points: a missing period breaks the line and its band.
    let mut runs: Vec<Vec<(f64, Point)>> = Vec::new();
    let mut in_run = false;
    for (i, p) in s.points.iter().enumerate() {
        match finite(p) {
            Some(p) => {
                if !in_run {
                    runs.push(Vec::new());
                    in_run = true;
                }
                if let Some(run) = runs.last_mut() {
                    run.push((x(i as f64 + 0.5), p));
                }
            }
            None => in_run = false,
        }
    }
    for run in &runs {
        let ci: Vec<(f64, f64, f64)> = run.iter().filter_map(|(px, p)| p.ci.map(|(lo, hi)| (*px, lo, hi))).collect();
        // A band needs two points; a lone point gets its interval as a whisker below.
        if ci.len() == run.len() && ci.len() > 1 {
            let mut d = String::new();
            for (j, (px, _, hi)) in ci.iter().enumerate() {
                let _ = write!(d, "{}{px:.1},{:.1} ", if j == 0 { "M" } else { "L" }, y(*hi));
            }
            for (px, lo, _) in ci.iter().rev() {
                let _ = write!(d, "L{px:.1},{:.1} ", y(*lo));
            }
            let _ = write!(svg, r#"<path d="{}Z" fill="{colour}" fill-opacity="0.15" stroke="none"/>"#, d.trim_end());
        }
        let d: Vec<String> =
            run.iter().enumerate().map(|(j, (px, p))| format!("{}{px:.1},{:.1}", if j == 0 { "M" } else { "L" }, y(p.value))).collect();
        let _ = write!(svg, r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#, d.join(" "));
    }
    for (px, p) in points {
        if let Some((lo, hi)) = p.ci.filter(|(lo, hi)| lo.is_finite() && hi.is_finite()) {
            let _ = write!(svg, r#"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="{colour}" stroke-opacity="0.5"/>"#, y(lo), y(hi));
        }
        let _ = write!(
            svg,
            r#"<circle cx="{px:.1}" cy="{cy:.1}" r="3" fill="{colour}"><title>{name}: {v:.4}</title></circle>"#,
            cy = y(p.value),
            name = escape(&s.name),
            v = p.value,
        );
    }
}
