//! The parser's output contract (`issue 3`, item 2).

use mammoflow_domain::{PerBreast, StructuredReport};
use serde::{Deserialize, Serialize};

/// One parsed report. Serialises to the documented JSON contract: the structured report's
/// fields (`birads`, `density`, `findings`, `recommendation`) sit at the top level next to
/// `id`, `language`, `parser_version`, `confidence` and `warnings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedReport {
    /// The caller's id, copied as given (string, number or null).
    #[serde(default)]
    pub id: serde_json::Value,
    pub language: String,
    pub parser_version: String,
    #[serde(flatten)]
    pub report: StructuredReport,
    #[serde(default)]
    pub confidence: Confidence,
    #[serde(default)]
    pub warnings: Vec<Warning>,
    /// Evidence for every extracted field; filled only when asked for (`--explain`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

impl ParsedReport {
    pub fn has_warning(&self, code: WarningCode) -> bool {
        self.warnings.iter().any(|w| w.code == code)
    }
}

/// Confidence in [0, 1] per field; null where the field is null.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Confidence {
    pub birads: PerBreast<f32>,
    pub density: PerBreast<f32>,
    pub findings: f32,
    pub recommendation: Option<f32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    EmptyReport,
    TooLong,
    Unreadable,
    UnsupportedLanguage,
    NoAssessment,
    ConflictingBirads,
    BiradsRange,
    TemplatePlaceholder,
    PickList,
    HypotheticalCategory,
    HistoricalCategory,
    AddendumOverride,
    ConflictingDensity,
    DiscordantRecommendation,
    ClockQuadrantMismatch,
    UkScoreMapped,
    PhraseOnlyAssessment,
}

/// Something a reader of the result should know; `span` is a character range of the input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub code: WarningCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<[usize; 2]>,
}

/// Why a field has its value: the source text it came from and the rule that read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// "birads.left", "density.overall", "findings[2]", "recommendation".
    pub field: String,
    pub value: String,
    /// Character range `[start, end)` of the input.
    pub span: [usize; 2],
    pub text: String,
    pub rule: String,
}
