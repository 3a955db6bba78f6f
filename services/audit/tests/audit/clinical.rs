//! The clinical-efficacy adapter delegates to mammorgtool per cell.

use mammoflow_audit::*;
use mammorgtool::metrics::{evaluate_with, EvalItem, EvalOptions};
use mammorgtool::schema::MammoRgReport;

fn item(left: &str, right: &str) -> EvalItem {
    let mut r = MammoRgReport::default();
    r.breast_assessment.left.birads = left.into();
    r.breast_assessment.right.birads = right.into();
    EvalItem { structured: r, ..Default::default() }
}

struct Rec {
    site: &'static str,
    pred: EvalItem,
    reference: EvalItem,
}

#[test]
fn birads_f1_per_site_equals_mammorgtool_on_the_cell() {
    let recs = vec![
        // mammorgtool's own hand example: pairs (2, other), (2, 2) → BI-RADS F1 1/3.
        Rec { site: "A", pred: item("BI-RADS 4", "BI-RADS 2"), reference: item("BI-RADS 2", "BI-RADS 2") },
        Rec { site: "B", pred: item("BI-RADS 1", "BI-RADS 1"), reference: item("BI-RADS 1", "BI-RADS 1") },
        Rec { site: "B", pred: item("BI-RADS 2", "BI-RADS 2"), reference: item("BI-RADS 2", "BI-RADS 2") },
        Rec { site: "C", pred: item("BI-RADS 1", "BI-RADS 1"), reference: item("BI-RADS 2", "BI-RADS 2") },
    ];
    let opts = EvalOptions { ce_resamples: 50, ..EvalOptions::default() };
    let cells = clinical_efficacy_by(&recs, |r| r.site, |r| (&r.pred, &r.reference), MinVolume(1), &opts).unwrap();
    let a = cells["A"].figures().unwrap();
    assert!(a.birads_f1.value.is_some_and(|v| (v - 1.0 / 3.0).abs() < 1e-9), "{:?}", a.birads_f1);
    let b = cells["B"].figures().unwrap();
    assert!(b.birads_f1.value.is_some_and(|v| (v - 1.0).abs() < 1e-9), "{:?}", b.birads_f1);
    let direct = evaluate_with(&[recs[1].pred.clone(), recs[2].pred.clone()], &[recs[1].reference.clone(), recs[2].reference.clone()], &opts).unwrap();
    assert_eq!(b, &direct);
    let gated = clinical_efficacy_by(&recs, |r| r.site, |r| (&r.pred, &r.reference), MinVolume(2), &opts).unwrap();
    assert_eq!(gated["A"], Cell::TooFew { n: 1, min: 2 });
    assert!(gated["B"].figures().is_some());
}
