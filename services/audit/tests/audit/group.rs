//! Grouping by standard dimensions, period keys, age bands and the minimum-volume rule.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use mammoflow_audit::*;

use crate::close;
use crate::program::data_set;

struct Record {
    strata: Strata,
    exam: ScreeningExam,
}

/// The 20-exam data set: #1–#12 at site A in March 2025, #13–#20 at site B in April 2025.
fn records() -> Vec<Record> {
    data_set()
        .into_iter()
        .enumerate()
        .map(|(i, exam)| {
            let (site, month) = if i < 12 { ("A", 3) } else { ("B", 4) };
            let at = Utc.with_ymd_and_hms(2025, month, 1 + i as u32, 9, 0, 0).single();
            let strata = Strata { at, site: Some(site.into()), age: Some(48 + i as u32), ..Strata::default() };
            Record { strata, exam }
        })
        .collect()
}

#[test]
fn program_metrics_per_site_with_a_minimum_volume() {
    let recs = records();
    let def = PositiveScreenDefinition::acr_mqsa();
    let cells = compute_by(&recs, |r| key_of(&[Dimension::Site], &r.strata), MinVolume(10), |rs| {
        program_metrics(rs.iter().map(|r| &r.exam), &def, &BenchmarkSet::none())
    });
    assert_eq!(cells.len(), 2);
    // Site A (#1–#12, all read by the reader): 6 positives of 12, TP #1 #2.
    let a = cells[&vec!["A".to_string()]].figures().unwrap();
    close(a.reader.recall_rate.value, 6.0 / 12.0);
    close(a.reader.ppv1.value, 2.0 / 6.0);
    // Site B has 8 exams, below 10.
    assert_eq!(cells[&vec!["B".to_string()]], Cell::TooFew { n: 8, min: 10 });
}

#[test]
fn month_cells_come_out_in_time_order_and_site_b_is_all_negative() {
    let recs = records();
    let def = PositiveScreenDefinition::acr_mqsa();
    let by_month = Dimension::Period(Period::Month);
    let cells = compute_by(&recs, |r| by_month.key(&r.strata), MinVolume(0), |rs| {
        program_metrics(rs.iter().map(|r| &r.exam), &def, &BenchmarkSet::none())
    });
    let keys: Vec<&String> = cells.keys().collect();
    assert_eq!(keys, ["2025-03", "2025-04"]);
    // April: #13–#20, no reader positive → PPV undefined, not NaN.
    let april = cells["2025-04"].figures().unwrap();
    assert_eq!(april.reader.ppv1.undefined, Some(Undefined::NoPositiveScreens));
    close(april.reader.recall_rate.value, 0.0);
}

#[test]
fn empty_cell_computes_without_panic() {
    let recs: Vec<Record> = Vec::new();
    let groups: BTreeMap<&str, Vec<&Record>> = [("empty", Vec::new())].into();
    let def = PositiveScreenDefinition::acr_mqsa();
    let cells = per_cell(groups, MinVolume(0), |rs| program_metrics(rs.iter().map(|r| &r.exam), &def, &BenchmarkSet::none()));
    assert_eq!(cells["empty"].figures().unwrap().ai.sensitivity.undefined, Some(Undefined::NoExams));
    assert!(group_by(&recs, |r| r.strata.site.clone()).is_empty());
    let gated = per_cell([("empty", Vec::<&Record>::new())].into(), MinVolume(1), |rs| rs.len());
    assert_eq!(gated["empty"], Cell::TooFew { n: 0, min: 1 });
}

#[test]
fn agreement_per_cell_uses_the_generic_grouping() {
    let recs = records();
    let def = PositiveScreenDefinition::acr_mqsa();
    let cells = compute_by(&recs, |r| r.strata.site.clone(), MinVolume(5), |rs| {
        let pairs: Vec<_> = rs.iter().filter_map(|r| Some((r.exam.reader?, r.exam.ai?))).collect();
        agreement(&pairs, &def, &AgreementOptions::default())
    });
    // Site B pairs (#13–#20 minus #16, #17): (1,2) (2,1) (1,1) (1,1) (2,2) (1,1): p_o = 4/6.
    let b = cells[&Some("B".to_string())].figures().unwrap();
    assert_eq!(b.n, 6);
    close(b.observed_agreement, 4.0 / 6.0);
}

#[test]
fn period_keys_and_age_bands() {
    let at = Utc.with_ymd_and_hms(2025, 3, 14, 23, 59, 0).single().unwrap();
    assert_eq!(Period::Day.key(at), "2025-03-14");
    assert_eq!(Period::Week.key(at), "2025-W11");
    assert_eq!(Period::Month.key(at), "2025-03");
    // 30 December 2024 is in ISO week 1 of 2025.
    let new_year = Utc.with_ymd_and_hms(2024, 12, 30, 0, 0, 0).single().unwrap();
    assert_eq!(Period::Week.key(new_year), "2025-W01");
    let edges = mammoflow_audit::strata::AGE_BAND_EDGES;
    let bands: Vec<String> = [39, 40, 44, 50, 74, 75, 90].iter().map(|&a| age_band(a, &edges)).collect();
    assert_eq!(bands, ["<40", "40-44", "40-44", "50-54", "70-74", "75+", "75+"]);
    assert_eq!(age_band(30, &[]), "all");
}

#[test]
fn dimensions_parse_and_key_missing_values_as_unknown() {
    let dims: Vec<Dimension> = ["site", "model-version", "week", "age_band"].iter().map(|s| s.parse().unwrap()).collect();
    assert_eq!(dims[1], Dimension::ModelVersion);
    let s = Strata { site: Some("north".into()), age: Some(52), ..Strata::default() };
    assert_eq!(key_of(&dims, &s), ["north", "unknown", "unknown", "50-54"]);
    assert!("colour".parse::<Dimension>().is_err());
    for d in Dimension::ALL {
        assert_eq!(d.name().parse::<Dimension>().unwrap(), d);
    }
}
