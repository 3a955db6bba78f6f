//! The audit of a window: program metrics and AI-vs-reader agreement per cell of the chosen
//! dimensions, a recall trend, drift and change markers. The CLI (`mammoflow audit`) and the
//! portal both call [`build_audit`], so they show the same figures.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use mammoflow_audit::{
    agreement, compute_by, key_of, program_metrics, Agreement, AgreementOptions, BenchmarkSet, Cell, Dimension,
    MinVolume, PositiveScreenDefinition, ProgramMetrics, ScreeningExam, Strata,
};
use mammoflow_domain::BiRads;
use mammoflow_store::audit_data::{exam_records, ExamRecord};
use mammoflow_store::{triage_policies, PgPool};
use serde::{Deserialize, Serialize};

use crate::changes::{change_markers, ChangeMarker};
use crate::drift::{drift_section, DriftSection};
use crate::trend::{trend, Trend};
use crate::ReportError;

/// Positive-screen definition and benchmark bands of the screening program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Program {
    /// ACR/MQSA: BI-RADS 0, 3, 4, 5 positive; US benchmark ranges.
    Us,
    /// EU: recall (BI-RADS 0, 4, 5) positive; EU subsequent-round bands.
    Eu,
}

impl Program {
    pub fn name(self) -> &'static str {
        match self {
            Program::Us => "us",
            Program::Eu => "eu",
        }
    }

    /// The audit crate's definition and benchmark set for this program.
    pub fn rules(self) -> (PositiveScreenDefinition, BenchmarkSet) {
        mammoflow_audit::program_rules(self == Program::Eu)
    }
}

impl FromStr for Program {
    type Err = ReportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "us" => Ok(Program::Us),
            "eu" => Ok(Program::Eu),
            other => Err(ReportError::Invalid(format!("program {other:?} is not us or eu"))),
        }
    }
}

/// Default minimum volume of a cell or a drift period: below it the figure shows "too few"
/// (screening.md: gate on n).
pub const DEFAULT_MIN_VOLUME: usize = 20;

/// What to audit: screening exams dated `[from, to)`, cells over `by`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRequest {
    pub from: NaiveDate,
    /// Exclusive.
    pub to: NaiveDate,
    pub by: Vec<Dimension>,
    /// Cells with fewer studies show "too few" (screening.md §4: gate on minimum n).
    pub min_volume: usize,
    pub program: Program,
    /// Audit this model version's reports (a challenger's shadow reports included) instead of
    /// the champion's, so a challenger is judged on the same exams before it is promoted.
    pub model: Option<String>,
}

impl AuditRequest {
    /// The window as instants (midnight UTC), or an error when it does not run forward or is
    /// longer than [`MAX_WINDOW_DAYS`].
    pub fn window(&self) -> Result<(DateTime<Utc>, DateTime<Utc>), ReportError> {
        if self.to <= self.from {
            return Err(ReportError::Invalid(format!("to ({}) must be after from ({})", self.to, self.from)));
        }
        if (self.to - self.from).num_days() > MAX_WINDOW_DAYS {
            return Err(ReportError::Invalid(format!("the window spans more than {MAX_WINDOW_DAYS} days")));
        }
        Ok((day_start(self.from), day_start(self.to)))
    }
}

/// Longest window one report covers (five years: long enough for any program review, short
/// enough that a typo in a year cannot load the whole archive).
pub const MAX_WINDOW_DAYS: i64 = 5 * 366;

/// Midnight UTC of `d`.
pub fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The figures of one cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellFigures {
    pub studies: usize,
    pub program: ProgramMetrics,
    pub agreement: Agreement,
}

/// One cell: its key (one value per dimension of the request) and figures or "too few".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditCell {
    pub key: Vec<String>,
    pub cell: Cell<CellFigures>,
}

impl AuditCell {
    /// "all" for the single cell of an audit without dimensions, else the key joined by " / ".
    pub fn name(&self) -> String {
        if self.key.is_empty() { "all".to_string() } else { self.key.join(" / ") }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    pub request: AuditRequest,
    /// Positive-screen definition and benchmark set in use.
    pub definition: String,
    pub benchmarks: String,
    pub studies: usize,
    /// All studies of the window as one cell, whatever `min_volume` says (the period summary
    /// shows it; small windows still get their figures, with wide intervals).
    pub overall: CellFigures,
    pub cells: Vec<AuditCell>,
    pub trend: Trend,
    pub drift: DriftSection,
    pub changes: Vec<ChangeMarker>,
}

/// Loads the window's studies and triage policies and computes the report.
pub async fn build_audit(pool: &PgPool, request: &AuditRequest) -> Result<AuditReport, ReportError> {
    let (lo, hi) = request.window()?;
    let records = exam_records(pool, request.from, request.to, request.model.as_deref()).await?;
    let policies: Vec<(String, DateTime<Utc>)> = triage_policies::list(pool)
        .await?
        .into_iter()
        .filter(|p| p.loaded_at >= lo && p.loaded_at < hi)
        .map(|p| (p.version, p.loaded_at))
        .collect();
    compute_audit(request, &records, &policies)
}

/// Only the drift section of [`build_audit`] for `request`'s window and minimum volume (cells,
/// program figures, trend and change markers are not computed): what the drift watch needs on
/// every pass. The section comes from the same [`drift_section`] as the full report's.
pub async fn build_drift(pool: &PgPool, request: &AuditRequest) -> Result<DriftSection, ReportError> {
    request.window()?;
    let records = exam_records(pool, request.from, request.to, request.model.as_deref()).await?;
    Ok(drift_section(&exams_of(&records), request.from, request.to, request.min_volume))
}

/// Each record as the exam the audit scores and the strata it is grouped by.
fn exams_of(records: &[ExamRecord]) -> Vec<(ScreeningExam, Strata)> {
    records.iter().map(ExamRecord::exam_and_strata).collect()
}

/// The report from loaded rows: `records` as `exam_records` returns them (oldest first), and
/// the triage policies first loaded in the window as `(version, loaded_at)`.
pub fn compute_audit(
    request: &AuditRequest,
    records: &[ExamRecord],
    policies: &[(String, DateTime<Utc>)],
) -> Result<AuditReport, ReportError> {
    request.window()?;
    let (definition, bench) = request.program.rules();
    let exams = exams_of(records);
    let all: Vec<&(ScreeningExam, Strata)> = exams.iter().collect();
    let cells = compute_by(&exams, |(_, s)| key_of(&request.by, s), MinVolume(request.min_volume.max(1)), |cell| {
        cell_figures(cell, &definition, &bench)
    });
    Ok(AuditReport {
        request: request.clone(),
        definition: definition.name.clone(),
        benchmarks: bench.name.clone(),
        studies: records.len(),
        overall: cell_figures(&all, &definition, &bench),
        cells: cells.into_iter().map(|(key, cell)| AuditCell { key, cell }).collect(),
        trend: trend(&exams, request.from, request.to, &definition, &bench),
        drift: drift_section(&exams, request.from, request.to, request.min_volume),
        changes: change_markers(records, policies),
    })
}

/// Program metrics and agreement (BI-RADS 4 subdivisions collapsed: the AI does not always
/// write them) of one cell.
pub fn cell_figures(
    cell: &[&(ScreeningExam, Strata)],
    definition: &PositiveScreenDefinition,
    bench: &BenchmarkSet,
) -> CellFigures {
    let pairs: Vec<(BiRads, BiRads)> = cell.iter().filter_map(|(e, _)| Some((e.reader?, e.ai?))).collect();
    let options = AgreementOptions { collapse_4: true, ..AgreementOptions::default() };
    CellFigures {
        studies: cell.len(),
        program: program_metrics(cell.iter().map(|(e, _)| e), definition, bench),
        agreement: agreement(&pairs, definition, &options),
    }
}
