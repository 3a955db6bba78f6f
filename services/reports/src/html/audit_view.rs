//! The audit report prepared for its template: display strings and chart markup.

use chrono::NaiveDate;
use mammoflow_audit::{Cell, Figure, SourceMetrics};

use super::format::{alarm_text, band_range, band_text, p_value, shown, Shown};
use crate::audit::{AuditReport, CellFigures};
use crate::drift::{DriftPoint, DriftSeries};
use crate::svg::{self, LineChart, LineSeries, Marker, Point};
use crate::trend::Trend;

/// One row of the overall figures table.
#[derive(Debug)]
pub(crate) struct FigureRow {
    pub name: &'static str,
    pub reader: Shown,
    pub ai: Shown,
    pub both: Shown,
    pub band: String,
}

/// One row of the per-cell table; `too_few` replaces the figures of a small cell.
#[derive(Debug)]
pub(crate) struct CellRow {
    pub name: String,
    pub n: usize,
    pub too_few: Option<String>,
    pub reader_recall: Shown,
    pub ai_recall: Shown,
    pub cdr: Shown,
    pub ppv1: Shown,
    pub sensitivity: Shown,
    pub kappa: String,
}

#[derive(Debug)]
pub(crate) struct DriftRow {
    pub period: String,
    pub n: u64,
    pub psi: String,
    pub p_value: String,
    pub alarm: String,
}

#[derive(Debug)]
pub(crate) struct DriftView {
    pub title: String,
    pub chart: String,
    pub rows: Vec<DriftRow>,
    pub alarms: usize,
}

#[derive(Debug)]
pub(crate) struct AuditView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub studies: usize,
    pub definition: String,
    pub benchmarks: String,
    pub by: String,
    pub min_volume: usize,
    /// "the champion's reports" or the named model's.
    pub ai_source: String,
    pub figures: Vec<FigureRow>,
    pub kappa: String,
    pub matrix_chart: String,
    pub trend_chart: String,
    pub cells: Vec<CellRow>,
    pub reference: String,
    pub drift_note: Option<String>,
    pub drift: Vec<DriftView>,
    pub changes: Vec<(String, String)>,
}

impl AuditView {
    pub fn new(r: &AuditReport) -> AuditView {
        let o = &r.overall;
        AuditView {
            from: r.request.from,
            to: r.request.to,
            studies: r.studies,
            definition: r.definition.clone(),
            benchmarks: r.benchmarks.clone(),
            by: r.request.by.iter().map(|d| d.name()).collect::<Vec<_>>().join(", "),
            min_volume: r.request.min_volume,
            ai_source: r.request.model.as_ref().map_or_else(
                || "the champion model's reports".to_string(),
                |m| format!("model {m}'s reports (shadow reports included)"),
            ),
            figures: figure_rows(o),
            kappa: kappa(o),
            matrix_chart: svg::confusion_matrix(
                "AI vs reader BI-RADS (4A–4C as 4)",
                &o.agreement.matrix.labels.iter().map(|b| b.code().to_string()).collect::<Vec<_>>(),
                &o.agreement.matrix.counts,
            ),
            trend_chart: trend_chart(r),
            cells: if r.request.by.is_empty() { Vec::new() } else { r.cells.iter().map(|c| cell_row(&c.name(), &c.cell)).collect() },
            reference: format!("{} to {} ({})", r.drift.reference_from, r.drift.reference_to, r.drift.reference_periods.join(", ")),
            drift_note: r.drift.note.clone(),
            drift: r.drift.series.iter().map(drift_view).collect(),
            changes: r.changes.iter().map(|c| (c.at.format("%Y-%m-%d %H:%M UTC").to_string(), c.label())).collect(),
        }
    }
}

fn figure_rows(o: &CellFigures) -> Vec<FigureRow> {
    let p = &o.program;
    let row = |name, pick: fn(&SourceMetrics) -> &Figure| FigureRow {
        name,
        reader: shown(pick(&p.reader)),
        ai: shown(pick(&p.ai)),
        both: shown(pick(&p.reader_or_ai)),
        band: pick(&p.reader).benchmark.as_ref().map_or(String::new(), |b| band_text(b, pick(&p.reader).scale)),
    };
    vec![
        row("Recall rate", |s| &s.recall_rate),
        row("Cancer detection per 1,000", |s| &s.cancer_detection_per_1000),
        row("PPV1", |s| &s.ppv1),
        row("PPV2", |s| &s.ppv2),
        row("PPV3", |s| &s.ppv3),
        row("Sensitivity", |s| &s.sensitivity),
        row("Specificity", |s| &s.specificity),
    ]
}

fn kappa(o: &CellFigures) -> String {
    let k = &o.agreement.kappa_recall;
    match (k.value, k.ci_low, k.ci_high) {
        (Some(v), Some(lo), Some(hi)) => format!("{v:.2} (bootstrap 95% CI {lo:.2}–{hi:.2}; {} studies)", o.agreement.n),
        (Some(v), _, _) => format!("{v:.2} ({} studies)", o.agreement.n),
        (None, _, _) => format!("undefined ({} studies with both a read and an AI assessment)", o.agreement.n),
    }
}

fn cell_row(name: &str, cell: &Cell<CellFigures>) -> CellRow {
    let blank = || Shown { text: String::new(), band: String::new(), class: String::new() };
    match cell {
        Cell::TooFew { n, min } => CellRow {
            name: name.to_string(),
            n: *n,
            too_few: Some(format!("too few (n {n} < {min})")),
            reader_recall: blank(),
            ai_recall: blank(),
            cdr: blank(),
            ppv1: blank(),
            sensitivity: blank(),
            kappa: String::new(),
        },
        Cell::Figures(f) => CellRow {
            name: name.to_string(),
            n: f.studies,
            too_few: None,
            reader_recall: shown(&f.program.reader.recall_rate),
            ai_recall: shown(&f.program.ai.recall_rate),
            cdr: shown(&f.program.reader.cancer_detection_per_1000),
            ppv1: shown(&f.program.reader.ppv1),
            sensitivity: shown(&f.program.reader.sensitivity),
            kappa: f.agreement.kappa_recall.value.map_or("-".into(), |k| format!("{k:.2}")),
        },
    }
}

fn point(f: &Figure) -> Option<Point> {
    f.value.map(|value| Point { value, ci: f.ci95 })
}

fn trend_chart(r: &AuditReport) -> String {
    let t: &Trend = &r.trend;
    let starts: Vec<NaiveDate> = t.points.iter().map(|p| p.start).chain([r.request.to]).collect();
    // A change's x: its period's index plus the fraction of that period elapsed.
    let x_of = |day: NaiveDate| {
        let i = starts.windows(2).position(|w| day >= w[0] && day < w[1])?;
        let len = (starts[i + 1] - starts[i]).num_days().max(1) as f64;
        Some(i as f64 + (day - starts[i]).num_days() as f64 / len)
    };
    let chart = LineChart {
        title: "Recall rate per period (95% intervals)".into(),
        x_labels: t.points.iter().map(|p| p.period.clone()).collect(),
        series: vec![
            LineSeries { name: "reader".into(), colour: svg::READER_COLOUR.into(), points: t.points.iter().map(|p| point(&p.reader_recall)).collect() },
            LineSeries { name: "AI".into(), colour: svg::AI_COLOUR.into(), points: t.points.iter().map(|p| point(&p.ai_recall)).collect() },
        ],
        band: t.benchmark.as_ref().map(|b| (b.low, b.high)),
        band_label: t.benchmark.as_ref().map_or(String::new(), |b| format!("benchmark {}", band_range(b, 1.0))),
        markers: r.changes.iter().filter_map(|c| Some(Marker { x: x_of(c.at.date_naive())?, label: c.label() })).collect(),
        percent: true,
    };
    svg::line_chart(&chart)
}

fn drift_row(p: &DriftPoint) -> DriftRow {
    let alarm = match (&p.report, &p.undefined) {
        (Some(r), _) => r.alarm.as_ref().map_or("-".into(), |a| format!("ALARM: {}", alarm_text(&a.reasons))),
        (None, Some(why)) => why.clone(),
        (None, None) => "-".into(),
    };
    DriftRow {
        period: p.period.clone(),
        n: p.n,
        psi: p.report.as_ref().map_or("-".into(), |r| format!("{:.3}", r.psi)),
        p_value: p.report.as_ref().map_or("-".into(), |r| p_value(&r.test)),
        alarm,
    }
}

fn drift_view(s: &DriftSeries) -> DriftView {
    let share = |counts: &[u64]| {
        let total: u64 = counts.iter().sum();
        counts.iter().map(|&c| if total == 0 { f64::NAN } else { c as f64 / total as f64 }).collect::<Vec<_>>()
    };
    DriftView {
        title: s.title.clone(),
        chart: svg::grouped_bars(
            &format!("{}: reference vs current window", s.title),
            &s.categories,
            &[
                ("reference".into(), svg::REFERENCE_COLOUR.into(), share(&s.reference_counts)),
                ("current".into(), svg::READER_COLOUR.into(), share(&s.current_counts)),
            ],
            true,
        ),
        rows: std::iter::once(&s.overall).chain(&s.points).map(drift_row).collect(),
        alarms: s.alarms().count(),
    }
}
