//! The program-period summary: what arrived and how it ended (ineligible and failed studies
//! with their reasons), how each queue kept its SLA, and the audit's overall figures, trend and
//! drift for the same window.

use chrono::NaiveDate;
use mammoflow_audit::Figure;
use mammoflow_store::program_period::{daily_volumes, queue_periods, status_counts, QueuePeriod};
use mammoflow_store::PgPool;
use serde::Serialize;

use crate::audit::{build_audit, AuditReport, AuditRequest, Program};
use crate::ReportError;

/// Studies stored in the window with one status and reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusVolume {
    pub status: String,
    pub reason: Option<String>,
    pub studies: i64,
}

/// One queue's items created in the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueFigures {
    pub queue: String,
    pub created: i64,
    pub completed: i64,
    /// Completed no later than their due time (items without one count as on time).
    pub completed_on_time: i64,
    /// `completed_on_time / completed`; `None` before anything is completed.
    pub sla_compliance: Option<f64>,
    pub median_wait_seconds: Option<f64>,
    pub max_wait_seconds: Option<f64>,
    pub open_now: i64,
    pub overdue_now: i64,
}

impl From<QueuePeriod> for QueueFigures {
    fn from(q: QueuePeriod) -> Self {
        QueueFigures {
            sla_compliance: (q.completed > 0).then(|| q.completed_on_time as f64 / q.completed as f64),
            queue: q.queue,
            created: q.created,
            completed: q.completed,
            completed_on_time: q.completed_on_time,
            median_wait_seconds: q.median_wait_seconds,
            max_wait_seconds: q.max_wait_seconds,
            open_now: q.open_now,
            overdue_now: q.overdue_now,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodReport {
    pub from: NaiveDate,
    /// Exclusive.
    pub to: NaiveDate,
    pub program: Program,
    pub studies: i64,
    pub statuses: Vec<StatusVolume>,
    pub daily: Vec<(NaiveDate, i64)>,
    pub queues: Vec<QueueFigures>,
    /// The window's audit without dimensions: its overall cell, trend, drift and changes.
    pub audit: AuditReport,
}

impl PeriodReport {
    /// Studies with `status` (e.g. `ineligible`, `failed`).
    pub fn with_status(&self, status: &str) -> i64 {
        self.statuses.iter().filter(|s| s.status == status).map(|s| s.studies).sum()
    }

    pub fn reader_recall(&self) -> &Figure {
        &self.audit.overall.program.reader.recall_rate
    }

    pub fn ai_recall(&self) -> &Figure {
        &self.audit.overall.program.ai.recall_rate
    }

    /// Cohen's kappa of AI vs reader on recall; `None` when undefined.
    pub fn kappa_recall(&self) -> Option<f64> {
        self.audit.overall.agreement.kappa_recall.value
    }
}

/// Loads and computes the summary of studies stored in `[from, to)`.
pub async fn build_period(pool: &PgPool, from: NaiveDate, to: NaiveDate, program: Program) -> Result<PeriodReport, ReportError> {
    let request = AuditRequest { from, to, by: Vec::new(), min_volume: 1, program, model: None };
    let (lo, hi) = request.window()?;
    let statuses = status_counts(pool, lo, hi).await?;
    let daily = daily_volumes(pool, lo, hi).await?;
    let queues = queue_periods(pool, lo, hi).await?;
    let audit = build_audit(pool, &request).await?;
    Ok(PeriodReport {
        from,
        to,
        program,
        studies: statuses.iter().map(|s| s.studies).sum(),
        statuses: statuses
            .into_iter()
            .map(|s| StatusVolume { status: s.status, reason: s.reason, studies: s.studies })
            .collect(),
        daily,
        queues: queues.into_iter().map(QueueFigures::from).collect(),
        audit,
    })
}
