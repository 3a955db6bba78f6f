//! Confusion matrix heat map: reader categories down, AI categories across, counts in cells.

use std::fmt::Write;

use super::{escape, heading, no_data, open};

const CELL: f64 = 36.0;
const LEFT: f64 = 78.0;
const TOP: f64 = 62.0;

/// `counts[r][c]`: studies the reader put in `labels[r]` and the AI in `labels[c]`.
pub fn confusion_matrix(title: &str, labels: &[String], counts: &[Vec<u64>]) -> String {
    let n = labels.len();
    let width = (LEFT + CELL * n as f64 + 16.0).max(260.0);
    let height = (TOP + CELL * n as f64 + 16.0).max(100.0);
    let mut svg = open(width, height, title);
    let max = counts.iter().flatten().copied().max().unwrap_or(0);
    if n == 0 || max == 0 {
        return no_data(svg, width, height);
    }
    heading(&mut svg, title);
    let side = CELL * n as f64;
    let _ = write!(
        svg,
        r##"<text x="{ax:.1}" y="32" font-size="11" text-anchor="middle" fill="#4a5561">AI</text><text x="14" y="{ry:.1}" font-size="11" text-anchor="middle" fill="#4a5561" transform="rotate(-90 14 {ry:.1})">reader</text>"##,
        ax = LEFT + side / 2.0,
        ry = TOP + side / 2.0,
    );
    for (i, label) in labels.iter().enumerate() {
        let l = escape(label);
        let _ = write!(
            svg,
            r##"<text x="{cx:.1}" y="{ty}" font-size="11" text-anchor="middle">{l}</text><text x="{rx}" y="{ry:.1}" font-size="11" text-anchor="end">{l}</text>"##,
            cx = LEFT + CELL * (i as f64 + 0.5),
            ty = TOP - 8.0,
            rx = LEFT - 6.0,
            ry = TOP + CELL * (i as f64 + 0.62),
        );
    }
    for (r, row) in counts.iter().enumerate().take(n) {
        for (c, &count) in row.iter().enumerate().take(n) {
            // White for 0 up to full blue at the largest count; the diagonal (agreement) outlined.
            let shade = 255.0 - 200.0 * count as f64 / max as f64;
            let ink = if shade < 150.0 { "#ffffff" } else { "#1d2733" };
            let _ = write!(
                svg,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{CELL}" height="{CELL}" fill="rgb({s:.0},{s:.0},255)" stroke="{edge}"><title>reader {rl}, AI {cl}: {count}</title></rect><text x="{tx:.1}" y="{ty:.1}" font-size="11" text-anchor="middle" fill="{ink}">{count}</text>"##,
                x = LEFT + CELL * c as f64,
                y = TOP + CELL * r as f64,
                s = shade,
                edge = if r == c { "#1d2733" } else { "#dde3ea" },
                rl = escape(&labels[r]),
                cl = escape(&labels[c]),
                tx = LEFT + CELL * (c as f64 + 0.5),
                ty = TOP + CELL * (r as f64 + 0.62),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}
