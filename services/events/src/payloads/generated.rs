use crate::Event;
use mammoflow_domain::DicomUid;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
        /// The stage-1 heads' probabilities (a second opinion next to the text).
        #[serde(default)]
        stage1: Option<Stage1Probabilities>,
        /// Where the time went; `latency_ms` is their total.
        #[serde(default)]
        timings: Option<GenerationTimings>,
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

/// Stage-1 class probabilities per breast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stage1Probabilities {
    pub right: SideProbabilities,
    pub left: SideProbabilities,
}

/// One breast's probabilities, keyed by code: density `a`–`d`, BI-RADS codes (`0`, `1`, …,
/// `4A`, …), finding types (`mass`, `calcification`, …) for P(present).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SideProbabilities {
    pub density: BTreeMap<String, f32>,
    pub birads: BTreeMap<String, f32>,
    pub findings: BTreeMap<String, f32>,
}

/// Milliseconds per phase of one study's generation. Batch phases are shared by every study of
/// the batch, so each study reports the whole batch's time for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerationTimings {
    /// Waiting for a batch slot.
    pub queue_ms: u32,
    pub preprocess_ms: u32,
    pub encode_ms: u32,
    pub prefill_ms: u32,
    pub decode_ms: u32,
    pub batch_size: u32,
}

impl GenerationTimings {
    /// Time spent on the model (everything but the queue).
    pub fn model_ms(&self) -> u32 {
        self.preprocess_ms.saturating_add(self.encode_ms).saturating_add(self.prefill_ms).saturating_add(self.decode_ms)
    }
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
        if let GenerationOutcome::Generated { text, malignancy_probability, stage1, .. } = &self.outcome {
            if text.len() > Self::MAX_TEXT_BYTES {
                return Err(format!("report text is {} bytes; the limit is {}", text.len(), Self::MAX_TEXT_BYTES));
            }
            if malignancy_probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
                return Err("malignancy_probability outside [0, 1]".into());
            }
            let sides = stage1.iter().flat_map(|s| [&s.right, &s.left]);
            let values = sides.flat_map(|s| s.density.values().chain(s.birads.values()).chain(s.findings.values()));
            if values.into_iter().any(|p| !(0.0..=1.0).contains(p)) {
                return Err("a stage-1 probability is outside [0, 1] (or not a number)".into());
            }
        }
        Ok(())
    }
}
