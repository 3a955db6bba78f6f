//! Charts as inline SVG strings, drawn on the server: no scripts, `viewBox` sizing (they scale to
//! their container and print), `role="img"` with an `aria-label` and a `<title>`, every text
//! XML-escaped. Output is deterministic (fixed decimals, input order), so a report renders the
//! same bytes twice. Empty data draws a "no data" panel; NaN and missing points are skipped.

mod bars;
mod line;
mod matrix;
#[cfg(test)]
mod tests;

use std::fmt::Write;

pub use bars::grouped_bars;
pub use line::{line_chart, LineChart, LineSeries, Marker, Point};
pub use matrix::confusion_matrix;

/// Palette shared by the charts (readable in grey print too: dark vs mid tones).
pub const READER_COLOUR: &str = "#1f5fa8";
pub const AI_COLOUR: &str = "#c05621";
pub const REFERENCE_COLOUR: &str = "#8795a1";

/// XML escaping for text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The opening tag with its accessible name, and the title element.
fn open(width: f64, height: f64, title: &str) -> String {
    let t = escape(title);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{t}" font-family="sans-serif" class="chart"><title>{t}</title>"#
    )
}

/// Closes `svg` as a "no data" panel of the given size.
fn no_data(mut svg: String, width: f64, height: f64) -> String {
    let _ = write!(
        svg,
        r##"<rect x="0" y="0" width="{width}" height="{height}" fill="#f6f7f9"/><text x="{x}" y="{y}" text-anchor="middle" font-size="13" fill="#4a5561">no data</text></svg>"##,
        x = width / 2.0,
        y = height / 2.0
    );
    svg
}

/// An axis value: a percentage with one decimal for proportions, else up to one decimal.
fn tick_label(value: f64, percent: bool) -> String {
    if percent {
        format!("{:.1}%", value * 100.0)
    } else if (value - value.round()).abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// Chart title drawn at the top left (the `<title>` is for assistive technology and tooltips).
fn heading(svg: &mut String, title: &str) {
    let _ = write!(svg, r##"<text x="8" y="16" font-size="13" font-weight="bold" fill="#1d2733">{}</text>"##, escape(title));
}

/// Five horizontal gridlines from 0 to `top` across `[left, right]`, labelled on the left;
/// `y` maps a value to its pixel row.
fn gridlines(svg: &mut String, top: f64, left: f64, right: f64, percent: bool, y: &dyn Fn(f64) -> f64) {
    use std::fmt::Write;
    for k in 0..=4 {
        let v = top * f64::from(k) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{right}" y2="{yy:.1}" stroke="#e3e7ec"/><text x="{tx}" y="{ty:.1}" font-size="10" text-anchor="end" fill="#4a5561">{l}</text>"##,
            yy = y(v),
            tx = left - 4.0,
            ty = y(v) + 3.0,
            l = tick_label(v, percent),
        );
    }
}
