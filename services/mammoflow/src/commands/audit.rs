//! `mammoflow audit`: program metrics (reader, AI, reader + AI) and AI-vs-reader agreement per
//! cell of the chosen dimensions, from the studies stored in a window. The figures come from
//! `mammoflow-reports` (shared with the portal); this file only parses arguments and prints.

use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use mammoflow_audit::{Cell, Dimension, Figure};
use mammoflow_reports::{build_audit, render_audit_html, AuditReport, AuditRequest};
use serde_json::json;

#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// First day (inclusive), YYYY-MM-DD.
    #[arg(long)]
    pub from: NaiveDate,
    /// Last day (exclusive), YYYY-MM-DD.
    #[arg(long)]
    pub to: NaiveDate,
    /// Dimensions of the cells, comma-separated (day, week, month, site, manufacturer,
    /// device_model, software_version, density, age_band, model_version, parser_version,
    /// ai_suspicion, reader).
    #[arg(long, value_delimiter = ',')]
    pub by: Vec<Dimension>,
    /// Cells with fewer studies show "too few".
    #[arg(long, default_value_t = 20)]
    pub min_volume: usize,
    #[arg(long, value_enum, default_value_t = Program::Us)]
    pub program: Program,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Audit this model version's reports (a challenger's shadow reports from `mammoflow
    /// replay` included) instead of the champion's.
    #[arg(long)]
    pub model: Option<String>,
    /// Write the output to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
}

/// Positive-screen definition and benchmark bands.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Program {
    /// ACR/MQSA: BI-RADS 0, 3, 4, 5 positive; US benchmark ranges.
    Us,
    /// EU: recall (BI-RADS 0, 4, 5) positive; EU subsequent-round bands.
    Eu,
}

impl From<Program> for mammoflow_reports::Program {
    fn from(p: Program) -> Self {
        match p {
            Program::Us => mammoflow_reports::Program::Us,
            Program::Eu => mammoflow_reports::Program::Eu,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
    /// A standalone printable HTML document with charts.
    Html,
}

pub async fn run(args: AuditArgs) -> anyhow::Result<()> {
    let pool = mammoflow_store::connect(&args.database_url, 2).await.context("connecting to Postgres")?;
    let request = AuditRequest {
        from: args.from,
        to: args.to,
        by: args.by.clone(),
        min_volume: args.min_volume,
        program: args.program.into(),
        model: args.model.clone(),
    };
    let report = build_audit(&pool, &request).await?;
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&as_json(&report))? + "\n",
        Format::Table => table(&report),
        Format::Html => render_audit_html(&report)?,
    };
    write_out(args.out.as_deref(), &text)
}

/// Stdout, or the file when one is named.
pub fn write_out(out: Option<&std::path::Path>, text: &str) -> anyhow::Result<()> {
    match out {
        Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// The JSON of earlier versions (from, to, studies, cells) plus the trend, drift and changes.
fn as_json(r: &AuditReport) -> serde_json::Value {
    let cells: Vec<_> = r
        .cells
        .iter()
        .map(|c| match &c.cell {
            Cell::Figures(f) => json!({"cell": c.key, "studies": f.studies, "program": f.program, "agreement": f.agreement}),
            Cell::TooFew { n, min } => json!({"cell": c.key, "too_few": {"n": n, "min": min}}),
        })
        .collect();
    json!({
        "from": r.request.from, "to": r.request.to, "studies": r.studies, "cells": cells,
        "trend": r.trend, "drift": r.drift, "changes": r.changes,
    })
}

fn table(r: &AuditReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let by: Vec<Dimension> = r.request.by.clone();
    let model = r.request.model.as_deref().map_or_else(|| "champion".to_string(), |m| format!("model {m}"));
    let _ = writeln!(s, "{} exams dated {} to {} ({}; AI: {model}), by {:?}", r.studies, r.request.from, r.request.to, r.definition, by);
    let _ = writeln!(s, "{:<32} {:>6}  {:>13} {:>13} {:>10} {:>8} {:>8} {:>10}", "cell", "n", "recall reader", "recall AI", "CDR/1000", "PPV1", "sens.", "kappa rec.");
    for c in &r.cells {
        let name = c.name();
        let _ = match &c.cell {
            Cell::TooFew { n, min } => writeln!(s, "{name:<32} {n:>6}  too few (minimum {min})"),
            Cell::Figures(f) => {
                let (p, a) = (&f.program, &f.agreement);
                writeln!(
                    s,
                    "{name:<32} {:>6}  {:>13} {:>13} {:>10} {:>8} {:>8} {:>10}",
                    f.studies,
                    pct(&p.reader.recall_rate), pct(&p.ai.recall_rate),
                    value(&p.reader.cancer_detection_per_1000), pct(&p.reader.ppv1), pct(&p.reader.sensitivity),
                    a.kappa_recall.value.map_or("-".into(), |k| format!("{k:.2}")),
                )
            }
        };
    }
    s.push_str("(- : undefined for this cell, e.g. no outcomes yet; --format json gives reasons, intervals and bands)\n");
    for series in &r.drift.series {
        for point in series.alarms() {
            let psi = point.report.as_ref().map_or(f64::NAN, |d| d.psi);
            let _ = writeln!(s, "DRIFT ALARM {}: {} (n {}, PSI {psi:.3}) against {} to {}",
                series.title, point.period, point.n, r.drift.reference_from, r.drift.reference_to);
        }
    }
    for change in &r.changes {
        let _ = writeln!(s, "change {}: {}", change.at.format("%Y-%m-%d"), change.label());
    }
    s
}

fn pct(f: &Figure) -> String {
    f.value.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn value(f: &Figure) -> String {
    f.value.map_or("-".into(), |v| format!("{v:.1}"))
}
