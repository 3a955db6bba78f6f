//! Unit tests of the pure parts: every rule of the shipped policies, validation, arbitration.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod arbitration;
mod rules;
mod validation;

use chrono::{DateTime, TimeZone, Utc};
use mammoflow_domain::{
    BiRads, DicomUid, Finding, FindingStatus, FindingType, PerBreast, Recommendation, Side, StructuredReport,
};
use mammoflow_events::{ModelRef, ReportParsed};

use crate::Policy;

const EU_POLICY: &str = include_str!("../../../deploy/policies/eu-double-reading.toml");

fn us() -> Policy {
    Policy::builtin().unwrap()
}

fn eu() -> Policy {
    Policy::parse(EU_POLICY).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

/// A parsed report with a structured result of the given sides and nothing else remarkable.
fn report(right: Option<BiRads>, left: Option<BiRads>) -> ReportParsed {
    ReportParsed {
        study_instance_uid: DicomUid::new("1.2.826.0.1.3680043.10.1").unwrap(),
        site: "site-a".into(),
        model: ModelRef { name: "mammorg".into(), version: "mammorg-tiny-1".into() },
        parser_version: "mammorgtool-0.1.0".into(),
        structured: Some(StructuredReport {
            birads: PerBreast { overall: None, left, right },
            ..StructuredReport::default()
        }),
        malignancy_probability: Some(0.05),
        confidence: Some(0.95),
        warnings: vec![],
        human_read_reasons: vec![],
    }
}

fn both(category: BiRads) -> ReportParsed {
    report(Some(category), Some(category))
}

fn finding(finding_type: FindingType, side: Side, status: FindingStatus) -> Finding {
    Finding {
        finding_type,
        side: Some(side),
        status,
        descriptors: vec![],
        locations: vec![],
        size_mm: None,
        span: None,
    }
}

fn with_recommendation(mut parsed: ReportParsed, discordant: bool) -> ReportParsed {
    if let Some(s) = parsed.structured.as_mut() {
        s.recommendation = Some(Recommendation { action: None, interval_months: None, discordant });
    }
    parsed
}
