//! Inference on DICOM studies: preprocessing, the Vicuna prompt, greedy decoding and the stage-1
//! probabilities, for one study or a batch.

use crate::checkpoint::Checkpoint;
use crate::error::Result;
use crate::generate::{GenerationConfig, GenerationOutput, Stage1Probabilities};
use crate::preprocess::{study_tensor_from_paths, PreprocessOptions};
use crate::terms::{BIRADS_CLASSES, DENSITY_CLASSES};
use crate::tokenizer::vicuna_prompt;
use candle_core::Tensor;
use mammoflow_domain::{BiRads, Density};
use std::path::Path;
use std::time::{Duration, Instant};

/// One study's report and the stage-1 second opinion.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyOutput {
    pub text: String,
    pub stage1: Stage1Probabilities,
}

/// Reports for a batch of studies, each four DICOM paths in `VIEW_ORDER` (RCC, RMLO, LCC,
/// LMLO), decoded together; `preprocess_time` covers reading and preparing the pixels.
pub fn generate_for_studies<P: AsRef<Path>>(
    ckpt: &Checkpoint,
    studies: &[[P; 4]],
    cfg: &GenerationConfig,
) -> Result<(GenerationOutput, Duration)> {
    let t0 = Instant::now();
    let model = &ckpt.model;
    let opts = PreprocessOptions::new(model.config().image_size);
    let views: Vec<Tensor> = studies.iter().map(|p| study_tensor_from_paths(p, &opts, model.device())).collect::<Result<_>>()?;
    let views = Tensor::stack(&views, 0)?;
    let preprocess_time = t0.elapsed();
    let prompt = ckpt.tokenizer.encode_prompt(&vicuna_prompt())?;
    Ok((model.generate(&views, &ckpt.tokenizer, &prompt, cfg)?, preprocess_time))
}

/// The report text and stage-1 probabilities of one study (four paths in `VIEW_ORDER`).
pub fn generate_for_study<P: AsRef<Path>>(ckpt: &Checkpoint, paths: &[P; 4], cfg: &GenerationConfig) -> Result<StudyOutput> {
    let (out, _) = generate_for_studies(ckpt, std::slice::from_ref(paths), cfg)?;
    let r = out.reports.into_iter().next().ok_or_else(|| crate::error::MammoRgError::Input("empty batch output".into()))?;
    Ok(StudyOutput { text: r.text, stage1: r.stage1 })
}

fn argmax(v: &[f32]) -> usize {
    v.iter().enumerate().fold((0, f32::MIN), |b, (i, &x)| if x > b.1 { (i, x) } else { b }).0
}

impl Stage1Probabilities {
    /// Most probable BI-RADS category per breast `[right, left]`.
    pub fn birads(&self) -> [BiRads; 2] {
        [0, 1].map(|s| BIRADS_CLASSES[argmax(&self.birads[s]).min(BIRADS_CLASSES.len() - 1)])
    }

    /// Most probable density per breast `[right, left]`.
    pub fn density(&self) -> [Density; 2] {
        [0, 1].map(|s| DENSITY_CLASSES[argmax(&self.density[s]).min(DENSITY_CLASSES.len() - 1)])
    }
}
