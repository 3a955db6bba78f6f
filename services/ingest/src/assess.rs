//! The pure part of ingest: from an arrival event to what gets stored and emitted.
//! Blocking file IO (headers only); the handler runs it off the async threads.

use chrono::NaiveDate;
use mammoflow_dicom::resolve_uri;
use mammoflow_dicom::{read_header, select_standard_views, HeaderLimits, InstanceHeader, ViewSelection};
use mammoflow_events::{Eligibility, StudyArrived, StudyReady, ViewRef};
use mammoflow_store::studies::{InstanceRole, NewInstance, NewStudy, StudyStatus};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::PathBuf;
use uuid::Uuid;

/// The arrival event's id and correlation id, kept on the stored study for tracing.
#[derive(Debug, Clone, Copy)]
pub struct EventIds {
    pub event_id: Uuid,
    pub correlation_id: Uuid,
}

/// Why a study is not a complete four-view screening exam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestProblem {
    /// A referenced object could not be resolved or read.
    UnreadableInstance { uri: String, reason: String },
    /// The four-view rule failed (missing view, wrong modality, conflicting UIDs in the files).
    Selection { kind: String, reason: String },
    /// The files belong to another study than the event says.
    EventUidMismatch { event_uid: String, file_uids: Vec<String> },
}

impl IngestProblem {
    /// Short label for metrics and the stored problem list.
    pub fn kind(&self) -> &str {
        match self {
            IngestProblem::UnreadableInstance { .. } => "unreadable_instance",
            IngestProblem::Selection { kind, .. } => kind,
            IngestProblem::EventUidMismatch { .. } => "event_uid_mismatch",
        }
    }

    pub fn reason(&self) -> String {
        match self {
            IngestProblem::UnreadableInstance { uri, reason } => format!("cannot read {uri}: {reason}"),
            IngestProblem::Selection { reason, .. } => reason.clone(),
            IngestProblem::EventUidMismatch { event_uid, file_uids } => format!(
                "event names study {event_uid} but its files carry {}",
                file_uids.join(", ")
            ),
        }
    }
}

/// Everything ingest decided about one arrival.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub problems: Vec<IngestProblem>,
    pub instances: Vec<NewInstance>,
    pub ready: StudyReady,
    /// Header of the first chosen (else first readable) instance: equipment and age come from it.
    pub representative: Option<InstanceHeader>,
}

impl Assessment {
    pub fn is_eligible(&self) -> bool {
        self.problems.is_empty()
    }

    /// The study row to store.
    pub fn new_study(&self, arrived: &StudyArrived, ids: EventIds) -> NewStudy {
        let header = self.representative.as_ref();
        let reason = (!self.is_eligible())
            .then(|| self.problems.iter().map(IngestProblem::reason).collect::<Vec<_>>().join("; "));
        NewStudy {
            study_uid: arrived.study_instance_uid.to_string(),
            site: arrived.site.clone(),
            patient_key: arrived.patient_key.clone(),
            accession_number: arrived
                .accession_number
                .clone()
                .or_else(|| header.and_then(|h| h.accession_number.clone())),
            manufacturer: header.and_then(|h| h.manufacturer.clone()),
            model: header.and_then(|h| h.manufacturer_model_name.clone()),
            software_versions: header.map(|h| h.software_versions.join("\\")).filter(|s| !s.is_empty()),
            patient_age: header.and_then(|h| h.patient_age.clone()),
            study_date: header.and_then(|h| h.study_date.as_deref()).and_then(dicom_date),
            status: if self.is_eligible() { StudyStatus::Ready } else { StudyStatus::Ineligible },
            status_reason: reason,
            problems: json!(self
                .problems
                .iter()
                .map(|p| json!({"problem": p.kind(), "detail": p.reason()}))
                .collect::<Vec<_>>()),
            correlation_id: ids.correlation_id,
            arrived_event_id: ids.event_id,
        }
    }
}

/// A DICOM DA value (`YYYYMMDD`, or the ACR-NEMA `YYYY.MM.DD` older devices still write) as a
/// date; anything else is no date (the audit then uses the day the study was stored).
fn dicom_date(text: &str) -> Option<NaiveDate> {
    let digits: String = text.trim().chars().filter(|c| *c != '.').collect();
    NaiveDate::parse_from_str(&digits, "%Y%m%d").ok().filter(|_| digits.len() == 8)
}

/// Reads the headers of every referenced object and applies the four-view rule.
pub fn assess_study(arrived: &StudyArrived, roots: &[PathBuf], limits: &HeaderLimits) -> Assessment {
    let mut problems = Vec::new();
    // Readable headers and, at the same position, the index of their instance in the event.
    let mut headers: Vec<InstanceHeader> = Vec::new();
    let mut event_index: Vec<usize> = Vec::new();
    let mut unreadable: Vec<(usize, String)> = Vec::new();
    for (index, instance) in arrived.instances.iter().enumerate() {
        let header = resolve_uri(&instance.uri, roots)
            .map_err(|e| e.to_string())
            .and_then(|path| read_header(&path, limits).map_err(|e| e.to_string()));
        match header {
            Ok(h) => {
                headers.push(h);
                event_index.push(index);
            }
            Err(reason) => {
                problems.push(IngestProblem::UnreadableInstance { uri: instance.uri.clone(), reason: reason.clone() });
                unreadable.push((index, reason));
            }
        }
    }

    let selection = if headers.is_empty() && !unreadable.is_empty() {
        // Every file failed: the unreadable problems already say why; "no instances" adds nothing.
        ViewSelection::default()
    } else {
        select_standard_views(&headers)
    };
    problems.extend(selection.problems.iter().map(|p| IngestProblem::Selection {
        kind: selection_kind(&serde_json::to_value(p).unwrap_or_default()),
        reason: p.to_string(),
    }));
    let event_uid = arrived.study_instance_uid.to_string();
    let file_uids: BTreeSet<String> = headers.iter().map(|h| h.study_instance_uid.to_string()).collect();
    if file_uids.iter().any(|uid| *uid != event_uid) {
        problems.push(IngestProblem::EventUidMismatch { event_uid, file_uids: file_uids.into_iter().collect() });
    }

    let instances = stored_instances(arrived, &headers, &event_index, &unreadable, &selection);
    let views: Vec<ViewRef> = selection
        .views
        .iter()
        .map(|(view, chosen)| ViewRef {
            view: *view,
            sop_instance_uid: chosen.sop_instance_uid.clone(),
            uri: arrived.instances[event_index[chosen.index]].uri.clone(),
        })
        .collect();
    let representative = selection
        .views
        .values()
        .next()
        .map(|chosen| chosen.index)
        .or((!headers.is_empty()).then_some(0))
        .map(|position| headers.swap_remove(position));
    let eligibility = if problems.is_empty() {
        Eligibility::Eligible
    } else {
        Eligibility::Ineligible { reasons: problems.iter().map(IngestProblem::reason).collect() }
    };
    let ready = StudyReady {
        study_instance_uid: arrived.study_instance_uid.clone(),
        site: arrived.site.clone(),
        patient_key: arrived.patient_key.clone(),
        eligibility,
        views,
        manufacturer: representative.as_ref().and_then(|h| h.manufacturer.clone()),
        manufacturer_model: representative.as_ref().and_then(|h| h.manufacturer_model_name.clone()),
    };
    Assessment { problems, instances, ready, representative }
}

fn selection_kind(problem: &serde_json::Value) -> String {
    problem.get("problem").and_then(|k| k.as_str()).unwrap_or("selection").to_string()
}

/// One stored row per referenced object: chosen, ignored (with the rule) or unreadable.
fn stored_instances(
    arrived: &StudyArrived,
    headers: &[InstanceHeader],
    event_index: &[usize],
    unreadable: &[(usize, String)],
    selection: &ViewSelection,
) -> Vec<NewInstance> {
    let mut rows = Vec::with_capacity(arrived.instances.len());
    for (position, (header, index)) in headers.iter().zip(event_index).enumerate() {
        let chosen = selection.views.iter().find(|(_, s)| s.index == position).map(|(v, _)| *v);
        let ignored = selection.ignored.iter().find(|i| i.index == position);
        let duplicate_note = selection
            .duplicates
            .iter()
            .find(|d| d.others.contains(&header.sop_instance_uid))
            .map(|d| d.to_string());
        rows.push(NewInstance {
            sop_instance_uid: Some(header.sop_instance_uid.to_string()),
            series_uid: Some(header.series_instance_uid.to_string()),
            view: chosen,
            uri: arrived.instances[*index].uri.clone(),
            role: if chosen.is_some() { InstanceRole::Standard } else { InstanceRole::Ignored },
            note: ignored.map(|i| i.reason.to_string()).or(duplicate_note),
            header: serde_json::to_value(header).unwrap_or_default(),
        });
    }
    for (index, reason) in unreadable {
        let instance = &arrived.instances[*index];
        rows.push(NewInstance {
            sop_instance_uid: instance.sop_instance_uid.as_ref().map(ToString::to_string),
            series_uid: None,
            view: None,
            uri: instance.uri.clone(),
            role: InstanceRole::Unreadable,
            note: Some(reason.clone()),
            header: json!({}),
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::dicom_date;
    use chrono::NaiveDate;

    #[test]
    fn dicom_dates_in_both_encodings_and_nothing_else() {
        let march = NaiveDate::from_ymd_opt(2025, 3, 14);
        assert_eq!(dicom_date("20250314"), march);
        assert_eq!(dicom_date("2025.03.14 "), march);
        for bad in ["", "2025031", "20251314", "2025-03-14", "202503140"] {
            assert_eq!(dicom_date(bad), None, "{bad:?}");
        }
    }
}
