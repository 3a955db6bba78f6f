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
use crate::depthwise::{depthwise_conv2d, strided_windows};
use candle_core::ModuleT;
use candle_core::{Module, Result, Tensor};
use candle_nn::{BatchNorm, Conv2d, Conv2dConfig, VarBuilder};

/// TF-style "same" padding `(before, after)` for one spatial dimension of size `size`.
fn same_padding(size: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let out = size.div_ceil(stride);
    let total = ((out - 1) * stride + kernel).saturating_sub(size);
    (total / 2, total - total / 2)
}

/// The stem's k x k convolution with static same padding, as windows stacked into columns and
/// one matrix product (im2col): its input is the image, which needs no gradient, so the backward
/// pass is a single matrix product for the weight.
#[derive(Debug, Clone)]
struct StaticSameConv {
    weight: Tensor,
    kernel: usize,
    stride: usize,
    pad: (usize, usize),
}

impl StaticSameConv {
    fn new(c_in: usize, c_out: usize, kernel: usize, stride: usize, ref_size: usize, vb: VarBuilder) -> Result<Self> {
        let cfg = Conv2dConfig { stride, ..Default::default() };
        let weight = candle_nn::conv2d_no_bias(c_in, c_out, kernel, cfg, vb)?.weight().clone();
        Ok(StaticSameConv { weight, kernel, stride, pad: same_padding(ref_size, kernel, stride) })
    }
}

impl Module for StaticSameConv {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (b, c, _, _) = x.dims4()?;
        let (c_out, _, k, _) = self.weight.dims4()?;
        let (windows, (ho, wo)) = strided_windows(x, self.kernel, self.stride, self.pad)?;
        // Column index c * k^2 + i * k + j matches the weight's [out, in, k, k] layout.
        let columns = Tensor::stack(&windows, 2)?.reshape((b, c * k * k, ho * wo))?;
        let y = self.weight.reshape((c_out, c * k * k))?.broadcast_matmul(&columns)?;
        y.reshape((b, c_out, ho, wo))
    }
}

/// Depthwise k x k convolution with static same padding (see [`crate::depthwise`]).
#[derive(Debug, Clone)]
struct DepthwiseConv {
    weight: Tensor,
    stride: usize,
    pad: (usize, usize),
}

impl DepthwiseConv {
    fn new(channels: usize, kernel: usize, stride: usize, ref_size: usize, vb: VarBuilder) -> Result<Self> {
        let weight = vb.get_with_hints((channels, 1, kernel, kernel), "weight", candle_nn::init::DEFAULT_KAIMING_NORMAL)?;
        Ok(DepthwiseConv { weight, stride, pad: same_padding(ref_size, kernel, stride) })
    }
}

impl Module for DepthwiseConv {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        depthwise_conv2d(x, &self.weight, self.stride, self.pad)
    }
}

/// A 1 x 1 convolution computed as a batched matrix product over the pixels. Same tensors as
/// candle's `Conv2d` (`weight [out, in, 1, 1]`, optional `bias [out]`), so checkpoints map one to
/// one; but its backward pass is two matrix products, where candle's convolution backward runs a
/// transposed convolution (a direct loop on the CPU).
#[derive(Debug, Clone)]
struct Pointwise {
    weight: Tensor,
    bias: Option<Tensor>,
}

impl Pointwise {
    fn new(c_in: usize, c_out: usize, vb: VarBuilder) -> Result<Self> {
        let conv = candle_nn::conv2d(c_in, c_out, 1, Conv2dConfig::default(), vb)?;
        Ok(Pointwise::from_conv(conv))
    }

    fn no_bias(c_in: usize, c_out: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Pointwise::from_conv(candle_nn::conv2d_no_bias(c_in, c_out, 1, Conv2dConfig::default(), vb)?))
    }

    fn from_conv(conv: Conv2d) -> Self {
        Pointwise { weight: conv.weight().clone(), bias: conv.bias().cloned() }
    }
}

impl Module for Pointwise {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (n, c, h, w) = x.dims4()?;
        let (c_out, ..) = self.weight.dims4()?;
        let y = self.weight.reshape((c_out, c))?.broadcast_matmul(&x.reshape((n, c, h * w))?)?;
        let y = match &self.bias {
            Some(b) => y.broadcast_add(&b.reshape((1, c_out, 1))?)?,
            None => y,
        };
        y.reshape((n, c_out, h, w))
    }
}

/// One MBConv block (inverted bottleneck + squeeze-excitation).
#[derive(Debug, Clone)]
struct MbConvBlock {
    expand: Option<(Pointwise, BatchNorm)>,
    depthwise: DepthwiseConv,
    bn1: BatchNorm,
    se_reduce: Pointwise,
    se_expand: Pointwise,
    project: Pointwise,
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
        let hidden = spec.c_in * spec.expand_ratio;
        let expand = if spec.expand_ratio != 1 {
            Some((Pointwise::no_bias(spec.c_in, hidden, vb.pp("_expand_conv"))?, batch_norm(hidden, bn_eps, vb.pp("_bn0"))?))
        } else {
            None
        };
        let squeezed = ((spec.c_in as f64 * spec.se_ratio) as usize).max(1);
        Ok(MbConvBlock {
            expand,
            depthwise: DepthwiseConv::new(hidden, spec.kernel, spec.stride, spec.ref_size, vb.pp("_depthwise_conv"))?,
            bn1: batch_norm(hidden, bn_eps, vb.pp("_bn1"))?,
            se_reduce: Pointwise::new(hidden, squeezed, vb.pp("_se_reduce"))?,
            se_expand: Pointwise::new(squeezed, hidden, vb.pp("_se_expand"))?,
            project: Pointwise::no_bias(hidden, spec.c_out, vb.pp("_project_conv"))?,
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
    head: Pointwise,
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
        let head = Pointwise::no_bias(last, hidden, vb.pp("_conv_head"))?;
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
    use candle_core::Device;

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
    fn matrix_product_convolutions_match_candle_convolution() -> Result<()> {
        let dev = Device::Cpu;
        let max_diff = |a: Tensor, b: Tensor| -> Result<f32> {
            assert_eq!(a.dims(), b.dims());
            (a - b)?.abs()?.max_all()?.to_scalar::<f32>()
        };
        let x = Tensor::randn(0f32, 1., (2, 5, 6, 7), &dev)?;
        let weight = Tensor::randn(0f32, 1., (4, 5, 1, 1), &dev)?;
        let bias = Tensor::randn(0f32, 1., 4, &dev)?;
        let ours = Pointwise { weight: weight.clone(), bias: Some(bias.clone()) }.forward(&x)?;
        let reference = x.conv2d(&weight, 0, 1, 1, 1)?.broadcast_add(&bias.reshape((1, 4, 1, 1))?)?;
        assert!(max_diff(ours, reference)? < 1e-4);

        let image = Tensor::randn(0f32, 1., (2, 3, 10, 10), &dev)?;
        let weight = Tensor::randn(0f32, 1., (6, 3, 3, 3), &dev)?;
        let pad = same_padding(10, 3, 2);
        let stem = StaticSameConv { weight: weight.clone(), kernel: 3, stride: 2, pad };
        let padded = image.pad_with_zeros(2, pad.0, pad.1)?.pad_with_zeros(3, pad.0, pad.1)?;
        assert!(max_diff(stem.forward(&image)?, padded.conv2d(&weight, 0, 2, 1, 1)?)? < 1e-4);
        Ok(())
    }
}
