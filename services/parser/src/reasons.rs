//! The one rule deciding when an AI report cannot be trusted to route a study by itself and the
//! study must go to a full human read, with the reasons in plain English.

use std::fmt;

use mammoflow_events::NotGeneratedKind;
use mammorgtool::{ParsedReport, WarningCode};

/// Why a study goes to a full human read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HumanReadReason {
    /// Short lower-snake label: the parser's warning code, `low_confidence`, or the inference
    /// stage's not-generated kind. Used as the metric label.
    pub kind: String,
    /// One clear English sentence for the study page and the worklist.
    pub message: String,
}

impl fmt::Display for HumanReadReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

/// The snake_case name the parser's output contract gives a warning code.
pub fn warning_kind(code: WarningCode) -> String {
    serde_json::to_value(code).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| format!("{code:?}"))
}

/// What a warning means for routing: `None` when the parser handled the text by its rules and
/// the result can be used; else the sentence explaining why a person must read the study, and
/// whether the parser's own message adds specifics worth showing.
///
/// The match is exhaustive on purpose: a new warning code must be classified here.
fn routing(code: WarningCode) -> Option<(&'static str, bool)> {
    use WarningCode as W;
    match code {
        W::EmptyReport => Some(("the AI report is empty", false)),
        W::TooLong => Some(("the AI report is over the size limit and was not parsed", true)),
        W::Unreadable => Some(("the AI report text looks garbled", false)),
        W::UnsupportedLanguage => Some(("the AI report is in a language the parser cannot read yet", false)),
        W::NoAssessment => Some(("no BI-RADS assessment was found in the AI report", false)),
        W::ConflictingBirads => Some(("the AI report states conflicting BI-RADS categories", true)),
        W::BiradsRange => Some(("the AI report gives a range of BI-RADS categories instead of one", true)),
        W::TemplatePlaceholder => Some(("the AI report contains an unfilled template placeholder", false)),
        W::PickList => Some(("the AI report contains an unfilled pick-list", false)),
        W::ConflictingDensity => Some(("the AI report states conflicting breast densities", true)),
        W::DiscordantRecommendation => {
            Some(("the AI report's recommendation does not fit its BI-RADS category", true))
        }
        W::AddendumOverride => Some(("an addendum in the AI report changes a value stated in its body", false)),
        W::ClockQuadrantMismatch => Some(("the AI report gives a clock position and a quadrant that disagree", true)),
        // The parser set these mentions aside or mapped them by a fixed rule; the result stands.
        W::HypotheticalCategory | W::HistoricalCategory | W::UkScoreMapped | W::PhraseOnlyAssessment => None,
    }
}

/// Lowest confidence among the BI-RADS categories the parse found (overall and per breast);
/// `None` when it found none. The category is what triage routes on, so it is what the
/// confidence threshold applies to.
pub fn assessment_confidence(parsed: &ParsedReport) -> Option<f32> {
    let b = &parsed.confidence.birads;
    [b.overall, b.left, b.right].into_iter().flatten().reduce(f32::min)
}

/// Lowest per-field confidence of the parse (the `confidence` of `report.parsed` and of the
/// stored row): BI-RADS and density slots that were filled, findings, recommendation.
pub fn lowest_confidence(parsed: &ParsedReport) -> Option<f32> {
    let c = &parsed.confidence;
    let slots = [c.birads.overall, c.birads.left, c.birads.right, c.density.overall, c.density.left, c.density.right];
    slots
        .into_iter()
        .flatten()
        .chain([Some(c.findings), c.recommendation].into_iter().flatten())
        // The store only accepts values in [0, 1]; a non-number is no confidence at all.
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(0.0, 1.0))
        .reduce(f32::min)
}

/// Every reason `parsed` must go to a full human read, one per kind in the order found; empty
/// when the parse can route the study. `min_confidence` applies to [`assessment_confidence`].
pub fn human_read_reasons(parsed: &ParsedReport, min_confidence: f32) -> Vec<HumanReadReason> {
    // (kind, sentence, distinct specifics): several warnings of one kind make one reason.
    let mut found: Vec<(String, &'static str, Vec<&str>)> = Vec::new();
    for warning in &parsed.warnings {
        let Some((sentence, with_detail)) = routing(warning.code) else { continue };
        let kind = warning_kind(warning.code);
        let index = match found.iter().position(|(k, ..)| *k == kind) {
            Some(index) => index,
            None => {
                found.push((kind, sentence, Vec::new()));
                found.len() - 1
            }
        };
        let details = &mut found[index].2;
        if with_detail && !details.contains(&warning.message.as_str()) {
            details.push(&warning.message);
        }
    }
    let mut reasons: Vec<HumanReadReason> = found
        .into_iter()
        .map(|(kind, sentence, details)| {
            let message =
                if details.is_empty() { sentence.to_string() } else { format!("{sentence} ({})", details.join("; ")) };
            HumanReadReason { kind, message }
        })
        .collect();
    if let Some(confidence) = assessment_confidence(parsed).filter(|c| *c < min_confidence) {
        reasons.push(HumanReadReason {
            kind: "low_confidence".into(),
            message: format!(
                "the BI-RADS assessment was read with confidence {confidence:.2}, below the threshold of {min_confidence:.2}"
            ),
        });
    }
    reasons
}

/// The reason a study whose report was never generated goes to a human read.
pub fn not_generated_reason(kind: NotGeneratedKind, reason: &str) -> HumanReadReason {
    let kind = match kind {
        NotGeneratedKind::IneligibleStudy => "ineligible_study",
        NotGeneratedKind::UnreadableImages => "unreadable_images",
        NotGeneratedKind::ModelFailure => "model_failure",
    };
    HumanReadReason { kind: kind.into(), message: reason.to_string() }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use mammorgtool::Warning;

    fn kinds(reasons: &[HumanReadReason]) -> Vec<&str> {
        reasons.iter().map(|r| r.kind.as_str()).collect()
    }

    #[test]
    fn clean_report_needs_no_human_read() {
        let parsed = mammorgtool::parse(
            "FINDINGS: Scattered fibroglandular densities. No mass or calcification.\nIMPRESSION: BI-RADS 1: negative.",
        );
        assert_eq!(parsed.report.birads.overall.map(|b| b.code()), Some("1"));
        assert_eq!(human_read_reasons(&parsed, 0.5), vec![]);
        assert!(assessment_confidence(&parsed).unwrap() >= 0.9);
    }

    #[test]
    fn unusable_texts_name_their_reason() {
        let cases = [
            ("", "empty_report"),
            ("   \n\t ", "empty_report"),
            ("Bilateral mammogram. The breasts were imaged in two projections.", "no_assessment"),
            ("#### 1234 5678 ;;;; ???? 0000 //// ####", "unreadable"),
            ("IMPRESSION: BI-RADS 3-4.", "birads_range"),
            ("IMPRESSION: BI-RADS [X].", "template_placeholder"),
        ];
        for (text, kind) in cases {
            let reasons = human_read_reasons(&mammorgtool::parse(text), 0.5);
            assert!(kinds(&reasons).contains(&kind), "{text:?}: {reasons:?}");
            assert!(reasons.iter().all(|r| !r.message.is_empty()));
        }
    }

    #[test]
    fn over_limit_text_is_not_parsed_and_says_so() {
        let parser = mammorgtool::Parser::with_config(mammorgtool::ParserConfig { max_report_bytes: 10 }).unwrap();
        let parsed = parser.parse("IMPRESSION: BI-RADS 4B.");
        assert_eq!(parsed.report.birads.overall, None);
        let reasons = human_read_reasons(&parsed, 0.5);
        assert_eq!(kinds(&reasons), ["too_long"]);
        // The parser's specifics (sizes) come with the sentence.
        assert!(reasons[0].message.contains("over the limit of 10"), "{}", reasons[0]);
    }

    #[test]
    fn low_assessment_confidence_goes_to_a_human_read() {
        let mut parsed = mammorgtool::parse("IMPRESSION: BI-RADS 2: benign.");
        assert!(human_read_reasons(&parsed, 0.5).is_empty());
        parsed.confidence.birads.overall = Some(0.3);
        let reasons = human_read_reasons(&parsed, 0.5);
        assert_eq!(kinds(&reasons), ["low_confidence"]);
        assert!(reasons[0].message.contains("0.30"), "{}", reasons[0]);
        // The threshold is the caller's: a lower one accepts the same parse.
        assert!(human_read_reasons(&parsed, 0.2).is_empty());
        // Findings' confidence does not route: "no findings" is not a doubtful category.
        parsed.confidence.birads.overall = Some(0.95);
        parsed.confidence.findings = 0.1;
        assert!(human_read_reasons(&parsed, 0.5).is_empty());
        assert_eq!(lowest_confidence(&parsed), Some(0.1));
    }

    #[test]
    fn repeated_warnings_give_one_reason_with_every_detail() {
        let mut parsed = mammorgtool::parse("IMPRESSION: BI-RADS 2.");
        for message in ["several values for birads.left", "several values for birads.left", "overall 2 is less severe"] {
            parsed.warnings.push(Warning { code: WarningCode::ConflictingBirads, message: message.into(), span: None });
        }
        let reasons = human_read_reasons(&parsed, 0.5);
        assert_eq!(kinds(&reasons), ["conflicting_birads"]);
        assert_eq!(
            reasons[0].to_string(),
            "conflicting_birads: the AI report states conflicting BI-RADS categories \
             (several values for birads.left; overall 2 is less severe)"
        );
    }

    #[test]
    fn informational_warnings_do_not_route() {
        let mut parsed = mammorgtool::parse("IMPRESSION: BI-RADS 2.");
        for code in [WarningCode::HistoricalCategory, WarningCode::HypotheticalCategory, WarningCode::PhraseOnlyAssessment] {
            parsed.warnings.push(Warning { code, message: "x".into(), span: None });
        }
        assert!(human_read_reasons(&parsed, 0.5).is_empty());
    }

    #[test]
    fn not_generated_reason_keeps_upstream_words() {
        let r = not_generated_reason(NotGeneratedKind::IneligibleStudy, "missing LMLO view");
        assert_eq!(r.to_string(), "ineligible_study: missing LMLO view");
        assert_eq!(not_generated_reason(NotGeneratedKind::ModelFailure, "oom").kind, "model_failure");
    }

    #[test]
    fn warning_kinds_are_the_contract_names() {
        assert_eq!(warning_kind(WarningCode::NoAssessment), "no_assessment");
        assert_eq!(warning_kind(WarningCode::TooLong), "too_long");
    }

    #[test]
    fn lowest_confidence_of_an_empty_parse_is_zero() {
        let parsed = mammorgtool::parse("");
        assert_eq!(lowest_confidence(&parsed), Some(0.0));
        assert_eq!(assessment_confidence(&parsed), None);
    }
}
