//! Bias-free linear layer with an optional LoRA adapter (PEFT layout: `lora_A.weight` `[r, in]`,
//! `lora_B.weight` `[out, r]`, output `W x + (alpha / r) B A x`). Merging folds the adapter into
//! `weight` for inference.

use crate::config::LoraConfig;
use candle_core::{Module, Result, Tensor};
use candle_nn::VarBuilder;

#[derive(Debug, Clone)]
struct Adapter {
    a: Tensor,
    b: Tensor,
    scale: f64,
}

#[derive(Debug, Clone)]
pub struct LoraLinear {
    weight: Tensor,
    adapter: Option<Adapter>,
    /// Checkpoint prefix of this layer (e.g. `model.layers.0.self_attn.q_proj`), so the owner can
    /// update its variables when merging.
    prefix: String,
}

impl LoraLinear {
    pub fn new(c_in: usize, c_out: usize, lora: Option<LoraConfig>, vb: VarBuilder) -> Result<Self> {
        let weight = vb.get_with_hints((c_out, c_in), "weight", candle_nn::init::DEFAULT_KAIMING_NORMAL)?;
        let adapter = match lora {
            Some(l) => Some(Adapter {
                // PEFT: A Kaiming-uniform, B zero, so an untrained adapter is the identity.
                a: vb.get_with_hints((l.r, c_in), "lora_A.weight", candle_nn::init::DEFAULT_KAIMING_UNIFORM)?,
                b: vb.get_with_hints((c_out, l.r), "lora_B.weight", candle_nn::init::ZERO)?,
                scale: l.alpha / l.r as f64,
            }),
            None => None,
        };
        Ok(LoraLinear { weight, adapter, prefix: vb.prefix() })
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    pub fn has_adapter(&self) -> bool {
        self.adapter.is_some()
    }

    /// `W + scale * B A`, the weight with the adapter folded in (the plain weight without one).
    pub fn merged_weight(&self) -> Result<Tensor> {
        match &self.adapter {
            Some(ad) => {
                let delta = (ad.b.matmul(&ad.a)? * ad.scale)?.to_dtype(self.weight.dtype())?;
                self.weight.add(&delta)
            }
            None => Ok(self.weight.clone()),
        }
    }

    /// Drops the adapter after its owner has written [`Self::merged_weight`] into `weight`.
    pub(crate) fn drop_adapter(&mut self) {
        self.adapter = None;
    }
}

impl Module for LoraLinear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let out = x.broadcast_matmul(&self.weight.t()?)?;
        match &self.adapter {
            Some(ad) => {
                let low = x.broadcast_matmul(&ad.a.t()?)?.broadcast_matmul(&ad.b.t()?)?;
                out + (low * ad.scale)?
            }
            None => Ok(out),
        }
    }
}
