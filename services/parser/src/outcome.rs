//! The pure part of the parser stage: from a report.generated payload to what gets stored and
//! emitted. No IO.

use mammoflow_domain::StructuredReport;
use mammoflow_events::{NotGeneratedKind, ReportGenerated, ReportParsed};
use mammorgtool::{ParsedReport, Parser, PARSER_VERSION};

use crate::reasons::{human_read_reasons, lowest_confidence, not_generated_reason, warning_kind, HumanReadReason};

/// Everything the stage decided about one generated report.
#[derive(Debug, Clone)]
pub struct ParseOutcome {
    pub parsed: ParsedReport,
    /// Lowest per-field confidence, as stored and emitted.
    pub confidence: Option<f32>,
    /// Empty when the parse may route the study by itself.
    pub reasons: Vec<HumanReadReason>,
}

impl ParseOutcome {
    pub fn needs_human_read(&self) -> bool {
        !self.reasons.is_empty()
    }

    /// The parser's warnings as the stored JSON array (code, message, span).
    pub fn warnings_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::to_value(&self.parsed.warnings)
    }

    /// The `report.parsed` payload for this parse of `generated`'s text.
    pub fn event(&self, generated: &ReportGenerated, malignancy_probability: Option<f32>) -> ReportParsed {
        let warnings = self
            .parsed
            .warnings
            .iter()
            .map(|w| format!("{}: {}", warning_kind(w.code), w.message))
            .collect();
        ReportParsed {
            confidence: self.confidence,
            warnings,
            malignancy_probability,
            ..parsed_event(generated, Some(self.parsed.report.clone()), &self.reasons)
        }
    }
}

/// Parses one generated report. `parser`'s own size limit applies: a longer text is not parsed
/// and comes back with a `too_long` warning (and so a human-read reason), never dropped.
pub fn parse_generated(parser: &Parser, text: &str, min_confidence: f32) -> ParseOutcome {
    let parsed = parser.parse(text);
    let confidence = lowest_confidence(&parsed);
    let reasons = human_read_reasons(&parsed, min_confidence);
    ParseOutcome { parsed, confidence, reasons }
}

/// The `report.parsed` payload for a study whose report was never generated: nothing to parse,
/// so the upstream reason sends it to a human read.
pub fn not_generated_event(
    generated: &ReportGenerated,
    kind: NotGeneratedKind,
    reason: &str,
) -> (ReportParsed, HumanReadReason) {
    let reason = not_generated_reason(kind, reason);
    (parsed_event(generated, None, std::slice::from_ref(&reason)), reason)
}

fn parsed_event(
    generated: &ReportGenerated,
    structured: Option<StructuredReport>,
    reasons: &[HumanReadReason],
) -> ReportParsed {
    ReportParsed {
        study_instance_uid: generated.study_instance_uid.clone(),
        site: generated.site.clone(),
        model: generated.model.clone(),
        parser_version: PARSER_VERSION.to_string(),
        structured,
        malignancy_probability: None,
        confidence: None,
        warnings: Vec::new(),
        human_read_reasons: reasons.iter().map(ToString::to_string).collect(),
    }
}
