//! The four-view rule on real files whose headers were altered the way PACS data varies.

mod common;

use common::{code_item, four_headers, header_of, set_str, set_view_code, study, write_variant};
use dicom_core::VR;
use dicom_dictionary_std::tags;
use mammoflow_dicom::views::{IgnoreReason, SelectionProblem};
use mammoflow_dicom::{select_standard_views, DicomReadError};
use mammoflow_domain::View;

#[test]
fn complete_study_selects_all_four() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = study(1);
    let headers = four_headers(dir.path(), &s);
    let sel = select_standard_views(&headers);
    assert!(sel.is_eligible());
    for (i, view) in View::ALL.iter().enumerate() {
        assert_eq!(sel.views[view].index, i);
    }
}

#[test]
fn missing_view_makes_the_study_ineligible() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut headers = four_headers(dir.path(), &study(2));
    headers.remove(3);
    let sel = select_standard_views(&headers);
    assert_eq!(sel.problems, [SelectionProblem::MissingView { view: View::Lmlo }]);
    assert_eq!(sel.reason(), "missing standard view LMLO");
}

#[test]
fn spot_compression_view_is_ignored_with_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = study(3);
    let mut headers = four_headers(dir.path(), &s);
    let spot = write_variant(dir.path(), "spot", &s, View::Rcc, |o| {
        set_str(o, tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5");
        set_view_code(o, "399162004", "SCT", Some(code_item("399055006", "SCT", "spot compression")));
    });
    headers.push(header_of(&spot));
    let sel = select_standard_views(&headers);
    assert!(sel.is_eligible(), "{}", sel.reason());
    assert_eq!(sel.views[&View::Rcc].index, 0);
    assert_eq!(sel.ignored.len(), 1);
    assert_eq!(sel.ignored[0].reason, IgnoreReason::ViewModifier { code: Some("spot compression".into()) });
}

#[test]
fn for_processing_is_ignored_and_leaves_the_view_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = study(4);
    let mut headers = four_headers(dir.path(), &s);
    headers[1] = header_of(&write_variant(dir.path(), "proc", &s, View::Lcc, |o| {
        set_str(o, tags::PRESENTATION_INTENT_TYPE, VR::CS, "FOR PROCESSING");
    }));
    let sel = select_standard_views(&headers);
    assert!(matches!(sel.ignored[0].reason, IgnoreReason::NotForPresentation { .. }));
    assert_eq!(sel.problems, [SelectionProblem::MissingView { view: View::Lcc }]);
}

#[test]
fn ct_modality_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = study(5);
    let mut headers = four_headers(dir.path(), &s);
    headers.push(header_of(&write_variant(dir.path(), "ct", &s, View::Rcc, |o| {
        set_str(o, tags::MODALITY, VR::CS, "CT");
        set_str(o, tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.9");
    })));
    let sel = select_standard_views(&headers);
    assert!(!sel.is_eligible());
    assert!(matches!(&sel.problems[0], SelectionProblem::NonMgModality { modality, .. } if modality == "CT"));
    assert!(sel.reason().contains("has modality CT, not MG"), "{}", sel.reason());
}

#[test]
fn conflicting_study_uids_are_a_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut headers = four_headers(dir.path(), &study(6));
    let other = four_headers(dir.path(), &study(7));
    headers[2] = other[2].clone();
    let sel = select_standard_views(&headers);
    assert!(sel.problems.iter().any(|p| matches!(p, SelectionProblem::ConflictingStudyUids { uids } if uids.len() == 2)));
    assert!(sel.problems.iter().any(|p| matches!(p, SelectionProblem::ConflictingPatientIds { .. })));
}

#[test]
fn laterality_falls_back_to_series_laterality() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = study(8);
    let mut headers = four_headers(dir.path(), &s);
    headers[0] = header_of(&write_variant(dir.path(), "lat", &s, View::Rcc, |o| {
        o.remove_element(tags::IMAGE_LATERALITY);
        set_str(o, tags::LATERALITY, VR::CS, "R");
    }));
    assert_eq!(headers[0].image_laterality, None);
    let sel = select_standard_views(&headers);
    assert!(sel.is_eligible(), "{}", sel.reason());
    assert_eq!(sel.views[&View::Rcc].index, 0);

    headers[0] = header_of(&write_variant(dir.path(), "nolat", &s, View::Rcc, |o| {
        o.remove_element(tags::IMAGE_LATERALITY);
    }));
    let sel = select_standard_views(&headers);
    assert_eq!(sel.ignored[0].reason, IgnoreReason::NoSingleLaterality { laterality: None });
}

#[test]
fn view_position_is_the_fallback_for_a_missing_view_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = study(9);
    let mut headers = four_headers(dir.path(), &s);
    headers[2] = header_of(&write_variant(dir.path(), "vp", &s, View::Rmlo, |o| {
        o.remove_element(tags::VIEW_CODE_SEQUENCE);
    }));
    assert!(headers[2].view_code.is_none());
    let sel = select_standard_views(&headers);
    assert!(sel.is_eligible(), "{}", sel.reason());
    assert_eq!(sel.views[&View::Rmlo].index, 2);
}

#[test]
fn legacy_srt_view_codes_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = study(10);
    let mut headers = four_headers(dir.path(), &s);
    for (i, view, code) in [(1, View::Lcc, "R-10242"), (3, View::Lmlo, "R-10226")] {
        headers[i] = header_of(&write_variant(dir.path(), &format!("srt{i}"), &s, view, |o| {
            set_view_code(o, code, "SRT", None);
            // ViewPosition contradicts on purpose: the code sequence must win.
            set_str(o, tags::VIEW_POSITION, VR::CS, "XX");
        }));
    }
    let sel = select_standard_views(&headers);
    assert!(sel.is_eligible(), "{}", sel.reason());
}

#[test]
fn other_projections_bilateral_and_specimen_are_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = study(11);
    let mut headers = four_headers(dir.path(), &s);
    let variants: [(&str, &str, Option<&str>); 3] =
        [("ml", "399260004", None), ("cleavage", "399162004", Some("B")), ("specimen", "127457009", None)];
    for (n, (name, code, laterality)) in variants.into_iter().enumerate() {
        headers.push(header_of(&write_variant(dir.path(), name, &s, View::Lcc, |o| {
            set_str(o, tags::SOP_INSTANCE_UID, VR::UI, &format!("1.2.3.{}", n + 1));
            set_view_code(o, code, "SCT", None);
            if let Some(l) = laterality {
                set_str(o, tags::IMAGE_LATERALITY, VR::CS, l);
            }
        })));
    }
    let sel = select_standard_views(&headers);
    assert!(sel.is_eligible(), "{}", sel.reason());
    let reasons: Vec<_> = sel.ignored.iter().map(|i| i.reason.clone()).collect();
    assert_eq!(reasons, [
        IgnoreReason::NonStandardProjection { projection: "ML".into() },
        IgnoreReason::NoSingleLaterality { laterality: Some("B".into()) },
        IgnoreReason::Specimen,
    ]);
}

#[test]
fn duplicate_candidates_pick_the_latest_acquisition_deterministically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = study(12);
    let mut headers = four_headers(dir.path(), &s);
    let retake = header_of(&write_variant(dir.path(), "retake", &s, View::Lmlo, |o| {
        set_str(o, tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.77");
        set_str(o, tags::ACQUISITION_TIME, VR::TM, "235959");
    }));
    headers.insert(0, retake.clone());
    let sel = select_standard_views(&headers);
    assert!(sel.is_eligible());
    assert_eq!(sel.views[&View::Lmlo].sop_instance_uid, retake.sop_instance_uid);
    assert_eq!(sel.duplicates.len(), 1);
    assert!(sel.duplicates[0].to_string().starts_with("2 candidates for LMLO: chose 1.2.3.77"));
    // Arrival order does not matter.
    headers.reverse();
    assert_eq!(select_standard_views(&headers).views[&View::Lmlo].sop_instance_uid, retake.sop_instance_uid);
}

#[test]
fn invalid_uid_is_a_read_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_variant(dir.path(), "baduid", &study(13), View::Rcc, |o| {
        set_str(o, tags::STUDY_INSTANCE_UID, VR::UI, "1.02.x");
    });
    let err = mammoflow_dicom::read_header(&path, &Default::default()).expect_err("invalid UID");
    assert!(matches!(err, DicomReadError::InvalidUid { name: "StudyInstanceUID", .. }), "{err}");
}

#[test]
fn empty_study_is_ineligible() {
    assert_eq!(select_standard_views(&[]).problems, [SelectionProblem::NoInstances]);
}
