//! The program-period summary prepared for its template.

use chrono::NaiveDate;

use super::format::{duration, shown, Shown};
use crate::period::{PeriodReport, StatusVolume};
use crate::svg;

#[derive(Debug)]
pub(crate) struct QueueRow {
    pub queue: String,
    pub created: i64,
    pub completed: i64,
    pub sla: String,
    pub median_wait: String,
    pub max_wait: String,
    pub open_now: i64,
    pub overdue_now: i64,
}

#[derive(Debug)]
pub(crate) struct PeriodView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub program: &'static str,
    pub studies: i64,
    pub ineligible: i64,
    pub failed: i64,
    pub statuses: Vec<StatusVolume>,
    pub volume_chart: String,
    pub queues: Vec<QueueRow>,
    pub reader_recall: Shown,
    pub ai_recall: Shown,
    pub kappa: String,
}

impl PeriodView {
    pub fn new(r: &PeriodReport) -> PeriodView {
        let days: Vec<String> = r.daily.iter().map(|(d, _)| d.format("%m-%d").to_string()).collect();
        PeriodView {
            from: r.from,
            to: r.to,
            program: match r.program {
                crate::Program::Us => "US (ACR/MQSA)",
                crate::Program::Eu => "EU",
            },
            studies: r.studies,
            ineligible: r.with_status("ineligible"),
            failed: r.with_status("failed"),
            statuses: r.statuses.clone(),
            volume_chart: svg::grouped_bars(
                "Studies stored per day",
                &days,
                &[("studies".into(), svg::READER_COLOUR.into(), r.daily.iter().map(|(_, n)| *n as f64).collect())],
                false,
            ),
            queues: r
                .queues
                .iter()
                .map(|q| QueueRow {
                    queue: q.queue.clone(),
                    created: q.created,
                    completed: q.completed,
                    sla: q.sla_compliance.map_or("- (none read yet)".into(), |s| {
                        format!("{:.1}% ({}/{})", s * 100.0, q.completed_on_time, q.completed)
                    }),
                    median_wait: q.median_wait_seconds.map_or("-".into(), duration),
                    max_wait: q.max_wait_seconds.map_or("-".into(), duration),
                    open_now: q.open_now,
                    overdue_now: q.overdue_now,
                })
                .collect(),
            reader_recall: shown(r.reader_recall()),
            ai_recall: shown(r.ai_recall()),
            kappa: r.kappa_recall().map_or("undefined (no studies with both a read and an AI assessment)".into(), |k| format!("{k:.2}")),
        }
    }
}
