//! EfficientNet encoder in the lukemelas "EfficientNet-PyTorch" layout (tensor names
//! `_conv_stem`, `_bn0`, `_blocks.{i}.{_expand_conv,_bn0,_depthwise_conv,_bn1,_se_reduce,
//! _se_expand,_project_conv,_bn2}`, `_conv_head`, `_bn1`), with its *static* "same" padding:
//! paddings are computed once for `padding_reference_size` and applied to any input size, which
//! is what the official B5 (computed for 456, fed 512) does. No pooling or classifier: the
//! output is the head map flattened to tokens (row-major, token = row * width + col).
//!
//! Batch norms use their running statistics, except when the encoder itself trains (`tiny` from
//! scratch): then they normalise with the batch's statistics and update the running ones, as
//! PyTorch's train mode does. Without that, a from-scratch encoder is ten unnormalised blocks
//! deep and barely learns on a CPU budget.

use crate::config::EfficientNetConfig;
use candle_core::ModuleT;
use candle_core::{Module, Result, Tensor};
use candle_nn::{BatchNorm, Conv2d, Conv2dConfig, VarBuilder};

/// TF-style "same" padding `(before, after)` for one spatial dimension of size `size`.
fn same_padding(size: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let out = size.div_ceil(stride);
    let total = ((out - 1) * stride + kernel).saturating_sub(size);
    (total / 2, total - total / 2)
}

/// A k x k convolution with static same padding (square inputs, so one pair serves both axes).
#[derive(Debug, Clone)]
struct StaticSameConv {
    conv: Conv2d,
    pad: (usize, usize),
}

impl StaticSameConv {
    fn new(c_in: usize, c_out: usize, kernel: usize, stride: usize, ref_size: usize, vb: VarBuilder) -> Result<Self> {
        let cfg = Conv2dConfig { stride, ..Default::default() };
        let conv = candle_nn::conv2d_no_bias(c_in, c_out, kernel, cfg, vb)?;
        Ok(StaticSameConv { conv, pad: same_padding(ref_size, kernel, stride) })
    }
}

impl Module for StaticSameConv {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (a, b) = self.pad;
        self.conv.forward(&x.pad_with_zeros(2, a, b)?.pad_with_zeros(3, a, b)?)
    }
}

/// Depthwise k x k convolution with static same padding, written as k^2 shifted multiply-adds:
/// candle runs a grouped convolution as one convolution per channel, which is thousands of
/// kernel launches per layer at B5 widths on a GPU.
#[derive(Debug, Clone)]
struct DepthwiseConv {
    weight: Tensor,
    kernel: usize,
    stride: usize,
    pad: (usize, usize),
}

impl DepthwiseConv {
    fn new(channels: usize, kernel: usize, stride: usize, ref_size: usize, vb: VarBuilder) -> Result<Self> {
        let weight = vb.get_with_hints((channels, 1, kernel, kernel), "weight", candle_nn::init::DEFAULT_KAIMING_NORMAL)?;
        Ok(DepthwiseConv { weight, kernel, stride, pad: same_padding(ref_size, kernel, stride) })
    }
}

impl Module for DepthwiseConv {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (b, c, h, w) = x.dims4()?;
        let (k, s) = (self.kernel, self.stride);
        let (p0, p1) = self.pad;
        let (hp, wp) = (h + p0 + p1, w + p0 + p1);
        let (ho, wo) = ((hp - k) / s + 1, (wp - k) / s + 1);
        // Pad to a multiple of the stride, then split every axis into (index, phase) so that a
        // strided window is a plain narrow: x[s*a + i] = phases[i % s][a + i / s].
        let (hs, ws) = (hp.div_ceil(s) * s, wp.div_ceil(s) * s);
        let x = x.pad_with_zeros(2, p0, p1 + hs - hp)?.pad_with_zeros(3, p0, p1 + ws - wp)?;
        let x = x.reshape((b, c, hs / s, s, ws / s, s))?;
        let weight = self.weight.reshape((c, k * k))?;
        let mut acc: Option<Tensor> = None;
        for i in 0..k {
            for j in 0..k {
                let window = x
                    .narrow(3, i % s, 1)?
                    .narrow(5, j % s, 1)?
                    .narrow(2, i / s, ho)?
                    .narrow(4, j / s, wo)?
                    .reshape((b, c, ho, wo))?;
                let w_ij = weight.narrow(1, i * k + j, 1)?.reshape((1, c, 1, 1))?;
                let term = window.broadcast_mul(&w_ij)?;
                acc = Some(match acc {
                    Some(a) => (a + term)?,
                    None => term,
                });
            }
        }
        acc.ok_or_else(|| candle_core::Error::Msg("empty depthwise kernel".into()))
    }
}

/// One MBConv block (inverted bottleneck + squeeze-excitation).
#[derive(Debug, Clone)]
struct MbConvBlock {
    expand: Option<(Conv2d, BatchNorm)>,
    depthwise: DepthwiseConv,
    bn1: BatchNorm,
    se_reduce: Conv2d,
    se_expand: Conv2d,
    project: Conv2d,
    bn2: BatchNorm,
    /// Identity skip when the block keeps shape (lukemelas `id_skip`; drop-connect is a no-op
    /// at inference).
    skip: bool,
}

struct BlockSpec {
    c_in: usize,
    c_out: usize,
    expand_ratio: usize,
    kernel: usize,
    stride: usize,
    se_ratio: f64,
    ref_size: usize,
}

impl MbConvBlock {
    fn new(spec: &BlockSpec, bn_eps: f64, vb: VarBuilder) -> Result<Self> {
        let one = Conv2dConfig::default();
        let hidden = spec.c_in * spec.expand_ratio;
        let expand = if spec.expand_ratio != 1 {
            Some((
                candle_nn::conv2d_no_bias(spec.c_in, hidden, 1, one, vb.pp("_expand_conv"))?,
                batch_norm(hidden, bn_eps, vb.pp("_bn0"))?,
            ))
        } else {
            None
        };
        let squeezed = ((spec.c_in as f64 * spec.se_ratio) as usize).max(1);
        Ok(MbConvBlock {
            expand,
            depthwise: DepthwiseConv::new(hidden, spec.kernel, spec.stride, spec.ref_size, vb.pp("_depthwise_conv"))?,
            bn1: batch_norm(hidden, bn_eps, vb.pp("_bn1"))?,
            se_reduce: candle_nn::conv2d(hidden, squeezed, 1, one, vb.pp("_se_reduce"))?,
            se_expand: candle_nn::conv2d(squeezed, hidden, 1, one, vb.pp("_se_expand"))?,
            project: candle_nn::conv2d_no_bias(hidden, spec.c_out, 1, one, vb.pp("_project_conv"))?,
            bn2: batch_norm(spec.c_out, bn_eps, vb.pp("_bn2"))?,
            skip: spec.stride == 1 && spec.c_in == spec.c_out,
        })
    }

    fn forward_t(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let mut h = x.clone();
        if let Some((conv, bn)) = &self.expand {
            h = bn.forward_t(&conv.forward(&h)?, train)?.silu()?;
        }
        h = self.bn1.forward_t(&self.depthwise.forward(&h)?, train)?.silu()?;
        let squeezed = h.mean_keepdim(2)?.mean_keepdim(3)?;
        let gate = self.se_expand.forward(&self.se_reduce.forward(&squeezed)?.silu()?)?;
        h = h.broadcast_mul(&candle_nn::ops::sigmoid(&gate)?)?;
        h = self.bn2.forward_t(&self.project.forward(&h)?, train)?;
        if self.skip {
            h = (h + x)?;
        }
        Ok(h)
    }
}

fn batch_norm(channels: usize, eps: f64, vb: VarBuilder) -> Result<BatchNorm> {
    candle_nn::batch_norm(channels, candle_nn::BatchNormConfig { eps, ..Default::default() }, vb)
}

/// The encoder: views `[N, 3, S, S]` in [-1, 1] to tokens `[N, (S/32)^2, hidden]`.
#[derive(Debug, Clone)]
pub struct EfficientNet {
    stem: StaticSameConv,
    bn0: BatchNorm,
    blocks: Vec<MbConvBlock>,
    head: Conv2d,
    bn1: BatchNorm,
}

impl EfficientNet {
    /// `vb` points at the encoder's root (`module.image_encoder` in a MammoRG checkpoint).
    pub fn new(cfg: &EfficientNetConfig, vb: VarBuilder) -> Result<Self> {
        let stem_channels = cfg.round_filters(cfg.stem_base_channels);
        let mut ref_size = cfg.padding_reference_size;
        let stem = StaticSameConv::new(3, stem_channels, 3, 2, ref_size, vb.pp("_conv_stem"))?;
        ref_size = ref_size.div_ceil(2);
        let bn0 = batch_norm(stem_channels, cfg.bn_eps, vb.pp("_bn0"))?;
        let mut blocks = Vec::with_capacity(cfg.num_blocks());
        for stage in &cfg.stages {
            let c_in = cfg.round_filters(stage.input_filters);
            let c_out = cfg.round_filters(stage.output_filters);
            for r in 0..cfg.round_repeats(stage.repeats) {
                let spec = BlockSpec {
                    c_in: if r == 0 { c_in } else { c_out },
                    c_out,
                    expand_ratio: stage.expand_ratio,
                    kernel: stage.kernel,
                    stride: if r == 0 { stage.stride } else { 1 },
                    se_ratio: stage.se_ratio,
                    ref_size,
                };
                blocks.push(MbConvBlock::new(&spec, cfg.bn_eps, vb.pp(format!("_blocks.{}", blocks.len())))?);
                ref_size = ref_size.div_ceil(spec.stride);
            }
        }
        let last = cfg.stages.last().map(|s| cfg.round_filters(s.output_filters)).unwrap_or(stem_channels);
        let hidden = cfg.hidden_size();
        let head = candle_nn::conv2d_no_bias(last, hidden, 1, Conv2dConfig::default(), vb.pp("_conv_head"))?;
        let bn1 = batch_norm(hidden, cfg.bn_eps, vb.pp("_bn1"))?;
        Ok(EfficientNet { stem, bn0, blocks, head, bn1 })
    }

    /// The head feature map `[N, hidden, S/32, S/32]`; `train`: batch statistics in the batch
    /// norms (and their running statistics updated).
    pub fn feature_map(&self, images: &Tensor, train: bool) -> Result<Tensor> {
        let mut h = self.bn0.forward_t(&self.stem.forward(images)?, train)?.silu()?;
        for block in &self.blocks {
            h = block.forward_t(&h, train)?;
        }
        self.bn1.forward_t(&self.head.forward(&h)?, train)?.silu()
    }

    /// Patch tokens `[N, H*W, hidden]`, row-major over the head map.
    pub fn forward_t(&self, images: &Tensor, train: bool) -> Result<Tensor> {
        let map = self.feature_map(images, train)?;
        let (n, c, h, w) = map.dims4()?;
        map.reshape((n, c, h * w))?.transpose(1, 2)?.contiguous()
    }

    pub fn num_blocks(&self) -> usize {
        self.blocks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    #[test]
    fn static_padding_reproduces_the_456_quirk() {
        // Stage 4's first block (k3/s2) sees 57 at 456 but 64 at 512: 1/1 instead of 0/1.
        assert_eq!(same_padding(57, 3, 2), (1, 1));
        assert_eq!(same_padding(64, 3, 2), (0, 1));
        // Stage 6's first block (k5/s2): 2/2 at 29 (456) instead of 1/2 at 32 (512).
        assert_eq!(same_padding(29, 5, 2), (2, 2));
        assert_eq!(same_padding(32, 5, 2), (1, 2));
    }

    #[test]
    fn depthwise_matches_grouped_convolution() -> Result<()> {
        let dev = Device::Cpu;
        let x = Tensor::randn(0f32, 1., (2, 3, 9, 9), &dev)?;
        for (k, s) in [(3, 1), (3, 2), (5, 2), (5, 1)] {
            let weight = Tensor::randn(0f32, 1., (3, 1, k, k), &dev)?;
            let pad = same_padding(9, k, s);
            let dw = DepthwiseConv { weight: weight.clone(), kernel: k, stride: s, pad };
            let ours = dw.forward(&x)?;
            let padded = x.pad_with_zeros(2, pad.0, pad.1)?.pad_with_zeros(3, pad.0, pad.1)?;
            let reference = padded.conv2d(&weight, 0, s, 1, 3)?;
            assert_eq!(ours.dims(), reference.dims());
            let diff = (ours - reference)?.abs()?.max_all()?.to_dtype(DType::F32)?.to_scalar::<f32>()?;
            assert!(diff < 1e-4, "k{k} s{s}: {diff}");
        }
        Ok(())
    }
}
