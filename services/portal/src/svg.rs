//! Charts as inline SVG, drawn on the server (the portal sends no scripts). Every label is
//! XML-escaped; empty data draws a "no data" panel instead of failing.

use std::fmt::Write;

/// Vertical bars, one per `(label, value)`, with the value above each bar.
pub fn bar_chart(title: &str, bars: &[(String, f64)]) -> String {
    let (width, height, left, bottom, top) = (640.0, 220.0, 40.0, 40.0, 28.0);
    let mut svg = open(width, height, title);
    let max = bars.iter().map(|(_, v)| *v).filter(|v| v.is_finite()).fold(0.0, f64::max);
    if bars.is_empty() || max <= 0.0 {
        return no_data(svg, width, height);
    }
    let slot = (width - left - 10.0) / bars.len() as f64;
    let plot = height - bottom - top;
    let _ = write!(svg, r##"<line x1="{left}" y1="{y}" x2="{x2}" y2="{y}" stroke="#8795a1"/>"##, y = height - bottom, x2 = width - 10.0);
    for (i, (label, value)) in bars.iter().enumerate() {
        let value = if value.is_finite() { *value } else { 0.0 };
        let h = plot * value / max;
        let x = left + slot * i as f64 + slot * 0.15;
        let y = height - bottom - h;
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="#1f5fa8"><title>{l}: {value}</title></rect><text x="{cx:.1}" y="{ty:.1}" font-size="11" text-anchor="middle">{value}</text><text x="{cx:.1}" y="{ly:.1}" font-size="10" text-anchor="middle">{l}</text>"##,
            w = slot * 0.7,
            cx = x + slot * 0.35,
            ty = y - 4.0,
            ly = height - bottom + 14.0,
            l = escape(label),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A heat map of counts with row and column labels (rows: reader, columns: AI).
pub fn confusion_matrix(title: &str, labels: &[String], counts: &[Vec<u64>]) -> String {
    let n = labels.len();
    let cell = 34.0;
    let (left, top) = (70.0, 50.0);
    let (width, height) = (left + cell * n as f64 + 10.0, top + cell * n as f64 + 30.0);
    let mut svg = open(width, height, title);
    let max = counts.iter().flatten().copied().max().unwrap_or(0);
    if n == 0 || max == 0 {
        return no_data(svg, width.max(240.0), height.max(80.0));
    }
    let _ = write!(svg, r#"<text x="{x}" y="14" font-size="11" text-anchor="middle">AI</text><text x="12" y="{y}" font-size="11" transform="rotate(-90 12 {y})" text-anchor="middle">reader</text>"#,
        x = left + cell * n as f64 / 2.0, y = top + cell * n as f64 / 2.0);
    for (i, label) in labels.iter().enumerate() {
        let l = escape(label);
        let _ = write!(svg, r#"<text x="{x:.1}" y="{y}" font-size="11" text-anchor="middle">{l}</text><text x="{lx}" y="{ly:.1}" font-size="11" text-anchor="end">{l}</text>"#,
            x = left + cell * (i as f64 + 0.5), y = top - 8.0, lx = left - 6.0, ly = top + cell * (i as f64 + 0.62));
    }
    for (r, row) in counts.iter().enumerate().take(n) {
        for (c, &count) in row.iter().enumerate().take(n) {
            // Lightness from white (0) to the full colour (the largest count).
            let shade = 255.0 - 190.0 * count as f64 / max as f64;
            let ink = if shade < 150.0 { "#fff" } else { "#1d2733" };
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{cell}" height="{cell}" fill="rgb({s:.0},{g:.0},255)" stroke="{border}"><title>reader {rl}, AI {cl}: {count}</title></rect><text x="{tx:.1}" y="{ty:.1}" font-size="11" text-anchor="middle" fill="{ink}">{count}</text>"#,
                x = left + cell * c as f64,
                y = top + cell * r as f64,
                s = shade,
                g = shade,
                border = if r == c { "#1d2733" } else { "#dde3ea" },
                rl = escape(&labels[r]),
                cl = escape(&labels[c]),
                tx = left + cell * (c as f64 + 0.5),
                ty = top + cell * (r as f64 + 0.62),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn open(width: f64, height: f64, title: &str) -> String {
    let t = escape(title);
    format!(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{t}" font-family="sans-serif"><title>{t}</title>"#)
}

fn no_data(mut svg: String, width: f64, height: f64) -> String {
    let _ = write!(svg, r##"<rect x="0" y="0" width="{width}" height="{height}" fill="#f6f7f9"/><text x="{x}" y="{y}" text-anchor="middle" font-size="13" fill="#6b7785">no data in this period</text></svg>"##, x = width / 2.0, y = height / 2.0);
    svg
}

/// XML text and attribute escaping.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_values_drawn() {
        let svg = bar_chart("Volumes <daily>", &[("<script>".into(), 3.0), ("b".into(), 1.0)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
        assert_eq!(svg.matches("<rect").count(), 2);
    }

    #[test]
    fn empty_or_zero_data_draws_a_no_data_panel() {
        assert!(bar_chart("x", &[]).contains("no data"));
        assert!(bar_chart("x", &[("a".into(), f64::NAN)]).contains("no data"));
        assert!(confusion_matrix("m", &["1".into()], &[vec![0]]).contains("no data"));
    }

    #[test]
    fn the_matrix_has_a_cell_per_pair() {
        let labels: Vec<String> = ["1", "2", "4"].map(String::from).to_vec();
        let svg = confusion_matrix("m", &labels, &[vec![5, 1, 0], vec![0, 3, 0], vec![0, 1, 2]]);
        assert_eq!(svg.matches("<rect").count(), 9);
        assert!(svg.contains("reader 4, AI 2: 1"));
    }
}
