//! What triage knows about one parsed AI report, computed once and shared by every rule.

use std::collections::BTreeSet;

use mammoflow_domain::{BiRads, FindingStatus, FindingType, Laterality, PerBreast};
use mammoflow_events::ReportParsed;

use crate::policy::Thresholds;

#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// No structured report: ineligible study, model failure or parse failure.
    pub no_report: bool,
    /// Upstream stages listed reasons for a full human read.
    pub human_read_required: bool,
    /// Stated overall category, else the more severe side.
    pub exam_birads: Option<BiRads>,
    pub right_birads: Option<BiRads>,
    pub left_birads: Option<BiRads>,
    pub positive_findings: BTreeSet<FindingType>,
    /// A usable (finite) probability in 0–1.
    pub malignancy_probability: Option<f64>,
    pub confidence: Option<f64>,
    pub high_malignancy_probability: bool,
    pub low_confidence: bool,
    /// The report contradicts itself.
    pub discordant: bool,
    /// A report without any BI-RADS category.
    pub no_category: bool,
    pub human_read_reasons: Vec<String>,
}

/// A finite value clamped to 0–1; NaN or infinity (a broken model head) is no value at all.
fn unit_interval(value: Option<f32>) -> Option<f64> {
    value.map(f64::from).filter(|v| v.is_finite()).map(|v| v.clamp(0.0, 1.0))
}

/// A stated overall category that is not what the two sides combine to is a contradiction
/// (e.g. "overall BI-RADS 1" next to "left breast BI-RADS 4").
fn overall_contradicts_sides(birads: &PerBreast<BiRads>) -> bool {
    let sides = PerBreast { overall: None, ..*birads }.exam_category();
    matches!((birads.overall, sides), (Some(overall), Some(sides)) if overall != sides)
}

impl Facts {
    pub fn of(parsed: &ReportParsed, thresholds: &Thresholds) -> Facts {
        let report = parsed.structured.as_ref();
        let birads = report.map(|r| r.birads).unwrap_or_default();
        let malignancy_probability = unit_interval(parsed.malignancy_probability);
        let confidence = unit_interval(parsed.confidence);
        let recommendation_discordant = report.and_then(|r| r.recommendation).is_some_and(|r| r.discordant);
        Facts {
            no_report: report.is_none(),
            human_read_required: !parsed.human_read_reasons.is_empty(),
            exam_birads: birads.exam_category(),
            right_birads: birads.for_side(Laterality::Right),
            left_birads: birads.for_side(Laterality::Left),
            positive_findings: report
                .map(|r| {
                    r.findings.iter().filter(|f| f.status == FindingStatus::Positive).map(|f| f.finding_type).collect()
                })
                .unwrap_or_default(),
            malignancy_probability,
            confidence,
            high_malignancy_probability: malignancy_probability
                .is_some_and(|p| p >= thresholds.high_malignancy_probability),
            low_confidence: confidence.is_some_and(|c| c < thresholds.low_confidence),
            discordant: recommendation_discordant || overall_contradicts_sides(&birads),
            no_category: report.is_some() && birads.exam_category().is_none(),
            human_read_reasons: parsed.human_read_reasons.clone(),
        }
    }

    /// Flags every decision carries, whichever rule fired, so a reader always sees the problems.
    pub fn flags(&self) -> Vec<&'static str> {
        [
            (self.no_report, "no-ai-report"),
            (self.human_read_required, "human-read-required"),
            (self.high_malignancy_probability, "high-malignancy-probability"),
            (self.low_confidence, "low-confidence"),
            (self.discordant, "discordant"),
            (self.no_category, "no-category"),
        ]
        .into_iter()
        .filter_map(|(set, flag)| set.then_some(flag))
        .collect()
    }

    /// One line for the item's reason: the AI assessment and the numbers the rules looked at.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.no_report {
            parts.push("no AI report".to_string());
        } else {
            let code = |b: Option<BiRads>| b.map_or("none".to_string(), |b| b.code().to_string());
            parts.push(format!(
                "AI BI-RADS {} (right {}, left {})",
                code(self.exam_birads),
                code(self.right_birads),
                code(self.left_birads)
            ));
        }
        if let Some(p) = self.malignancy_probability {
            parts.push(format!("malignancy probability {p:.2}"));
        }
        if let Some(c) = self.confidence {
            parts.push(format!("parse confidence {c:.2}"));
        }
        if self.human_read_required {
            parts.push(format!("human read: {}", self.human_read_reasons.join("; ")));
        }
        parts.join("; ")
    }
}
