//! Depthwise k x k convolution with static "same" padding, the EfficientNet block's spatial
//! mixing. candle runs a grouped convolution as one convolution per channel, so this module
//! computes it itself:
//!
//! - on a CPU in f32, with a direct kernel (forward, and the input and weight gradients), planes
//!   in parallel: the from-scratch `tiny` encoder trains here, and composing the convolution
//!   from k^2 shifted tensors made every step allocate and clear k^2 full-size temporaries (and
//!   as many again in the backward pass), which was most of the encoder's training step;
//! - elsewhere (GPU, half precision) as k^2 shifted multiply-adds of whole tensors, a handful of
//!   large kernels per layer.
//!
//! Both paths are checked against candle's grouped convolution in the tests.

use candle_core::{CpuStorage, CustomOp2, DType, Layout, Result, Shape, Tensor};
use rayon::prelude::*;
use std::ops::Range;

/// `x [N, C, H, W]` convolved per channel with `weight [C, 1, k, k]`, padded `pad = (before,
/// after)` on both spatial axes, stride `stride`.
pub(crate) fn depthwise_conv2d(x: &Tensor, weight: &Tensor, stride: usize, pad: (usize, usize)) -> Result<Tensor> {
    let (_, _, k, _) = weight.dims4()?;
    if x.device().is_cpu() && x.dtype() == DType::F32 && weight.dtype() == DType::F32 {
        let geometry = Geometry { k, stride, pad };
        x.contiguous()?.apply_op2(&weight.contiguous()?, DepthwiseOp(geometry))
    } else {
        shifted_multiply_adds(x, weight, stride, pad)
    }
}

/// The k^2 shifted views `x[.., s*a + i, s*b + j]` (row-major over `(i, j)`) of `x` padded
/// `pad` on both spatial axes, each `[B, C, Ho, Wo]`, and `(Ho, Wo)`. The input is padded to a
/// multiple of the stride and every axis split into (index, phase), so that a strided window is
/// a plain narrow: `x[s*a + i] = phases[i % s][a + i / s]`.
pub(crate) fn strided_windows(x: &Tensor, k: usize, s: usize, pad: (usize, usize)) -> Result<(Vec<Tensor>, (usize, usize))> {
    let (b, c, h, w) = x.dims4()?;
    let (p0, p1) = pad;
    let (hp, wp) = (h + p0 + p1, w + p0 + p1);
    let (ho, wo) = ((hp - k) / s + 1, (wp - k) / s + 1);
    let (hs, ws) = (hp.div_ceil(s) * s, wp.div_ceil(s) * s);
    let x = x.pad_with_zeros(2, p0, p1 + hs - hp)?.pad_with_zeros(3, p0, p1 + ws - wp)?;
    let x = x.reshape((b, c, hs / s, s, ws / s, s))?;
    let mut windows = Vec::with_capacity(k * k);
    for i in 0..k {
        for j in 0..k {
            let window = x.narrow(3, i % s, 1)?.narrow(5, j % s, 1)?.narrow(2, i / s, ho)?.narrow(4, j / s, wo)?;
            windows.push(window.reshape((b, c, ho, wo))?);
        }
    }
    Ok((windows, (ho, wo)))
}

fn shifted_multiply_adds(x: &Tensor, weight: &Tensor, stride: usize, pad: (usize, usize)) -> Result<Tensor> {
    let (c, _, k, _) = weight.dims4()?;
    let (windows, _) = strided_windows(x, k, stride, pad)?;
    let weight = weight.reshape((c, k * k))?;
    let mut acc: Option<Tensor> = None;
    for (ij, window) in windows.iter().enumerate() {
        let term = window.broadcast_mul(&weight.narrow(1, ij, 1)?.reshape((1, c, 1, 1))?)?;
        acc = Some(match acc {
            Some(a) => (a + term)?,
            None => term,
        });
    }
    acc.ok_or_else(|| candle_core::Error::Msg("empty depthwise kernel".into()))
}

#[derive(Debug, Clone, Copy)]
struct Geometry {
    k: usize,
    stride: usize,
    pad: (usize, usize),
}

impl Geometry {
    fn out_len(&self, len: usize) -> usize {
        (len + self.pad.0 + self.pad.1 - self.k) / self.stride + 1
    }

    /// Output positions `o < out_len` whose input `o * stride + tap - pad.0` lies in `0..len`.
    fn valid(&self, tap: usize, out_len: usize, len: usize) -> Range<usize> {
        let s = self.stride;
        let first = self.pad.0.saturating_sub(tap).div_ceil(s);
        let end = if len + self.pad.0 > tap { (len + self.pad.0 - tap - 1) / s + 1 } else { 0 };
        first..end.min(out_len).max(first)
    }

    /// Calls `f(outputs, first_input, tap)` for every output row of one `len_y x len_x` plane
    /// and kernel tap: `outputs` is the range of that row's output pixels whose input pixel lies
    /// inside the plane (the padding is zeros), `first_input` the input index of the first of
    /// them; the next ones follow `stride` apart. Whole row runs let the loops vectorise.
    fn for_each_run(&self, (len_y, len_x): (usize, usize), mut f: impl FnMut(Range<usize>, usize, usize)) {
        let (s, p0, k) = (self.stride, self.pad.0, self.k);
        let (out_y, out_x) = (self.out_len(len_y), self.out_len(len_x));
        for i in 0..k {
            for oy in self.valid(i, out_y, len_y) {
                let y = oy * s + i - p0;
                for j in 0..k {
                    let cols = self.valid(j, out_x, len_x);
                    if !cols.is_empty() {
                        let first_input = y * len_x + cols.start * s + j - p0;
                        f(oy * out_x + cols.start..oy * out_x + cols.end, first_input, i * k + j);
                    }
                }
            }
        }
    }
}

/// Plane `index` of `len` values (one channel of one sample) of a contiguous `[N, C, ..]` buffer.
fn plane(data: &[f32], index: usize, len: usize) -> &[f32] {
    &data[index * len..][..len]
}

fn f32_slice<'a>(storage: &'a CpuStorage, layout: &Layout) -> Result<&'a [f32]> {
    let (start, end) = layout.contiguous_offsets().ok_or_else(|| candle_core::Error::Msg("depthwise: non-contiguous operand".into()))?;
    match storage {
        CpuStorage::F32(v) => Ok(&v[start..end]),
        _ => Err(candle_core::Error::Msg("depthwise: expected f32".into())),
    }
}

/// Forward: `(x, weight)` to the output; its backward pass uses the two ops below.
struct DepthwiseOp(Geometry);

impl CustomOp2 for DepthwiseOp {
    fn name(&self) -> &'static str {
        "depthwise-conv2d"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let g = self.0;
        let (n, c, h, w) = l1.shape().dims4()?;
        let (x, weight) = (f32_slice(s1, l1)?, f32_slice(s2, l2)?);
        let (ho, wo) = (g.out_len(h), g.out_len(w));
        let mut out = vec![0f32; n * c * ho * wo];
        out.par_chunks_mut(ho * wo).enumerate().for_each(|(p, out)| {
            let (x, taps) = (plane(x, p, h * w), plane(weight, p % c, g.k * g.k));
            g.for_each_run((h, w), |outs, first, t| {
                for (o, v) in out[outs].iter_mut().zip(x[first..].iter().step_by(g.stride)) {
                    *o += taps[t] * v;
                }
            });
        });
        Ok((CpuStorage::F32(out), Shape::from((n, c, ho, wo))))
    }

    fn bwd(&self, x: &Tensor, weight: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let grad = grad.contiguous()?;
        let (_, _, h, w) = x.dims4()?;
        let grad_x = grad.apply_op2_no_bwd(weight, &GradInput { geometry: self.0, in_size: (h, w) })?;
        let grad_w = x.apply_op2_no_bwd(&grad, &GradWeight(self.0))?;
        Ok((Some(grad_x), Some(grad_w)))
    }
}

/// `(grad_out, weight)` to the gradient of the input `[N, C, H, W]`.
struct GradInput {
    geometry: Geometry,
    in_size: (usize, usize),
}

impl CustomOp2 for GradInput {
    fn name(&self) -> &'static str {
        "depthwise-conv2d-grad-input"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let (g, (h, w)) = (self.geometry, self.in_size);
        let (n, c, ho, wo) = l1.shape().dims4()?;
        let (grad, weight) = (f32_slice(s1, l1)?, f32_slice(s2, l2)?);
        let mut grad_x = vec![0f32; n * c * h * w];
        grad_x.par_chunks_mut(h * w).enumerate().for_each(|(p, gx)| {
            let (gy, taps) = (plane(grad, p, ho * wo), plane(weight, p % c, g.k * g.k));
            g.for_each_run((h, w), |outs, first, t| {
                for (v, gx) in gy[outs].iter().zip(gx[first..].iter_mut().step_by(g.stride)) {
                    *gx += taps[t] * v;
                }
            });
        });
        Ok((CpuStorage::F32(grad_x), Shape::from((n, c, h, w))))
    }
}

/// `(x, grad_out)` to the gradient of the weight `[C, 1, k, k]`.
struct GradWeight(Geometry);

impl CustomOp2 for GradWeight {
    fn name(&self) -> &'static str {
        "depthwise-conv2d-grad-weight"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let g = self.0;
        let (n, c, h, w) = l1.shape().dims4()?;
        let (_, _, ho, wo) = l2.shape().dims4()?;
        let (x, grad) = (f32_slice(s1, l1)?, f32_slice(s2, l2)?);
        let mut grad_w = vec![0f32; c * g.k * g.k];
        grad_w.par_chunks_mut(g.k * g.k).enumerate().for_each(|(channel, gw)| {
            for b in 0..n {
                let p = b * c + channel;
                let (x, gy) = (plane(x, p, h * w), plane(grad, p, ho * wo));
                g.for_each_run((h, w), |outs, first, t| {
                    gw[t] += gy[outs].iter().zip(x[first..].iter().step_by(g.stride)).map(|(a, b)| a * b).sum::<f32>();
                });
            }
        });
        Ok((CpuStorage::F32(grad_w), Shape::from((c, 1, g.k, g.k))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    fn max_diff(a: &Tensor, b: &Tensor) -> Result<f32> {
        assert_eq!(a.dims(), b.dims());
        (a - b)?.abs()?.max_all()?.to_scalar::<f32>()
    }

    /// Every stride, kernel and asymmetric padding the encoder uses, on odd and even sizes: the
    /// CPU kernel's output and both gradients equal candle's grouped convolution's, and the
    /// shifted-tensor path's output equals it too.
    #[test]
    fn both_paths_match_grouped_convolution_forward_and_backward() -> Result<()> {
        let dev = Device::Cpu;
        for (size, k, s, pad) in
            [(9, 3, 1, (1, 1)), (9, 3, 2, (1, 1)), (8, 3, 2, (0, 1)), (9, 5, 2, (2, 2)), (8, 5, 1, (2, 2)), (8, 5, 2, (1, 2))]
        {
            let x = Var::from_tensor(&Tensor::randn(0f32, 1., (2, 3, size, size), &dev)?)?;
            let weight = Var::from_tensor(&Tensor::randn(0f32, 1., (3, 1, k, k), &dev)?)?;
            let probe = Tensor::randn(0f32, 1., depthwise_conv2d(&x, &weight, s, pad)?.dims(), &dev)?;

            let ours = depthwise_conv2d(&x, &weight, s, pad)?;
            let padded = x.pad_with_zeros(2, pad.0, pad.1)?.pad_with_zeros(3, pad.0, pad.1)?;
            let reference = padded.conv2d(&weight, 0, s, 1, 3)?;
            assert!(max_diff(&ours, &reference)? < 1e-4, "forward k{k} s{s} {pad:?}");
            assert!(max_diff(&shifted_multiply_adds(&x, &weight, s, pad)?, &reference)? < 1e-4, "shifted k{k} s{s}");

            let ours_grads = (ours * &probe)?.sum_all()?.backward()?;
            let reference_grads = (reference * &probe)?.sum_all()?.backward()?;
            for var in [&x, &weight] {
                let (a, b) = (ours_grads.get(var).expect("gradient"), reference_grads.get(var).expect("gradient"));
                assert!(max_diff(a, b)? < 1e-3, "gradient k{k} s{s} {pad:?}");
            }
        }
        Ok(())
    }
}
