use crate::{Event, ModelRef};
use mammoflow_domain::{DicomUid, StructuredReport};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `mammo.report.parsed.v1`: the AI report as structured BI-RADS data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportParsed {
    pub study_instance_uid: DicomUid,
    pub site: String,
    pub model: ModelRef,
    pub parser_version: String,
    /// None when there was no report to parse (ineligible study, model failure).
    pub structured: Option<StructuredReport>,
    #[serde(default)]
    pub malignancy_probability: Option<f32>,
    /// Lowest per-field confidence of the parse, 0–1.
    #[serde(default)]
    pub confidence: Option<f32>,
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Upstream or parse problems that send the study to a full human read.
    #[serde(default)]
    pub human_read_reasons: Vec<String>,
}

impl Event for ReportParsed {
    const TYPE: &'static str = "mammo.report.parsed";
    const VERSION: u32 = 1;

    fn key(&self) -> &str {
        self.study_instance_uid.as_str()
    }
}
