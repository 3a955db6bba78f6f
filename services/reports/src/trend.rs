//! Recall rate per period (reader and AI) with Wilson intervals, for the trend chart.

use chrono::{Days, NaiveDate};
use mammoflow_audit::{group_by, program_metrics, Benchmark, BenchmarkSet, Figure, Period, PositiveScreenDefinition, ScreeningExam, Strata};
use serde::Serialize;

use crate::audit::day_start;

/// One period of the trend. Periods without studies are kept (their figures undefined), so the
/// chart shows the gap instead of joining its neighbours.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    /// The audit crate's period key (`2025-03-14`, `2025-W11`, `2025-03`).
    pub period: String,
    /// First day of the period that lies in the window.
    pub start: NaiveDate,
    pub studies: usize,
    pub reader_recall: Figure,
    pub ai_recall: Figure,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub period: Period,
    pub points: Vec<TrendPoint>,
    /// The program's recall band, drawn behind the lines.
    pub benchmark: Option<Benchmark>,
}

/// Days for windows up to a month, ISO weeks up to a year, months beyond: about 4 to 52 points,
/// enough to see a trend without cells too small to mean anything.
pub fn granularity(from: NaiveDate, to: NaiveDate) -> Period {
    match (to - from).num_days() {
        ..=31 => Period::Day,
        32..=366 => Period::Week,
        _ => Period::Month,
    }
}

/// The periods of `[from, to)` in time order, each with its first day in the window.
pub fn periods(from: NaiveDate, to: NaiveDate, period: Period) -> Vec<(String, NaiveDate)> {
    let mut out: Vec<(String, NaiveDate)> = Vec::new();
    let mut day = from;
    while day < to {
        let key = period.key(day_start(day));
        if out.last().is_none_or(|(k, _)| *k != key) {
            out.push((key, day));
        }
        day = day + Days::new(1);
    }
    out
}

/// The trend of `exams` over `[from, to)`.
pub fn trend(
    exams: &[(ScreeningExam, Strata)],
    from: NaiveDate,
    to: NaiveDate,
    definition: &PositiveScreenDefinition,
    bench: &BenchmarkSet,
) -> Trend {
    let period = granularity(from, to);
    let groups = group_by(exams, |(_, s)| s.at.map(|at| period.key(at)));
    let points = periods(from, to, period)
        .into_iter()
        .map(|(key, start)| {
            let cell = groups.get(&Some(key.clone())).map(Vec::as_slice).unwrap_or_default();
            let m = program_metrics(cell.iter().map(|(e, _)| e), definition, bench);
            TrendPoint { period: key, start, studies: cell.len(), reader_recall: m.reader.recall_rate, ai_recall: m.ai.recall_rate }
        })
        .collect();
    Trend { period, points, benchmark: bench.recall_rate.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn granularity_follows_the_window_length() {
        assert_eq!(granularity(d(2026, 1, 1), d(2026, 1, 31)), Period::Day);
        assert_eq!(granularity(d(2026, 1, 1), d(2026, 6, 1)), Period::Week);
        assert_eq!(granularity(d(2025, 1, 1), d(2026, 6, 1)), Period::Month);
    }

    #[test]
    fn weeks_start_at_the_window_start_then_on_mondays() {
        // 2026-01-07 is a Wednesday.
        let p = periods(d(2026, 1, 7), d(2026, 1, 20), Period::Week);
        let starts: Vec<NaiveDate> = p.iter().map(|(_, s)| *s).collect();
        assert_eq!(starts, vec![d(2026, 1, 7), d(2026, 1, 12), d(2026, 1, 19)]);
        assert_eq!(p[0].0, "2026-W02");
    }

    #[test]
    fn an_empty_window_has_empty_periods_with_undefined_figures() {
        let (def, bench) = mammoflow_audit::program_rules(false);
        let t = trend(&[], d(2026, 1, 1), d(2026, 1, 3), &def, &bench);
        assert_eq!(t.points.len(), 2);
        assert!(t.points.iter().all(|p| p.studies == 0 && p.reader_recall.value.is_none()));
    }
}
