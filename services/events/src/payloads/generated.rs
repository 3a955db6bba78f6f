use crate::Event;
use mammoflow_domain::DicomUid;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `mammo.report.generated.v1`: the inference stage ran (or could not run) the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportGenerated {
    pub study_instance_uid: DicomUid,
    pub site: String,
    pub model: ModelRef,
    pub outcome: GenerationOutcome,
}

/// The model that produced (or would have produced) the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelRef {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum GenerationOutcome {
    Generated {
        text: String,
        /// Exam-level malignancy probability from the stage-1 heads, when the model has one.
        #[serde(default)]
        malignancy_probability: Option<f32>,
        generated_tokens: u32,
        latency_ms: u32,
    },
    NotGenerated { kind: NotGeneratedKind, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotGeneratedKind {
    /// Ingest found the study unfit for the model; passed through for a human read.
    IneligibleStudy,
    /// Pixels could not be decoded.
    UnreadableImages,
    /// The model failed on this study.
    ModelFailure,
}

impl ReportGenerated {
    pub const MAX_TEXT_BYTES: usize = 64 * 1024;
}

impl Event for ReportGenerated {
    const TYPE: &'static str = "mammo.report.generated";
    const VERSION: u32 = 1;

    fn key(&self) -> &str {
        self.study_instance_uid.as_str()
    }

    fn validate(&self) -> Result<(), String> {
        if let GenerationOutcome::Generated { text, malignancy_probability, .. } = &self.outcome {
            if text.len() > Self::MAX_TEXT_BYTES {
                return Err(format!("report text is {} bytes; the limit is {}", text.len(), Self::MAX_TEXT_BYTES));
            }
            if malignancy_probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
                return Err("malignancy_probability outside [0, 1]".into());
            }
        }
        Ok(())
    }
}
