//! Generated files read back through the header reader, and generation is deterministic.

mod common;

use common::{four_headers, small_options, study};
use mammoflow_dicom::synth::{generate_study, simulate, StudyTruth};
use mammoflow_dicom::{select_standard_views, SimulationOptions};
use mammoflow_domain::{BiRads, FindingStatus, View};

#[test]
fn headers_read_back_what_was_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = study(3);
    let headers = four_headers(dir.path(), &s);
    for (h, view) in headers.iter().zip(View::ALL) {
        let uids = &s.ids.views[&view];
        assert_eq!(h.sop_class_uid.as_str(), "1.2.840.10008.5.1.4.1.1.1.2");
        assert_eq!(h.sop_instance_uid, uids.sop_instance_uid);
        assert_eq!(h.series_instance_uid, uids.series_instance_uid);
        assert_eq!(h.study_instance_uid, s.ids.study_instance_uid);
        assert_eq!(h.transfer_syntax, "1.2.840.10008.1.2.1");
        assert_eq!(h.modality, "MG");
        assert_eq!(h.presentation_intent_type.as_deref(), Some("FOR PRESENTATION"));
        assert_eq!(h.image_laterality.as_deref(), Some(view.laterality().dicom_code()));
        let code = h.view_code.as_ref().expect("view code");
        assert_eq!(code.scheme, "SCT");
        assert_eq!(code.value, if view.code().ends_with("CC") { "399162004" } else { "399368009" });
        assert!(!h.view_modifier_present, "empty modifier sequence has no item");
        assert_eq!(h.view_position.as_deref(), Some(&view.code()[1..]));
        assert_eq!(h.image_type, ["ORIGINAL", "PRIMARY", ""]);
        assert_eq!(h.manufacturer.as_deref(), Some(s.ids.device.manufacturer.as_str()));
        assert_eq!(h.manufacturer_model_name.as_deref(), Some(s.ids.device.model.as_str()));
        assert_eq!(h.patient_id.as_deref(), Some(s.ids.patient_key.as_str()));
        assert_eq!(h.patient_age, Some(format!("{:03}Y", s.ids.patient_age)));
        assert_eq!(h.accession_number.as_deref(), Some(s.ids.accession_number.as_str()));
        assert_eq!(h.body_part_examined.as_deref(), Some("BREAST"));
        assert_eq!((h.breast_implant_present, h.partial_view), (Some(false), Some(false)));
        assert_eq!((h.rows, h.columns, h.bits_allocated), (Some(256), Some(208), Some(16)));
        assert_eq!(h.bits_stored, Some(s.ids.device.bits_stored));
        assert_eq!(h.photometric_interpretation.as_deref(), Some("MONOCHROME2"));
        assert!(h.window_width.is_some_and(|w| w > 0.0));
    }
    let selection = select_standard_views(&headers);
    assert!(selection.is_eligible(), "{}", selection.reason());
    assert_eq!(selection.views.len(), 4);
    assert!(selection.ignored.is_empty());
}

#[test]
fn same_seed_gives_byte_identical_files_and_other_seed_differs() {
    let opts = SimulationOptions { studies: 3, ..small_options() };
    let (a, b) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let wa = simulate(&opts, a.path()).expect("simulate a");
    let wb = simulate(&opts, b.path()).expect("simulate b");
    for (x, y) in wa.iter().zip(&wb) {
        for view in View::ALL {
            let (fx, fy) = (std::fs::read(&x.files[&view]).expect("read"), std::fs::read(&y.files[&view]).expect("read"));
            assert!(fx == fy, "{view} of {} differs between runs", x.folder.display());
        }
        assert_eq!(std::fs::read(&x.truth_path).ok(), std::fs::read(&y.truth_path).ok());
        assert_eq!(std::fs::read(&x.report_path).ok(), std::fs::read(&y.report_path).ok());
    }
    let other = generate_study(&SimulationOptions { seed: opts.seed + 1, ..opts.clone() }, 0);
    assert_ne!(other.ids.study_instance_uid, wa[0].study_instance_uid);
    assert_ne!(other.images[&View::Rcc].pixels, generate_study(&opts, 0).images[&View::Rcc].pixels);
}

#[test]
fn truth_json_round_trips_and_matches_the_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = SimulationOptions { studies: 12, enrich_abnormal: true, ..small_options() };
    for w in simulate(&opts, dir.path()).expect("simulate") {
        let text = std::fs::read_to_string(&w.truth_path).expect("truth.json");
        let truth: StudyTruth = serde_json::from_str(&text).expect("valid truth.json");
        assert_eq!(truth, w.truth);
        let json: serde_json::Value = serde_json::from_str(&text).expect("json");
        for key in ["birads", "density", "findings", "recommendation", "study_instance_uid"] {
            assert!(json.get(key).is_some(), "truth.json lacks {key}");
        }
        let report = std::fs::read_to_string(&w.report_path).expect("report.txt");
        let exam = truth.report.birads.exam_category().expect("exam category");
        assert!(report.contains(&format!("BI-RADS {}", exam.code())) || report.contains(&format!("BI-RADS Category {}", exam.code())),
            "report does not state BI-RADS {exam}:\n{report}");
        assert!(report.contains(exam.wording()), "report lacks '{}':\n{report}", exam.wording());
        let positives = truth.report.findings.iter().filter(|f| f.status != FindingStatus::Negative).count();
        assert_eq!(exam == BiRads::Negative, positives == 0, "category {exam} vs {positives} findings");
        for f in truth.report.findings.iter().filter(|f| f.status != FindingStatus::Negative) {
            if let Some(size) = f.size_mm {
                assert!(report.contains(&format!("{size} mm")), "size {size} mm missing:\n{report}");
            }
        }
    }
}

#[test]
fn pixels_carry_the_lesions() {
    // Calcification specks are the brightest structures of a phantom: the CC of the side with
    // grouped calcifications has more near-white pixels than the other side's CC.
    let opts = SimulationOptions { enrich_abnormal: true, ..small_options() };
    let s = (0..40).map(|i| generate_study(&opts, i)).find(|s| {
        s.truth.report.findings.iter().any(|f| f.finding_type == mammoflow_domain::FindingType::Calcification
            && f.status == FindingStatus::Positive && !f.locations.is_empty())
    }).expect("an enriched run has grouped calcifications");
    let side = s.truth.report.findings.iter()
        .find(|f| f.finding_type == mammoflow_domain::FindingType::Calcification && !f.locations.is_empty())
        .and_then(|f| f.side).expect("side");
    let (cc, other_cc) = match side {
        mammoflow_domain::Side::Right => (View::Rcc, View::Lcc),
        _ => (View::Lcc, View::Rcc),
    };
    let bright = |v: View| s.images[&v].pixels.iter().filter(|&&p| f32::from(p) > 0.7 * f32::from(s.images[&v].max_value)).count();
    assert!(bright(cc) > bright(other_cc), "calcification specks should be the brightest pixels");
}

#[test]
fn studies_are_dated_a_day_apart_and_a_device_switch_takes_over_at_its_index() {
    use mammoflow_dicom::{DeviceProfile, DeviceSwitch};
    let next = DeviceProfile {
        manufacturer: "OTHER VENDOR".into(),
        model: "NEXT-GEN 16".into(),
        software_version: "2.0".into(),
        station_name: "SIMST09".into(),
        serial_number: "SIM0009".into(),
        bits_stored: 16,
    };
    let opts = SimulationOptions {
        start_date: chrono::NaiveDate::from_ymd_opt(2026, 2, 27).expect("date"),
        device_switch: Some(DeviceSwitch { from_index: 2, device: next.clone() }),
        ..small_options()
    };
    let dates: Vec<String> = (0..4).map(|i| generate_study(&opts, i).ids.study_date).collect();
    assert_eq!(dates, ["20260227", "20260228", "20260301", "20260302"]);
    let devices: Vec<String> = (0..4).map(|i| generate_study(&opts, i).ids.device.manufacturer).collect();
    assert_eq!(devices[2..], ["OTHER VENDOR", "OTHER VENDOR"]);
    assert!(devices[..2].iter().all(|m| m == "MAMMOFLOW PHANTOM"));
    // The switched device's bit depth reaches the pixels' header.
    let dir = tempfile::tempdir().expect("tempdir");
    let headers = four_headers(dir.path(), &generate_study(&opts, 3));
    assert!(headers.iter().all(|h| h.bits_stored == Some(16)));
    // Before the switch nothing changed: study 1 is the same study as without a switch.
    assert_eq!(generate_study(&opts, 1), generate_study(&SimulationOptions { device_switch: None, ..opts.clone() }, 1));
}
