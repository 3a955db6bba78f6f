//! Picking RCC, LCC, RMLO and LMLO from the instances of one study (screening.md §7).

use crate::header::{CodedValue, InstanceHeader};
use mammoflow_domain::{DicomUid, Laterality, Projection, View};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// SOP Class of Digital Mammography X-Ray Image Storage – For Presentation.
pub const DM_FOR_PRESENTATION: &str = "1.2.840.10008.5.1.4.1.1.1.2";

/// CID 4014 view codes: (SNOMED CT, legacy SNOMED-RT, name). `None` for codes whose SRT
/// twin we have not confirmed; an unknown code falls back to ViewPosition.
const VIEW_CODES: &[(&str, Option<&str>, &str)] = &[
    ("399162004", Some("R-10242"), "CC"),
    ("399368009", Some("R-10226"), "MLO"),
    ("399260004", None, "ML"),
    ("399352003", None, "LM"),
    ("399099002", None, "LMO"),
    ("399192008", None, "XCCL"),
    ("399101009", None, "XCCM"),
    ("399196006", None, "FB"),
    ("399188001", None, "SIO"),
    ("441555000", None, "ISO"),
    ("127457009", None, "SPECIMEN"),
];

/// Why an instance is not one of the four standard views. It stays with the study for the
/// human reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum IgnoreReason {
    NotMammography { modality: String },
    UnsupportedSopClass { sop_class_uid: String },
    NotForPresentation { presentation_intent_type: String },
    /// Spot compression, magnification, implant displaced, cleavage, rolled, ...
    ViewModifier { code: Option<String> },
    NonStandardProjection { projection: String },
    Specimen,
    UnknownView,
    /// `B` (e.g. cleavage view) or none of the three laterality attributes.
    NoSingleLaterality { laterality: Option<String> },
    /// A valid candidate, but another instance was chosen for the same view.
    DuplicateOf { view: View, chosen: DicomUid },
}

impl fmt::Display for IgnoreReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IgnoreReason::NotMammography { modality } => write!(f, "modality {modality} is not MG"),
            IgnoreReason::UnsupportedSopClass { sop_class_uid } => {
                write!(f, "SOP class {sop_class_uid} is not DM For Presentation")
            }
            IgnoreReason::NotForPresentation { presentation_intent_type } => {
                write!(f, "presentation intent is {presentation_intent_type}, not FOR PRESENTATION")
            }
            IgnoreReason::ViewModifier { code: Some(code) } => write!(f, "view modifier {code} present"),
            IgnoreReason::ViewModifier { code: None } => f.write_str("view modifier present"),
            IgnoreReason::NonStandardProjection { projection } => {
                write!(f, "{projection} is not a standard screening projection")
            }
            IgnoreReason::Specimen => f.write_str("specimen radiograph"),
            IgnoreReason::UnknownView => f.write_str("view cannot be determined"),
            IgnoreReason::NoSingleLaterality { laterality: Some(l) } => {
                write!(f, "laterality {l} is not a single breast")
            }
            IgnoreReason::NoSingleLaterality { laterality: None } => f.write_str("no laterality"),
            IgnoreReason::DuplicateOf { view, chosen } => write!(f, "another {view} ({chosen}) was chosen"),
        }
    }
}

/// A reason the study cannot be treated as a complete screening exam.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum SelectionProblem {
    NoInstances,
    MissingView { view: View },
    NonMgModality { sop_instance_uid: DicomUid, modality: String },
    ConflictingStudyUids { uids: Vec<DicomUid> },
    ConflictingPatientIds { ids: Vec<String> },
}

impl fmt::Display for SelectionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectionProblem::NoInstances => f.write_str("the study has no instances"),
            SelectionProblem::MissingView { view } => write!(f, "missing standard view {view}"),
            SelectionProblem::NonMgModality { sop_instance_uid, modality } => {
                write!(f, "instance {sop_instance_uid} has modality {modality}, not MG")
            }
            SelectionProblem::ConflictingStudyUids { uids } => {
                write!(f, "instances carry {} different StudyInstanceUIDs: {}", uids.len(), join(uids))
            }
            SelectionProblem::ConflictingPatientIds { ids } => {
                write!(f, "instances carry {} different PatientIDs", ids.len())
            }
        }
    }
}

/// Several candidates for one view: the latest acquisition was chosen (rule 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateNote {
    pub view: View,
    pub chosen: DicomUid,
    pub others: Vec<DicomUid>,
}

impl fmt::Display for DuplicateNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} candidates for {}: chose {} (latest acquisition), not {}",
            self.others.len() + 1, self.view, self.chosen, join(&self.others))
    }
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

/// An instance chosen or ignored; `index` points into the slice given to the selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectedInstance {
    pub index: usize,
    pub sop_instance_uid: DicomUid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoredInstance {
    pub index: usize,
    pub sop_instance_uid: DicomUid,
    pub reason: IgnoreReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ViewSelection {
    pub views: BTreeMap<View, SelectedInstance>,
    pub ignored: Vec<IgnoredInstance>,
    /// Non-empty ⇒ ineligible for AI triage; route to the full human read.
    pub problems: Vec<SelectionProblem>,
    pub duplicates: Vec<DuplicateNote>,
}

impl ViewSelection {
    pub fn is_eligible(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems as one human-readable line (empty when eligible).
    pub fn reason(&self) -> String {
        self.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; ")
    }
}

/// Applies the four-view rule to all instances of one study.
pub fn select_standard_views(headers: &[InstanceHeader]) -> ViewSelection {
    let mut sel = ViewSelection::default();
    if headers.is_empty() {
        sel.problems.push(SelectionProblem::NoInstances);
        return sel;
    }
    let study_uids: BTreeSet<&DicomUid> = headers.iter().map(|h| &h.study_instance_uid).collect();
    if study_uids.len() > 1 {
        let uids = study_uids.into_iter().cloned().collect();
        sel.problems.push(SelectionProblem::ConflictingStudyUids { uids });
    }
    let patient_ids: BTreeSet<&str> = headers.iter().filter_map(|h| h.patient_id.as_deref()).collect();
    if patient_ids.len() > 1 {
        let ids = patient_ids.into_iter().map(str::to_string).collect();
        sel.problems.push(SelectionProblem::ConflictingPatientIds { ids });
    }

    let mut candidates: BTreeMap<View, Vec<usize>> = BTreeMap::new();
    for (index, h) in headers.iter().enumerate() {
        match classify(h) {
            Ok(view) => candidates.entry(view).or_default().push(index),
            Err(reason) => {
                if let IgnoreReason::NotMammography { modality } = &reason {
                    sel.problems.push(SelectionProblem::NonMgModality {
                        sop_instance_uid: h.sop_instance_uid.clone(),
                        modality: modality.clone(),
                    });
                }
                sel.ignored.push(IgnoredInstance { index, sop_instance_uid: h.sop_instance_uid.clone(), reason });
            }
        }
    }

    for view in View::ALL {
        let Some(indices) = candidates.get(&view) else {
            sel.problems.push(SelectionProblem::MissingView { view });
            continue;
        };
        // Latest acquisition wins, then the highest InstanceNumber, then the highest UID so
        // the choice never depends on the order the files arrived in.
        let key = |&i: &usize| {
            let h = &headers[i];
            (h.acquisition_datetime.clone(), h.instance_number, h.sop_instance_uid.clone())
        };
        let Some(&chosen) = indices.iter().max_by_key(|i| key(i)) else { continue };
        let chosen_uid = headers[chosen].sop_instance_uid.clone();
        let others: Vec<usize> = indices.iter().copied().filter(|&i| i != chosen).collect();
        if !others.is_empty() {
            sel.duplicates.push(DuplicateNote {
                view,
                chosen: chosen_uid.clone(),
                others: others.iter().map(|&i| headers[i].sop_instance_uid.clone()).collect(),
            });
            for index in others {
                sel.ignored.push(IgnoredInstance {
                    index,
                    sop_instance_uid: headers[index].sop_instance_uid.clone(),
                    reason: IgnoreReason::DuplicateOf { view, chosen: chosen_uid.clone() },
                });
            }
        }
        sel.views.insert(view, SelectedInstance { index: chosen, sop_instance_uid: chosen_uid });
    }
    sel.ignored.sort_by_key(|i| i.index);
    sel
}

/// The standard view an instance shows, or why it is not one.
pub fn classify(h: &InstanceHeader) -> Result<View, IgnoreReason> {
    if !h.modality.eq_ignore_ascii_case("MG") {
        return Err(IgnoreReason::NotMammography { modality: h.modality.clone() });
    }
    if h.sop_class_uid.as_str() != DM_FOR_PRESENTATION {
        return Err(IgnoreReason::UnsupportedSopClass { sop_class_uid: h.sop_class_uid.to_string() });
    }
    // The SOP class already states the intent, so an absent (Type 1 but often forgotten)
    // PresentationIntentType is accepted; a contradicting one is not.
    if let Some(intent) = &h.presentation_intent_type {
        if !intent.eq_ignore_ascii_case("FOR PRESENTATION") {
            return Err(IgnoreReason::NotForPresentation { presentation_intent_type: intent.clone() });
        }
    }
    if h.view_modifier_present {
        let code = h.view_modifier_codes.first().map(|c| {
            c.meaning.clone().unwrap_or_else(|| format!("{} ({})", c.value, c.scheme))
        });
        return Err(IgnoreReason::ViewModifier { code });
    }
    let laterality = [&h.image_laterality, &h.series_laterality, &h.frame_laterality]
        .into_iter()
        .find_map(|l| l.as_deref());
    let laterality = match laterality.map(str::to_ascii_uppercase).as_deref() {
        Some("R") => Laterality::Right,
        Some("L") => Laterality::Left,
        other => return Err(IgnoreReason::NoSingleLaterality { laterality: other.map(str::to_string) }),
    };
    let projection = h
        .view_code
        .as_ref()
        .and_then(view_code_name)
        .or_else(|| h.view_position.as_deref().map(|p| p.trim().to_ascii_uppercase()))
        .ok_or(IgnoreReason::UnknownView)?;
    match projection.as_str() {
        "CC" => Ok(View::new(laterality, Projection::Cc)),
        "MLO" => Ok(View::new(laterality, Projection::Mlo)),
        "SPECIMEN" => Err(IgnoreReason::Specimen),
        _ => Err(IgnoreReason::NonStandardProjection { projection }),
    }
}

/// The projection named by a CID 4014 code, SCT or legacy SRT.
fn view_code_name(code: &CodedValue) -> Option<String> {
    let scheme = code.scheme.to_ascii_uppercase();
    VIEW_CODES
        .iter()
        .find(|(sct, srt, _)| match scheme.as_str() {
            "SCT" => code.value == *sct,
            "SRT" | "SNM3" => Some(code.value.as_str()) == *srt,
            _ => false,
        })
        .map(|(_, _, name)| name.to_string())
}
