//! `mammoflow audit`: program metrics (reader, AI, reader + AI) and AI-vs-reader agreement per
//! cell of the chosen dimensions, from the studies stored in a window.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, ValueEnum};
use mammoflow_audit::{
    agreement, compute_by, key_of, program_metrics, AgreementOptions, Cell, Dimension, Figure, MinVolume,
    ScreeningExam, Strata,
};
use mammoflow_domain::BiRads;
use mammoflow_store::audit_data::{exam_records, ExamRecord};
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
    /// device_model, density, age_band, model_version, parser_version, reader).
    #[arg(long, value_delimiter = ',')]
    pub by: Vec<Dimension>,
    /// Cells with fewer studies show "too few".
    #[arg(long, default_value_t = 20)]
    pub min_volume: usize,
    #[arg(long, value_enum, default_value_t = Program::Us)]
    pub program: Program,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
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

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

pub async fn run(args: AuditArgs) -> anyhow::Result<()> {
    let pool = mammoflow_store::connect(&args.database_url, 2).await.context("connecting to Postgres")?;
    let day = |d: NaiveDate| -> DateTime<Utc> { d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() };
    let records = exam_records(&pool, day(args.from), day(args.to)).await?;
    let (definition, bench) = mammoflow_audit::program_rules(matches!(args.program, Program::Eu));
    let exams: Vec<(ScreeningExam, Strata)> = records.iter().map(ExamRecord::exam_and_strata).collect();
    let cells = compute_by(&exams, |(_, s)| key_of(&args.by, s), MinVolume(args.min_volume.max(1)), |cell| {
        let screening: Vec<ScreeningExam> = cell.iter().map(|(e, _)| e.clone()).collect();
        let pairs: Vec<(BiRads, BiRads)> = cell.iter().filter_map(|(e, _)| Some((e.reader?, e.ai?))).collect();
        let options = AgreementOptions { collapse_4: true, ..AgreementOptions::default() };
        (cell.len(), program_metrics(&screening, &definition, &bench), agreement(&pairs, &definition, &options))
    });
    match args.format {
        Format::Json => {
            let out: Vec<_> = cells
                .iter()
                .map(|(key, cell)| match cell {
                    Cell::Figures((n, program, agree)) => json!({"cell": key, "studies": n, "program": program, "agreement": agree}),
                    Cell::TooFew { n, min } => json!({"cell": key, "too_few": {"n": n, "min": min}}),
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&json!({"from": args.from, "to": args.to, "studies": records.len(), "cells": out}))?);
        }
        Format::Table => {
            println!("{} studies stored {} to {} ({}), by {:?}", records.len(), args.from, args.to, definition.name, args.by);
            println!("{:<32} {:>6}  {:>13} {:>13} {:>10} {:>8} {:>8} {:>10}", "cell", "n", "recall reader", "recall AI", "CDR/1000", "PPV1", "sens.", "kappa rec.");
            for (key, cell) in &cells {
                let name = if key.is_empty() { "all".to_string() } else { key.join(" / ") };
                match cell {
                    Cell::TooFew { n, min } => println!("{name:<32} {n:>6}  too few (minimum {min})"),
                    Cell::Figures((n, p, a)) => println!(
                        "{name:<32} {n:>6}  {:>13} {:>13} {:>10} {:>8} {:>8} {:>10}",
                        pct(&p.reader.recall_rate), pct(&p.ai.recall_rate),
                        value(&p.reader.cancer_detection_per_1000), pct(&p.reader.ppv1), pct(&p.reader.sensitivity),
                        a.kappa_recall.value.map_or("-".into(), |k| format!("{k:.2}")),
                    ),
                }
            }
            println!("(- : undefined for this cell, e.g. no outcomes yet; --format json gives reasons, intervals and bands)");
        }
    }
    Ok(())
}

fn pct(f: &Figure) -> String {
    f.value.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn value(f: &Figure) -> String {
    f.value.map_or("-".into(), |v| format!("{v:.1}"))
}
