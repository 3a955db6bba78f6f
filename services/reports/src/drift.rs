//! Drift of the AI's output (assessed BI-RADS) and of its inputs (manufacturer, device model)
//! per period against a reference window, scored with the audit crate's categorical drift (PSI
//! plus a chi-square test of homogeneity) and its alarm thresholds.
//!
//! **Reference window: the first quarter of the trend's periods that hold exams** (rounded up,
//! at least one period). A single first day is often too small to be a stable reference, and a
//! quarter keeps three quarters to compare; aligning on whole periods keeps every period either
//! reference or current; skipping empty periods keeps a window that starts before the first
//! exam (a new site, a default 30-day window) from having an empty reference. A window with one
//! such period has nothing to compare and says so.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use mammoflow_audit::drift::{align, category_counts};
use mammoflow_audit::{categorical_drift, suspicion_band, Dimension, DriftReport, DriftThresholds, ScreeningExam, Strata};
use serde::Serialize;

use crate::trend::{granularity, periods};

/// Drift of one period (or of the whole current window) against the reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftPoint {
    pub period: String,
    /// Values counted in this period (studies with the attribute).
    pub n: u64,
    pub report: Option<DriftReport>,
    /// Why `report` is missing (e.g. no values in the period).
    pub undefined: Option<String>,
}

/// One drifting attribute.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftSeries {
    /// `ai_birads`, `ai_suspicion`, `manufacturer`, `device_model`, `software_version`.
    pub name: String,
    pub title: String,
    /// Every category seen in the window, in order; the count vectors follow it.
    pub categories: Vec<String>,
    pub reference_counts: Vec<u64>,
    /// All periods after the reference window together.
    pub current_counts: Vec<u64>,
    /// The current window as a whole against the reference.
    pub overall: DriftPoint,
    pub points: Vec<DriftPoint>,
}

impl DriftSeries {
    /// The points (overall first) that raised an alarm.
    pub fn alarms(&self) -> impl Iterator<Item = &DriftPoint> {
        std::iter::once(&self.overall).chain(&self.points).filter(|p| p.report.as_ref().is_some_and(|r| r.alarm.is_some()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftSection {
    /// The reference window `[reference_from, reference_to)`.
    pub reference_from: NaiveDate,
    pub reference_to: NaiveDate,
    pub reference_periods: Vec<String>,
    pub thresholds: DriftThresholds,
    pub series: Vec<DriftSeries>,
    /// Set when nothing can be compared (a window of one period).
    pub note: Option<String>,
}

type Pick = fn(&(ScreeningExam, Strata)) -> Option<String>;

/// The drifting attributes: (name, title, value of an exam). The watch exports one gauge per
/// name, so this list is the only place a series is added.
pub const SERIES: [(&str, &str, Pick); 5] = [
    ("ai_birads", "AI-assessed BI-RADS", |(e, _)| e.ai.map(|b| b.code().to_string())),
    ("ai_suspicion", "AI malignancy probability (tenths)", |(_, s)| s.ai_suspicion.map(suspicion_band)),
    ("manufacturer", "Manufacturer", |(_, s)| Some(Dimension::Manufacturer.key(s))),
    ("device_model", "Device model", |(_, s)| Some(Dimension::DeviceModel.key(s))),
    ("software_version", "Device software version", |(_, s)| Some(Dimension::SoftwareVersion.key(s))),
];

/// The drift section of `exams` over `[from, to)`. A period (or the reference) with fewer than
/// `min_volume` values is not scored: on a handful of exams any shift looks like drift.
pub fn drift_section(exams: &[(ScreeningExam, Strata)], from: NaiveDate, to: NaiveDate, min_volume: usize) -> DriftSection {
    let period = granularity(from, to);
    let key_of = |(_, s): &(ScreeningExam, Strata)| s.at.map(|at| period.key(at));
    let used: std::collections::BTreeSet<String> = exams.iter().filter_map(key_of).collect();
    let all: Vec<(String, NaiveDate)> = periods(from, to, period).into_iter().filter(|(k, _)| used.contains(k)).collect();
    let reference_len = all.len().div_ceil(4).max(1).min(all.len());
    let (reference, current) = all.split_at(reference_len);
    let reference_to = current.first().map_or(to, |(_, start)| *start);
    let thresholds = DriftThresholds::default();
    let min_volume = u64::try_from(min_volume.max(1)).unwrap_or(u64::MAX);
    let in_reference = |e: &(ScreeningExam, Strata)| key_of(e).is_some_and(|k| reference.iter().any(|(r, _)| *r == k));
    let series = SERIES
        .into_iter()
        .map(|(name, title, pick)| {
            let counts = |keep: &dyn Fn(&(ScreeningExam, Strata)) -> bool| {
                category_counts(exams.iter().filter(|e| keep(e)).filter_map(pick))
            };
            let reference_counts = counts(&in_reference);
            let current_all = counts(&|e| !in_reference(e));
            let (categories, r, c) = align(&reference_counts, &current_all);
            let points = current
                .iter()
                .map(|(key, _)| score(key, &reference_counts, &counts(&|e| key_of(e).as_deref() == Some(key.as_str())), thresholds, min_volume))
                .collect();
            DriftSeries {
                name: name.to_string(),
                title: title.to_string(),
                categories,
                reference_counts: r,
                current_counts: c,
                overall: score("current window", &reference_counts, &current_all, thresholds, min_volume),
                points,
            }
        })
        .collect();
    DriftSection {
        reference_from: reference.first().map_or(from, |(_, start)| *start),
        reference_to,
        reference_periods: reference.iter().map(|(k, _)| k.clone()).collect(),
        thresholds,
        series,
        note: current.is_empty().then(|| "the window holds exams in one period at most: nothing to compare with the reference".to_string()),
    }
}

fn score(period: &str, reference: &BTreeMap<String, u64>, current: &BTreeMap<String, u64>, th: DriftThresholds, min_volume: u64) -> DriftPoint {
    let n = current.values().sum();
    let in_reference: u64 = reference.values().sum();
    let (report, undefined) = if reference.is_empty() {
        (None, Some("no values in the reference window".to_string()))
    } else if n == 0 {
        (None, Some("no values in this period".to_string()))
    } else if in_reference < min_volume {
        (None, Some(format!("too few: {in_reference} values in the reference window, under the minimum of {min_volume}")))
    } else if n < min_volume {
        (None, Some(format!("too few: {n} values, under the minimum of {min_volume}")))
    } else {
        match categorical_drift(reference, current, th) {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e.to_string())),
        }
    };
    DriftPoint { period: period.to_string(), n, report, undefined }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use mammoflow_audit::Outcome;
    use mammoflow_domain::BiRads;

    fn exam(day: u32, ai: BiRads) -> (ScreeningExam, Strata) {
        let exam = ScreeningExam { reader: None, ai: Some(ai), biopsy_recommended: false, biopsy_performed: false, outcome: Outcome::Unknown };
        let at = Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).single();
        (exam, Strata { at, manufacturer: Some("PhantomCo".into()), ..Strata::default() })
    }

    #[test]
    fn a_shift_in_the_ai_categories_raises_an_alarm() {
        // Days 1-2 (the reference, a quarter of 8 days): all BI-RADS 1; day 8: all BI-RADS 4.
        let mut exams: Vec<_> = (1..=2).flat_map(|d| (0..50).map(move |_| exam(d, BiRads::Negative))).collect();
        exams.extend((3..=7).flat_map(|d| (0..50).map(move |i| exam(d, if i % 10 == 0 { BiRads::Benign } else { BiRads::Negative }))));
        exams.extend((0..50).map(|_| exam(8, BiRads::Suspicious)));
        let from = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        let s = drift_section(&exams, from, from + chrono::Days::new(8), 20);
        assert_eq!(s.reference_periods, ["2026-03-01", "2026-03-02"]);
        let birads = &s.series[0];
        assert_eq!(birads.categories, ["1", "2", "4"]);
        assert_eq!(birads.points.len(), 6);
        let last = birads.points.last().and_then(|p| p.report.as_ref()).map(|r| r.alarm.is_some());
        assert_eq!(last, Some(true));
        // One manufacturer throughout: no alarm.
        assert_eq!(s.series.iter().find(|series| series.name == "manufacturer").map(|m| m.alarms().count()), Some(0));
        assert!(s.note.is_none());
    }

    #[test]
    fn periods_under_the_minimum_volume_are_not_scored() {
        // Ten exams a day, all BI-RADS 1 for three days, then all BI-RADS 4: a clear shift, but a
        // minimum of 20 leaves every single day unscored; the current window as a whole alarms.
        let exams: Vec<_> = (1..=8)
            .flat_map(|d| (0..10).map(move |_| exam(d, if d <= 3 { BiRads::Negative } else { BiRads::Suspicious })))
            .collect();
        let from = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        let s = drift_section(&exams, from, from + chrono::Days::new(8), 20);
        let birads = &s.series[0];
        assert!(birads.points.iter().all(|p| p.report.is_none() && p.undefined.as_deref().is_some_and(|u| u.starts_with("too few: 10 values"))));
        assert!(birads.overall.report.as_ref().is_some_and(|r| r.alarm.is_some()), "{:?}", birads.overall);
    }

    #[test]
    fn a_shift_in_the_ai_probabilities_raises_an_alarm() {
        // Same category throughout, but the probabilities climb from about 0.1 to about 0.6.
        let exams: Vec<_> = (1..=8)
            .flat_map(|d| (0..40).map(move |i| (d, i)))
            .map(|(d, i)| {
                let (exam, strata) = exam(d, BiRads::Negative);
                let p = if d <= 6 { 0.05 + (i % 3) as f32 * 0.05 } else { 0.55 + (i % 3) as f32 * 0.05 };
                (exam, Strata { ai_suspicion: Some(p), ..strata })
            })
            .collect();
        let from = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        let s = drift_section(&exams, from, from + chrono::Days::new(8), 20);
        let series = s.series.iter().find(|series| series.name == "ai_suspicion").expect("the probability series");
        let alarmed: Vec<&str> = series.alarms().map(|p| p.period.as_str()).collect();
        assert_eq!(alarmed, ["current window", "2026-03-07", "2026-03-08"]);
        assert!(series.categories.iter().any(|c| c == "0.5-0.6"), "{:?}", series.categories);
    }

    #[test]
    fn a_device_software_update_raises_an_input_alarm() {
        // Same categories throughout; the device's software changes after day 4.
        let exams: Vec<_> = (1..=8)
            .flat_map(|d| (0..30).map(move |_| d))
            .map(|d| {
                let (exam, strata) = exam(d, BiRads::Negative);
                let software = if d <= 4 { "DM 1.2" } else { "DM 2.0" };
                (exam, Strata { software_version: Some(software.into()), ..strata })
            })
            .collect();
        let from = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        let s = drift_section(&exams, from, from + chrono::Days::new(8), 20);
        let alarmed = |name: &str| -> Vec<String> {
            let series = s.series.iter().find(|series| series.name == name);
            series.map(|series| series.alarms().map(|p| p.period.clone()).collect()).unwrap_or_default()
        };
        assert!(alarmed("ai_birads").is_empty());
        // Days 5-8 run the new software, and so does the current window as a whole.
        assert_eq!(alarmed("software_version"), ["current window", "2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08"]);
    }
}
