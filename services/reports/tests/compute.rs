//! The audit computed from loaded rows (no database): weeks of studies with a model change
//! that shifts the AI's categories.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use chrono::{Days, NaiveDate, TimeZone, Utc};
use mammoflow_audit::{Cell, Dimension, Period};
use mammoflow_domain::{BiRads, StructuredReport};
use mammoflow_reports::changes::ChangeKind;
use mammoflow_reports::{compute_audit, render_audit_html, AuditRequest, Program};
use mammoflow_store::audit_data::ExamRecord;
use sqlx::types::Json;

fn record(day: NaiveDate, i: usize, model: &str, ai: BiRads, reader: &str) -> ExamRecord {
    let mut structured = StructuredReport::default();
    structured.birads.right = Some(ai);
    ExamRecord {
        study_uid: format!("1.{day}.{i}"),
        stored_at: Utc.from_utc_datetime(&day.and_hms_opt(8, 0, i as u32 % 60).unwrap()),
        exam_date: day,
        site: if i.is_multiple_of(2) { "site-a".into() } else { "site-b".into() },
        manufacturer: Some("PhantomCo".into()),
        device_model: Some("P1".into()),
        software_versions: Some("1.0".into()),
        patient_age: Some("055Y".into()),
        model_version: Some(model.into()),
        ai_malignancy_probability: Some(0.2),
        parser_version: Some("p1".into()),
        ai_structured: Some(Json(structured)),
        reader: Some("user:alice".into()),
        reader_birads_right: Some(reader.into()),
        reader_birads_left: Some("1".into()),
        reader_density: Some("B".into()),
        biopsy_performed: false,
        outcome: None,
    }
}

#[test]
fn eight_weeks_with_a_model_change() {
    let from = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(); // a Monday
    let to = from + Days::new(56);
    let switch = from + Days::new(35);
    let mut records = Vec::new();
    let mut day = from;
    while day < to {
        for i in 0..6 {
            let (model, ai) = if day < switch {
                ("m1", if i == 0 { BiRads::Incomplete } else { BiRads::Negative })
            } else {
                ("m2", if i < 3 { BiRads::Incomplete } else { BiRads::Negative })
            };
            records.push(record(day, i, model, ai, if i == 0 { "0" } else { "1" }));
        }
        day = day + Days::new(1);
    }
    let request = AuditRequest { from, to, by: vec![Dimension::Site], min_volume: 20, program: Program::Us, model: None };
    let report = compute_audit(&request, &records, &[]).unwrap();

    assert_eq!(report.studies, 336);
    assert_eq!(report.cells.len(), 2);
    assert!(matches!(report.cells[0].cell, Cell::Figures(_)));
    assert_eq!(report.trend.period, Period::Week);
    assert_eq!(report.trend.points.len(), 8);
    // Reader recall stays 1/6; the AI's goes from 1/6 to 3/6 after the switch.
    let last = report.trend.points.last().unwrap();
    assert_eq!((last.reader_recall.numerator, last.ai_recall.numerator, last.studies), (7, 21, 42));
    assert_eq!(report.changes.len(), 1);
    assert_eq!((report.changes[0].kind, report.changes[0].value.as_str()), (ChangeKind::ModelVersion, "m2"));
    assert_eq!(report.changes[0].at.date_naive(), switch);

    // Reference: the first two weeks; the AI's categories drift after the switch, the devices do not.
    assert_eq!(report.drift.reference_periods.len(), 2);
    let birads = &report.drift.series[0];
    assert_eq!(birads.name, "ai_birads");
    let alarms: Vec<&str> = birads.points.iter().filter(|p| p.report.as_ref().unwrap().alarm.is_some()).map(|p| p.period.as_str()).collect();
    assert_eq!(alarms, ["2026-W15", "2026-W16", "2026-W17"]);
    assert!(birads.overall.report.as_ref().unwrap().alarm.is_some());
    // The devices and the probabilities (one value throughout) do not move.
    for series in &report.drift.series[1..] {
        assert_eq!(series.alarms().count(), 0, "{}", series.name);
    }

    let html = render_audit_html(&report).unwrap();
    assert!(html.contains("model m2") && html.contains("ALARM: PSI"));
    if let Ok(dir) = std::env::var("REPORTS_DUMP") {
        std::fs::write(std::path::Path::new(&dir).join("weeks.html"), &html).unwrap();
    }
}
