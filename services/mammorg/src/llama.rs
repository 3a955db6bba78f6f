//! LLaMA decoder driven by input embeddings (HF names: `model.embed_tokens`, `model.layers.{i}.
//! {input_layernorm, self_attn.{q,k,v,o}_proj, post_attention_layernorm, mlp.{gate,up,down}_proj}`,
//! `model.norm`, `lm_head`), with LoRA on every decoder linear layer, a batched KV cache and key
//! padding masks. Positions are shared across the batch: with left padding a row's positions are
//! all shifted by the same amount, and rotary attention depends only on position differences.

use crate::config::{LlamaConfig, LoraConfig};
use crate::lora::LoraLinear;
use crate::norm::RmsNorm;
use candle_core::{DType, Device, Module, Result, Tensor, D};
use candle_nn::{Embedding, VarBuilder};

/// Additive mask value: finite so that a fully masked (padding) query row stays NaN-free.
const MASKED: f64 = -1e9;

#[derive(Debug, Clone)]
struct Rotary {
    cos: Tensor,
    sin: Tensor,
}

impl Rotary {
    fn new(cfg: &LlamaConfig, dtype: DType, device: &Device) -> Result<Self> {
        let half = cfg.head_dim() / 2;
        let inv_freq: Vec<f32> =
            (0..half).map(|i| 1.0 / cfg.rope_theta.powf(2.0 * i as f64 / cfg.head_dim() as f64) as f32).collect();
        let inv_freq = Tensor::from_vec(inv_freq, (1, half), device)?;
        let positions = Tensor::arange(0u32, cfg.max_position_embeddings as u32, device)?
            .to_dtype(DType::F32)?
            .reshape((cfg.max_position_embeddings, 1))?;
        let freqs = positions.matmul(&inv_freq)?;
        // HF layout: the half-frequencies repeated over both halves of the head dimension.
        let freqs = Tensor::cat(&[&freqs, &freqs], 1)?;
        Ok(Rotary { cos: freqs.cos()?.to_dtype(dtype)?, sin: freqs.sin()?.to_dtype(dtype)? })
    }

    /// `x` `[B, heads, T, hd]` at positions `start..start+T`; HF `rotate_half` convention.
    fn apply(&self, x: &Tensor, start: usize) -> Result<Tensor> {
        let (_, _, t, hd) = x.dims4()?;
        let cos = self.cos.narrow(0, start, t)?.reshape((1, 1, t, hd))?;
        let sin = self.sin.narrow(0, start, t)?.reshape((1, 1, t, hd))?;
        let x1 = x.narrow(D::Minus1, 0, hd / 2)?;
        let x2 = x.narrow(D::Minus1, hd / 2, hd / 2)?;
        let rotated = Tensor::cat(&[&x2.neg()?, &x1], D::Minus1)?;
        x.broadcast_mul(&cos)? + rotated.broadcast_mul(&sin)?
    }
}

/// Per-layer keys and values `[B, kv_heads, S, hd]` plus the key mask `[B, S]` (1 = real token).
#[derive(Debug, Clone, Default)]
pub struct KvCache {
    layers: Vec<Option<(Tensor, Tensor)>>,
    key_mask: Option<Tensor>,
}

impl KvCache {
    pub fn new(num_layers: usize) -> Self {
        KvCache { layers: vec![None; num_layers], key_mask: None }
    }

    /// Number of cached positions.
    pub fn len(&self) -> usize {
        self.key_mask.as_ref().and_then(|m| m.dim(1).ok()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Clone)]
struct Attention {
    q_proj: LoraLinear,
    k_proj: LoraLinear,
    v_proj: LoraLinear,
    o_proj: LoraLinear,
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
}

impl Attention {
    fn forward(&self, x: &Tensor, rope: &Rotary, start: usize, bias: &Tensor, cache: Option<&mut Option<(Tensor, Tensor)>>) -> Result<Tensor> {
        let (b, t, _) = x.dims3()?;
        let split = |y: Tensor, heads: usize| y.reshape((b, t, heads, self.head_dim))?.transpose(1, 2)?.contiguous();
        let q = rope.apply(&split(self.q_proj.forward(x)?, self.heads)?, start)?;
        let mut k = rope.apply(&split(self.k_proj.forward(x)?, self.kv_heads)?, start)?;
        let mut v = split(self.v_proj.forward(x)?, self.kv_heads)?;
        if let Some(slot) = cache {
            if let Some((pk, pv)) = slot.as_ref() {
                k = Tensor::cat(&[pk, &k], 2)?;
                v = Tensor::cat(&[pv, &v], 2)?;
            }
            *slot = Some((k.clone(), v.clone()));
        }
        let (k, v) = (self.repeat_kv(k)?, self.repeat_kv(v)?);
        let scores = (q.matmul(&k.t()?)? / (self.head_dim as f64).sqrt())?;
        let scores = scores.to_dtype(DType::F32)?.broadcast_add(bias)?;
        let attn = candle_nn::ops::softmax(&scores, D::Minus1)?.to_dtype(v.dtype())?;
        let out = attn.matmul(&v)?.transpose(1, 2)?.reshape((b, t, self.heads * self.head_dim))?;
        self.o_proj.forward(&out)
    }

    fn repeat_kv(&self, x: Tensor) -> Result<Tensor> {
        let n_rep = self.heads / self.kv_heads;
        if n_rep == 1 {
            return Ok(x);
        }
        let (b, kv, s, hd) = x.dims4()?;
        x.unsqueeze(2)?.expand((b, kv, n_rep, s, hd))?.reshape((b, kv * n_rep, s, hd))
    }
}

#[derive(Debug, Clone)]
struct Mlp {
    gate_proj: LoraLinear,
    up_proj: LoraLinear,
    down_proj: LoraLinear,
}

#[derive(Debug, Clone)]
struct Block {
    input_layernorm: RmsNorm,
    attn: Attention,
    post_attention_layernorm: RmsNorm,
    mlp: Mlp,
}

#[derive(Debug, Clone)]
pub struct Llama {
    embed_tokens: Embedding,
    blocks: Vec<Block>,
    norm: RmsNorm,
    lm_head: candle_nn::Linear,
    rope: Rotary,
    cfg: LlamaConfig,
}

impl Llama {
    /// `vb` is the checkpoint root (the decoder lives under `model.` and `lm_head`).
    pub fn new(cfg: &LlamaConfig, lora: Option<LoraConfig>, vb: VarBuilder) -> Result<Self> {
        let m = vb.pp("model");
        let (h, hd) = (cfg.hidden_size, cfg.head_dim());
        let embed = m.pp("embed_tokens").get_with_hints((cfg.vocab_size, h), "weight", candle_nn::Init::Randn { mean: 0., stdev: 0.02 })?;
        let mut blocks = Vec::with_capacity(cfg.num_hidden_layers);
        for i in 0..cfg.num_hidden_layers {
            let l = m.pp(format!("layers.{i}"));
            let a = l.pp("self_attn");
            let f = l.pp("mlp");
            blocks.push(Block {
                input_layernorm: RmsNorm::new(h, cfg.rms_norm_eps, l.pp("input_layernorm"))?,
                attn: Attention {
                    q_proj: LoraLinear::new(h, cfg.num_attention_heads * hd, lora, a.pp("q_proj"))?,
                    k_proj: LoraLinear::new(h, cfg.num_key_value_heads * hd, lora, a.pp("k_proj"))?,
                    v_proj: LoraLinear::new(h, cfg.num_key_value_heads * hd, lora, a.pp("v_proj"))?,
                    o_proj: LoraLinear::new(cfg.num_attention_heads * hd, h, lora, a.pp("o_proj"))?,
                    heads: cfg.num_attention_heads,
                    kv_heads: cfg.num_key_value_heads,
                    head_dim: hd,
                },
                post_attention_layernorm: RmsNorm::new(h, cfg.rms_norm_eps, l.pp("post_attention_layernorm"))?,
                mlp: Mlp {
                    gate_proj: LoraLinear::new(h, cfg.intermediate_size, lora, f.pp("gate_proj"))?,
                    up_proj: LoraLinear::new(h, cfg.intermediate_size, lora, f.pp("up_proj"))?,
                    down_proj: LoraLinear::new(cfg.intermediate_size, h, lora, f.pp("down_proj"))?,
                },
            });
        }
        Ok(Llama {
            embed_tokens: Embedding::new(embed, h),
            blocks,
            norm: RmsNorm::new(h, cfg.rms_norm_eps, m.pp("norm"))?,
            lm_head: candle_nn::linear_no_bias(h, cfg.vocab_size, vb.pp("lm_head"))?,
            rope: Rotary::new(cfg, vb.dtype(), vb.device())?,
            cfg: cfg.clone(),
        })
    }

    pub fn config(&self) -> &LlamaConfig {
        &self.cfg
    }

    /// Token ids `[B, T]` to input embeddings `[B, T, H]`.
    pub fn embed(&self, ids: &Tensor) -> Result<Tensor> {
        self.embed_tokens.forward(ids)
    }

    /// Every LoRA-capable linear layer, for merging.
    pub(crate) fn linears_mut(&mut self) -> impl Iterator<Item = &mut LoraLinear> {
        self.blocks.iter_mut().flat_map(|b| {
            [
                &mut b.attn.q_proj,
                &mut b.attn.k_proj,
                &mut b.attn.v_proj,
                &mut b.attn.o_proj,
                &mut b.mlp.gate_proj,
                &mut b.mlp.up_proj,
                &mut b.mlp.down_proj,
            ]
        })
    }

    /// Runs the decoder on embeddings `[B, T, H]` and returns final-normed hidden states.
    /// `key_mask` `[B, T]` (1 = real, 0 = padding) masks padded keys; with a cache the new
    /// positions follow the cached ones.
    pub fn forward_embeds(&self, embeds: &Tensor, key_mask: Option<&Tensor>, cache: Option<&mut KvCache>) -> Result<Tensor> {
        let (b, t, _) = embeds.dims3()?;
        let device = embeds.device();
        let new_mask = match key_mask {
            Some(m) => m.to_dtype(DType::F32)?,
            None => Tensor::ones((b, t), DType::F32, device)?,
        };
        let mut cache = cache;
        let start = cache.as_ref().map(|c| c.len()).unwrap_or(0);
        let full_mask = match cache.as_ref().and_then(|c| c.key_mask.as_ref()) {
            Some(prev) => Tensor::cat(&[prev, &new_mask], 1)?,
            None => new_mask,
        };
        if start + t > self.cfg.max_position_embeddings {
            candle_core::bail!("sequence of {} exceeds {} positions", start + t, self.cfg.max_position_embeddings)
        }
        let bias = attention_bias(&full_mask, start, t)?;
        let mut h = embeds.clone();
        for (i, block) in self.blocks.iter().enumerate() {
            let slot = cache.as_deref_mut().map(|c| &mut c.layers[i]);
            let attn = block.attn.forward(&block.input_layernorm.forward(&h)?, &self.rope, start, &bias, slot)?;
            h = (h + attn)?;
            let x = block.post_attention_layernorm.forward(&h)?;
            let mlp = block.mlp.down_proj.forward(&(block.mlp.gate_proj.forward(&x)?.silu()? * block.mlp.up_proj.forward(&x)?)?)?;
            h = (h + mlp)?;
        }
        if let Some(c) = cache {
            c.key_mask = Some(full_mask);
        }
        self.norm.forward(&h)
    }

    /// Vocabulary logits `[.., V]` (f32) of hidden states.
    pub fn logits(&self, hidden: &Tensor) -> Result<Tensor> {
        self.lm_head.forward(hidden)?.to_dtype(DType::F32)
    }
}

/// `[B, 1, T, S]` additive bias: query i (absolute position start + i) sees key j when
/// j <= start + i and key j is not padding.
fn attention_bias(key_mask: &Tensor, start: usize, t: usize) -> Result<Tensor> {
    let (b, s) = key_mask.dims2()?;
    let causal: Vec<f32> = (0..t)
        .flat_map(|i| (0..s).map(move |j| if j <= start + i { 0.0 } else { MASKED as f32 }))
        .collect();
    let causal = Tensor::from_vec(causal, (1, 1, t, s), key_mask.device())?;
    let padding = ((key_mask.ones_like()? - key_mask)? * MASKED)?.reshape((b, 1, 1, s))?;
    causal.broadcast_add(&padding)
}
