#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use super::*;

/// Parses the whole document, failing on any malformed or unbalanced markup.
fn assert_xml(svg: &str) {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut depth = 0i32;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(_) => depth += 1,
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unbalanced: {svg}");
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert!(svg.contains(r#"role="img""#) && svg.contains("aria-label=") && svg.contains("<title>"));
}

fn point(v: f64) -> Option<Point> {
    Some(Point { value: v, ci: Some((v * 0.5, v * 1.5)) })
}

fn trend(labels: &[&str], points: Vec<Option<Point>>) -> LineChart {
    LineChart {
        title: "Recall <rate>".into(),
        x_labels: labels.iter().map(|l| l.to_string()).collect(),
        series: vec![LineSeries { name: "reader".into(), colour: READER_COLOUR.into(), points }],
        band: Some((Some(0.05), Some(0.12))),
        band_label: "US band 5–12%".into(),
        markers: vec![Marker { x: 1.0, label: "<script>alert(1)</script>".into() }],
        percent: true,
    }
}

#[test]
fn labels_are_escaped() {
    let line = line_chart(&trend(&["<script>", "b"], vec![point(0.1), point(0.2)]));
    let bars = grouped_bars("<script>", &["<script>".into()], &[("a&b".into(), "#000".into(), vec![1.0])], false);
    let matrix = confusion_matrix("m", &["<script>".into()], &[vec![3]]);
    for svg in [&line, &bars, &matrix] {
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        assert_xml(svg);
    }
    assert!(bars.contains("a&amp;b"));
}

#[test]
fn empty_data_draws_a_no_data_chart() {
    for svg in [
        line_chart(&LineChart::default()),
        line_chart(&trend(&["a", "b"], vec![None, None])),
        grouped_bars("x", &[], &[], true),
        grouped_bars("x", &["a".into()], &[("r".into(), "#000".into(), vec![f64::NAN])], true),
        confusion_matrix("m", &[], &[]),
        confusion_matrix("m", &["1".into()], &[vec![0]]),
    ] {
        assert!(svg.contains("no data"), "{svg}");
        assert_xml(&svg);
    }
}

#[test]
fn missing_and_nan_points_are_skipped_and_break_the_line() {
    let svg = line_chart(&trend(&["a", "b", "c", "d"], vec![point(0.1), None, Some(Point { value: f64::NAN, ci: None }), point(0.3)]));
    assert_xml(&svg);
    assert!(!svg.contains("NaN"));
    // Two runs of one point each: two line paths and two dots with whiskers, no band.
    assert_eq!(svg.matches("<circle").count(), 2);
    assert_eq!(svg.matches(r#"stroke-width="2""#).count(), 2);
    assert_eq!(svg.matches(r#"stroke-opacity="0.5""#).count(), 2);
    assert_eq!(svg.matches(r#"fill-opacity="0.15""#).count(), 0);
}

#[test]
fn the_trend_draws_band_markers_and_legend() {
    let svg = line_chart(&trend(&["a", "b", "c"], vec![point(0.1), point(0.2), point(0.15)]));
    assert_xml(&svg);
    assert!(svg.contains("US band 5–12%"));
    assert!(svg.contains(r#"stroke-dasharray="4 3""#));
    assert_eq!(svg.matches(r#"fill-opacity="0.15""#).count(), 1, "one band for the run of three");
    assert!(svg.contains("viewBox=") && !svg.contains("<script"));
    assert_eq!(svg, line_chart(&trend(&["a", "b", "c"], vec![point(0.1), point(0.2), point(0.15)])), "deterministic");
}

#[test]
fn the_matrix_has_a_cell_per_pair_and_bars_one_per_value() {
    let labels: Vec<String> = ["1", "2", "4"].map(String::from).to_vec();
    let svg = confusion_matrix("m", &labels, &[vec![5, 1, 0], vec![0, 3, 0], vec![0, 1, 2]]);
    assert_xml(&svg);
    assert_eq!(svg.matches("<rect").count(), 9);
    assert!(svg.contains("reader 4, AI 2: 1"));
    let bars = grouped_bars(
        "shares",
        &labels,
        &[("reference".into(), "#111".into(), vec![0.5, 0.3, 0.2]), ("current".into(), "#222".into(), vec![0.4, 0.4, 0.2])],
        true,
    );
    assert_xml(&bars);
    // 6 bars and 2 legend swatches.
    assert_eq!(bars.matches("<rect").count(), 8);
}
