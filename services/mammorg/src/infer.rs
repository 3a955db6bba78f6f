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
    let views: Vec<Tensor> = studies.iter().map(|p| preprocess_study(ckpt, p)).collect::<Result<_>>()?;
    let preprocess_time = t0.elapsed();
    Ok((generate_for_tensors(ckpt, &views, cfg)?, preprocess_time))
}

/// One study's four DICOM paths (in `VIEW_ORDER`) as the model's input `[4, 3, S, S]`. Kept
/// apart from generation so a worker can drop a study whose pixels cannot be read and still
/// run the rest of its batch.
pub fn preprocess_study<P: AsRef<Path>>(ckpt: &Checkpoint, paths: &[P; 4]) -> Result<Tensor> {
    let model = &ckpt.model;
    study_tensor_from_paths(paths, &PreprocessOptions::new(model.config().image_size), model.device())
}

/// Reports for studies already preprocessed by [`preprocess_study`], decoded as one batch.
pub fn generate_for_tensors(ckpt: &Checkpoint, studies: &[Tensor], cfg: &GenerationConfig) -> Result<GenerationOutput> {
    let views = Tensor::stack(studies, 0)?;
    let prompt = ckpt.tokenizer.encode_prompt(&vicuna_prompt())?;
    ckpt.model.generate(&views, &ckpt.tokenizer, &prompt, cfg)
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
    /// The larger of the two breasts' probability of a suspicious assessment (BI-RADS 4A, 4B,
    /// 4C or 5). A ranking score for triage, not a calibrated probability of cancer.
    pub fn suspicion(&self) -> f32 {
        let suspicious = |side: &Vec<f32>| -> f32 {
            side.iter().zip(BIRADS_CLASSES).filter(|(_, c)| c.is_suspicious()).map(|(p, _)| *p).sum()
        };
        suspicious(&self.birads[0]).max(suspicious(&self.birads[1])).clamp(0.0, 1.0)
    }

    /// True when every probability is a finite number (a NaN means the model failed).
    pub fn is_finite(&self) -> bool {
        self.density.iter().chain(&self.birads).chain(&self.findings).flatten().all(|p| p.is_finite())
    }

    /// Most probable BI-RADS category per breast `[right, left]`.
    pub fn birads(&self) -> [BiRads; 2] {
        [0, 1].map(|s| BIRADS_CLASSES[argmax(&self.birads[s]).min(BIRADS_CLASSES.len() - 1)])
    }

    /// Most probable density per breast `[right, left]`.
    pub fn density(&self) -> [Density; 2] {
        [0, 1].map(|s| DENSITY_CLASSES[argmax(&self.density[s]).min(DENSITY_CLASSES.len() - 1)])
    }
}
