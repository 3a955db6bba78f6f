//! Change markers: the moments in a window where something that shifts the AI's behaviour
//! changed (a model version, a parser version, a device's software, the triage policy), drawn as
//! vertical lines on the trend so that a step in a figure can be read against them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use mammoflow_store::audit_data::ExamRecord;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    ModelVersion,
    ParserVersion,
    DeviceSoftware,
    TriagePolicy,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::ModelVersion => "model",
            ChangeKind::ParserVersion => "parser",
            ChangeKind::DeviceSoftware => "device software",
            ChangeKind::TriagePolicy => "triage policy",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeMarker {
    pub at: DateTime<Utc>,
    pub kind: ChangeKind,
    /// The device (`manufacturer model`) for software changes.
    pub subject: Option<String>,
    pub value: String,
}

impl ChangeMarker {
    /// `model m2`, `device software PhantomCo P1: 2.1`.
    pub fn label(&self) -> String {
        match &self.subject {
            Some(s) => format!("{} {s}: {}", self.kind.label(), self.value),
            None => format!("{} {}", self.kind.label(), self.value),
        }
    }
}

/// First appearances of a value after the series' first study: the value in use at the start
/// of the window is the baseline, not a change. `records` oldest first (as the store returns
/// them); `policies` are `(version, loaded_at)` of the triage policies loaded in the window.
pub fn change_markers(records: &[ExamRecord], policies: &[(String, DateTime<Utc>)]) -> Vec<ChangeMarker> {
    // (kind, subject) -> values seen so far.
    let mut seen: BTreeMap<(ChangeKind, Option<String>), Vec<String>> = BTreeMap::new();
    let mut out = Vec::new();
    for r in records {
        let device = || format!("{} {}", r.manufacturer.as_deref().unwrap_or("unknown"), r.device_model.as_deref().unwrap_or("unknown"));
        let observed = [
            (ChangeKind::ModelVersion, None, r.model_version.clone()),
            (ChangeKind::ParserVersion, None, r.parser_version.clone()),
            (ChangeKind::DeviceSoftware, Some(device()), r.software_versions.clone()),
        ];
        for (kind, subject, value) in observed {
            let Some(value) = value else { continue };
            let values = seen.entry((kind, subject.clone())).or_default();
            if values.contains(&value) {
                continue;
            }
            if !values.is_empty() {
                out.push(ChangeMarker { at: r.exam_start(), kind, subject, value: value.clone() });
            }
            values.push(value);
        }
    }
    out.extend(policies.iter().map(|(version, at)| ChangeMarker {
        at: *at,
        kind: ChangeKind::TriagePolicy,
        subject: None,
        value: version.clone(),
    }));
    out.sort_by_key(|m| (m.at, m.kind));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record(day: u32, model: &str, software: &str) -> ExamRecord {
        ExamRecord {
            study_uid: format!("1.{day}"),
            stored_at: Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).single().unwrap_or_default(),
            exam_date: chrono::NaiveDate::from_ymd_opt(2026, 3, day).unwrap_or_default(),
            site: "site-a".into(),
            manufacturer: Some("PhantomCo".into()),
            device_model: Some("P1".into()),
            software_versions: Some(software.into()),
            patient_age: None,
            model_version: Some(model.into()),
            ai_malignancy_probability: None,
            parser_version: Some("p1".into()),
            ai_structured: None,
            reader: None,
            reader_birads_right: None,
            reader_birads_left: None,
            reader_density: None,
            biopsy_performed: false,
            outcome: None,
        }
    }

    #[test]
    fn only_values_after_the_baseline_are_changes() {
        let records = [record(1, "m1", "1.0"), record(2, "m1", "1.0"), record(3, "m2", "1.0"), record(4, "m2", "2.0"), record(5, "m1", "2.0")];
        let loaded = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).single().unwrap_or_default();
        let markers = change_markers(&records, &[("policy-2".into(), loaded)]);
        let labels: Vec<String> = markers.iter().map(ChangeMarker::label).collect();
        assert_eq!(labels, ["triage policy policy-2", "model m2", "device software PhantomCo P1: 2.0"]);
        assert_eq!(markers[1].at, records[2].exam_start());
    }
}
