//! One batch through the model: preprocess each study on its own (so one unreadable study does
//! not sink the others), generate for the readable ones together, check the output.

use mammoflow_events::GenerationTimings;
use mammorg::{Checkpoint, GenerationConfig, Stage1Probabilities};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The four DICOM files of a study in `mammorg::VIEW_ORDER` (RCC, RMLO, LCC, LMLO).
pub type StudyPaths = [PathBuf; 4];

/// One study's report.
#[derive(Debug, Clone)]
pub struct StudyGeneration {
    pub text: String,
    pub generated_tokens: u32,
    pub stage1: Stage1Probabilities,
    pub timings: GenerationTimings,
}

/// Why a study got no report. The stage stores the reason and routes the study to a human read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StudyFailure {
    #[error("unreadable images: {0}")]
    UnreadableImages(String),
    #[error("model failure: {0}")]
    ModelFailure(String),
}

pub type StudyResult = Result<StudyGeneration, StudyFailure>;

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// Runs `studies` (with the time each waited for its batch) and returns one result per study,
/// in order.
pub fn run_batch(ckpt: &Checkpoint, cfg: &GenerationConfig, studies: &[(StudyPaths, Duration)]) -> Vec<StudyResult> {
    let started = Instant::now();
    let prepared: Vec<Result<candle_core::Tensor, StudyFailure>> = studies
        .iter()
        .map(|(paths, _)| {
            mammorg::preprocess_study(ckpt, paths).map_err(|e| StudyFailure::UnreadableImages(e.to_string()))
        })
        .collect();
    let preprocess_ms = millis(started.elapsed());
    let readable: Vec<candle_core::Tensor> = prepared.iter().filter_map(|p| p.as_ref().ok().cloned()).collect();
    let mut generated = generate(ckpt, cfg, &readable, preprocess_ms).into_iter();
    prepared
        .into_iter()
        .zip(studies)
        .map(|(prepared, (_, queued))| {
            prepared?;
            let mut result = generated.next().unwrap_or_else(|| Err(StudyFailure::ModelFailure("no output".into())));
            if let Ok(study) = &mut result {
                study.timings.queue_ms = millis(*queued);
            }
            result
        })
        .collect()
}

/// Generates for `views` as one batch. When the batch fails, each study is retried alone so the
/// failure stays with the study that caused it.
fn generate(ckpt: &Checkpoint, cfg: &GenerationConfig, views: &[candle_core::Tensor], preprocess_ms: u32) -> Vec<StudyResult> {
    if views.is_empty() {
        return Vec::new();
    }
    match mammorg::generate_for_tensors(ckpt, views, cfg) {
        Ok(out) => {
            let timings = GenerationTimings {
                queue_ms: 0,
                preprocess_ms,
                encode_ms: millis(out.encode_time),
                prefill_ms: millis(out.prefill_time),
                decode_ms: millis(out.decode_time),
                batch_size: u32::try_from(views.len()).unwrap_or(u32::MAX),
            };
            out.reports
                .into_iter()
                .map(|r| {
                    if !r.stage1.is_finite() {
                        return Err(StudyFailure::ModelFailure("the stage-1 heads returned a non-finite value".into()));
                    }
                    let generated_tokens = u32::try_from(r.token_ids.len()).unwrap_or(u32::MAX);
                    Ok(StudyGeneration { text: r.text, generated_tokens, stage1: r.stage1, timings: timings.clone() })
                })
                .collect()
        }
        Err(e) if views.len() == 1 => vec![Err(StudyFailure::ModelFailure(e.to_string()))],
        Err(e) => {
            tracing::warn!(error = %e, batch = views.len(), "batch failed; retrying its studies one by one");
            views.iter().flat_map(|v| generate(ckpt, cfg, std::slice::from_ref(v), preprocess_ms)).collect()
        }
    }
}
