//! The program-period summary: volumes (with ineligible and failed studies and their reasons),
//! queue waits and SLA compliance, recall rates and the other program metrics for readers, the
//! AI and both, and AI-vs-reader agreement, with inline SVG charts. Printable.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Days, NaiveDate, Utc};
use mammoflow_audit::{agreement, program_metrics, Agreement, AgreementOptions, Figure, ProgramMetrics, ScreeningExam};
use mammoflow_domain::BiRads;
use mammoflow_store::audit_data::{exam_records, ExamRecord};
use mammoflow_store::program_period::{self, QueuePeriod, StatusCount};
use serde::Deserialize;

use super::{age, render, Nav};
use crate::auth::{Permission, Person};
use crate::error::{PageError, PortalError};
use crate::state::AppState;
use crate::svg;

/// Longest window one report covers.
const MAX_DAYS: u64 = 366;

#[derive(Debug, Deserialize)]
pub struct PeriodQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    program: Option<String>,
}

/// A figure as shown: value, interval, the count behind it, and its benchmark band.
#[derive(Debug)]
struct Shown {
    name: &'static str,
    reader: String,
    ai: String,
    both: String,
    band: String,
}

#[derive(askama::Template)]
#[template(path = "period.html")]
struct PeriodPage {
    title: String,
    nav: Option<Nav>,
    from: NaiveDate,
    to: NaiveDate,
    program: &'static str,
    studies: i64,
    statuses: Vec<StatusCount>,
    not_normal: Vec<StatusCount>,
    queues: Vec<(QueuePeriod, String, String, String)>,
    definition: String,
    figures: Vec<Shown>,
    kappa: String,
    volume_chart: String,
    matrix_chart: String,
}

pub async fn period(State(state): State<AppState>, Person(who): Person, Query(q): Query<PeriodQuery>) -> Result<Response, PageError> {
    who.require(Permission::Audit)?;
    let to = q.to.unwrap_or_else(|| Utc::now().date_naive() + Days::new(1));
    let from = q.from.unwrap_or(to - Days::new(30));
    if from >= to || to - Days::new(MAX_DAYS) > from {
        return Err(PortalError::invalid("from", format!("the window must run forward and span at most {MAX_DAYS} days")).into());
    }
    let eu = match q.program.as_deref().unwrap_or("us") {
        "us" => false,
        "eu" => true,
        other => return Err(PortalError::invalid("program", format!("{other:?} is not us or eu")).into()),
    };
    let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let (lo, hi) = (start(from), start(to));
    let pool = &state.pool;
    let statuses = program_period::status_counts(pool, lo, hi).await?;
    let daily = program_period::daily_volumes(pool, lo, hi).await?;
    let queues = program_period::queue_periods(pool, lo, hi).await?;
    let records = exam_records(pool, lo, hi).await?;

    let (definition, bench) = mammoflow_audit::program_rules(eu);
    let exams: Vec<ScreeningExam> = records.iter().map(|r| ExamRecord::exam_and_strata(r).0).collect();
    let metrics = program_metrics(&exams, &definition, &bench);
    let pairs: Vec<(BiRads, BiRads)> = exams.iter().filter_map(|e| Some((e.reader?, e.ai?))).collect();
    let agree = agreement(&pairs, &definition, &AgreementOptions { collapse_4: true, ..AgreementOptions::default() });

    let page = PeriodPage {
        title: format!("Program summary {from} to {to}"),
        nav: Nav::of(&who),
        from,
        to,
        program: if eu { "eu" } else { "us" },
        studies: statuses.iter().map(|s| s.studies).sum(),
        not_normal: statuses.iter().filter(|s| matches!(s.status.as_str(), "ineligible" | "failed")).cloned().collect(),
        statuses,
        queues: queues.into_iter().map(|q| {
            let sla = if q.completed > 0 { format!("{:.0}%", 100.0 * q.completed_on_time as f64 / q.completed as f64) } else { "-".into() };
            let median = q.median_wait_seconds.map_or("-".into(), age);
            let max = q.max_wait_seconds.map_or("-".into(), age);
            (q, sla, median, max)
        }).collect(),
        definition: definition.name.clone(),
        figures: shown(&metrics),
        kappa: kappa(&agree),
        volume_chart: svg::bar_chart("Studies stored per day", &daily.iter().map(|(d, n)| (d.format("%m-%d").to_string(), *n as f64)).collect::<Vec<_>>()),
        matrix_chart: svg::confusion_matrix(
            "AI vs reader BI-RADS",
            &agree.matrix.labels.iter().map(|b| b.code().to_string()).collect::<Vec<_>>(),
            &agree.matrix.counts,
        ),
    };
    Ok(render(&page)?.into_response())
}

fn shown(m: &ProgramMetrics) -> Vec<Shown> {
    let row = |name, pick: fn(&mammoflow_audit::SourceMetrics) -> &Figure| Shown {
        name,
        reader: figure(pick(&m.reader)),
        ai: figure(pick(&m.ai)),
        both: figure(pick(&m.reader_or_ai)),
        band: pick(&m.reader).benchmark.as_ref().map_or(String::new(), |b| {
            let range = match (b.low, b.high) {
                (Some(lo), Some(hi)) if lo == hi => format!("{lo:.3}"),
                (Some(lo), Some(hi)) => format!("{lo:.3}–{hi:.3}"),
                (Some(lo), None) => format!("≥ {lo:.3}"),
                (None, Some(hi)) => format!("≤ {hi:.3}"),
                (None, None) => "-".into(),
            };
            format!("{range} ({})", b.source)
        }),
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

/// "0.123 (0.10–0.15; 12/98), within band" or the reason it is undefined.
fn figure(f: &Figure) -> String {
    match f.value {
        None => f.undefined.map_or("-".into(), |u| u.reason().to_string()),
        Some(v) => {
            let ci = f.ci95.map_or(String::new(), |(lo, hi)| format!(" ({lo:.3}–{hi:.3})"));
            let band = f.band_position().map_or(String::new(), |p| format!(", {} band", format!("{p:?}").to_lowercase()));
            format!("{v:.3}{ci}; {}/{}{band}", f.numerator, f.denominator)
        }
    }
}

fn kappa(a: &Agreement) -> String {
    match a.kappa_recall.value {
        Some(k) => format!("{k:.2} over {} studies read and assessed by the AI", a.n),
        None => "undefined (too few studies with both a read and an AI assessment)".into(),
    }
}
