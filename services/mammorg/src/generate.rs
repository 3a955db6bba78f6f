//! Greedy decoding, batched across studies, with or without a KV cache.

use crate::error::Result;
use crate::heads::Stage1Logits;
use crate::llama::KvCache;
use crate::model::MammoRg;
use crate::tokenizer::{PromptIds, TermTokenizer};
use candle_core::{DType, Tensor, D};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerationConfig {
    pub max_new_tokens: usize,
    /// Off only to check the cache (recomputes the whole sequence every step).
    pub use_kv_cache: bool,
}

impl Default for GenerationConfig {
    fn default() -> Self {
        GenerationConfig { max_new_tokens: 1024, use_kv_cache: true }
    }
}

/// Stage-1 probabilities of one study (mean of the graph and report head sets), per side
/// `[right, left]`: density (a–d), BI-RADS classes (see `terms::BIRADS_CLASSES`), P(finding).
#[derive(Debug, Clone, PartialEq)]
pub struct Stage1Probabilities {
    pub density: [Vec<f32>; 2],
    pub birads: [Vec<f32>; 2],
    pub findings: [Vec<f32>; 2],
}

/// One study's output.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedReport {
    pub text: String,
    /// Generated ids without the final EOS.
    pub token_ids: Vec<u32>,
    pub stage1: Stage1Probabilities,
}

/// Batch output with timings (shared by the batch).
#[derive(Debug, Clone)]
pub struct GenerationOutput {
    pub reports: Vec<GeneratedReport>,
    pub encode_time: Duration,
    pub prefill_time: Duration,
    pub decode_time: Duration,
}

impl MammoRg {
    /// Greedy ids for every study of `embeds` `[B, T, H]` (a spliced prompt). A study stops at
    /// EOS (not included) or after `max_new_tokens`; the batch stops when all have stopped.
    pub fn greedy_decode(&self, embeds: &Tensor, cfg: &GenerationConfig) -> Result<Vec<Vec<u32>>> {
        Ok(self.greedy_decode_timed(embeds, cfg)?.0)
    }

    /// [`Self::greedy_decode`] plus the time of the first step (prefill) and of the others.
    pub fn greedy_decode_timed(&self, embeds: &Tensor, cfg: &GenerationConfig) -> Result<(Vec<Vec<u32>>, Duration, Duration)> {
        let start = Instant::now();
        let mut prefill_time = None;
        let b = embeds.dim(0)?;
        let eos = self.cfg.special_tokens.eos_id;
        let mut out: Vec<Vec<u32>> = vec![Vec::new(); b];
        let mut done = vec![false; b];
        let mut cache = KvCache::new(self.cfg.llm.num_hidden_layers);
        let mut full = embeds.clone();
        let mut step_input = embeds.clone();
        for _ in 0..cfg.max_new_tokens {
            let hidden = if cfg.use_kv_cache {
                self.llm.forward_embeds(&step_input, None, Some(&mut cache))?
            } else {
                self.llm.forward_embeds(&full, None, None)?
            };
            let last = hidden.narrow(1, hidden.dim(1)? - 1, 1)?;
            let next: Vec<u32> = self.llm.logits(&last)?.squeeze(1)?.argmax(D::Minus1)?.to_vec1()?;
            prefill_time.get_or_insert_with(|| start.elapsed());
            for (i, &tok) in next.iter().enumerate() {
                if done[i] {
                    continue;
                }
                if tok == eos {
                    done[i] = true;
                } else {
                    out[i].push(tok);
                }
            }
            if done.iter().all(|d| *d) {
                break;
            }
            // Finished studies keep decoding (their tokens are ignored) so the batch stays aligned.
            let ids = Tensor::new(next.as_slice(), embeds.device())?.unsqueeze(1)?;
            step_input = self.llm.embed(&ids)?.to_dtype(embeds.dtype())?;
            if !cfg.use_kv_cache {
                full = Tensor::cat(&[&full, &step_input], 1)?;
            }
        }
        let prefill_time = prefill_time.unwrap_or_default();
        Ok((out, prefill_time, start.elapsed().saturating_sub(prefill_time)))
    }

    /// Reports for a batch of studies `[B, 4, 3, S, S]`.
    pub fn generate(
        &self,
        views: &Tensor,
        tokenizer: &TermTokenizer,
        prompt: &PromptIds,
        cfg: &GenerationConfig,
    ) -> Result<GenerationOutput> {
        let t0 = Instant::now();
        let features = self.encode(views)?;
        let (graph, report) = self.stage1(&features)?;
        let visual = self.visual_embeddings(&features)?;
        let embeds = self.prompt_embeddings(prompt, &visual)?;
        let encode_time = t0.elapsed();
        let (ids, prefill_time, decode_time) = self.greedy_decode_timed(&embeds, cfg)?;
        let stage1 = stage1_probabilities(&graph, &report)?;
        let reports = ids
            .into_iter()
            .zip(stage1)
            .map(|(token_ids, stage1)| Ok(GeneratedReport { text: tokenizer.decode(&token_ids)?, token_ids, stage1 }))
            .collect::<Result<Vec<_>>>()?;
        Ok(GenerationOutput { reports, encode_time, prefill_time, decode_time })
    }
}

/// Stage-1 probabilities of a batch: the mean of the two head sets' softmax (classes) and
/// sigmoid (finding status); pass one head set twice to read it alone.
pub fn stage1_probabilities(graph: &Stage1Logits, report: &Stage1Logits) -> Result<Vec<Stage1Probabilities>> {
    let softmax_mean = |a: &Tensor, b: &Tensor| -> Result<Vec<Vec<f32>>> {
        let pa = candle_nn::ops::softmax(&a.to_dtype(DType::F32)?, D::Minus1)?;
        let pb = candle_nn::ops::softmax(&b.to_dtype(DType::F32)?, D::Minus1)?;
        Ok(((pa + pb)? / 2.0)?.to_vec2()?)
    };
    let sigmoid_mean = |a: &Tensor, b: &Tensor| -> Result<Vec<Vec<f32>>> {
        let pa = candle_nn::ops::sigmoid(&a.to_dtype(DType::F32)?)?;
        let pb = candle_nn::ops::sigmoid(&b.to_dtype(DType::F32)?)?;
        Ok(((pa + pb)? / 2.0)?.to_vec2()?)
    };
    let rd = softmax_mean(&graph.right_density, &report.right_density)?;
    let ld = softmax_mean(&graph.left_density, &report.left_density)?;
    let rb = softmax_mean(&graph.right_birads, &report.right_birads)?;
    let lb = softmax_mean(&graph.left_birads, &report.left_birads)?;
    let rs = sigmoid_mean(&graph.right_status, &report.right_status)?;
    let ls = sigmoid_mean(&graph.left_status, &report.left_status)?;
    Ok((0..rd.len())
        .map(|i| Stage1Probabilities {
            density: [rd[i].clone(), ld[i].clone()],
            birads: [rb[i].clone(), lb[i].clone()],
            findings: [rs[i].clone(), ls[i].clone()],
        })
        .collect())
}
