//! From four display images (or four DICOM files) to the model input `[4, 3, S, S]` in
//! [`VIEW_ORDER`]: breast region, common orientation, square padding, resize, normalisation.
//!
//! This replaces the official blind resize + centre crop (`mammorg.md` §2, §11.1), which cuts
//! tissue off portrait images: here the crop is the bounding box of the breast itself, found as
//! the largest bright connected region (so burned-in labels and markers are ignored).
//!
//! Orientation: every view is turned so the chest wall is on the **right** edge, i.e. left
//! breasts are mirrored (in standard hanging a left breast has its chest wall on the left). The
//! side is read from the image (where the breast touches the edge) and only falls back to the
//! laterality when the image is ambiguous, so a mis-hung file is still turned the right way.

use crate::error::{MammoRgError, Result};
use crate::model::VIEW_ORDER;
use candle_core::{Device, Tensor};
use mammoflow_dicom::pixels::{read_grey, GreyImage};
use mammoflow_domain::Laterality;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreprocessOptions {
    /// Output side (the configuration's `image_size`).
    pub size: usize,
    /// Display value (0..1) above which a pixel counts as tissue.
    pub threshold: f32,
    /// Extra border around the breast box, as a fraction of its larger side.
    pub margin: f32,
}

impl PreprocessOptions {
    pub fn new(size: usize) -> Self {
        PreprocessOptions { size, threshold: 0.08, margin: 0.02 }
    }
}

/// Pixel box `[top, bottom) x [left, right)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreastBox {
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
}

/// Side of the image where the chest wall is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChestWall {
    Left,
    Right,
}

/// The largest region is searched on a grid of at most this many cells per side (block means),
/// which keeps full-field images (3328 x 2560) cheap and ignores single bright pixels.
const GRID: usize = 256;

/// The breast's bounding box and chest-wall side, or `None` if nothing exceeds the threshold.
pub fn find_breast(img: &GreyImage, threshold: f32, laterality: Laterality) -> Option<(BreastBox, ChestWall)> {
    let f = img.rows.max(img.cols).div_ceil(GRID).max(1);
    let (gh, gw) = (img.rows.div_ceil(f), img.cols.div_ceil(f));
    // Block sums row by row (one pass over the pixels in memory order), then means.
    let mut sums = vec![0f32; gh * gw];
    for (y, row) in img.data.chunks_exact(img.cols.max(1)).enumerate() {
        let cells = &mut sums[(y / f) * gw..(y / f + 1) * gw];
        for (cell, block) in cells.iter_mut().zip(row.chunks(f)) {
            *cell += block.iter().sum::<f32>();
        }
    }
    let cell_len = |i: usize, n: usize| ((i + 1) * f).min(n) - i * f;
    let mask: Vec<bool> =
        sums.iter().enumerate().map(|(i, s)| s / (cell_len(i / gw, img.rows) * cell_len(i % gw, img.cols)) as f32 > threshold).collect();
    let component = largest_component(&mask, gh, gw)?;
    let (mut top, mut bottom, mut left, mut right) = (gh, 0, gw, 0);
    for &i in &component {
        let (y, x) = (i / gw, i % gw);
        top = top.min(y);
        bottom = bottom.max(y + 1);
        left = left.min(x);
        right = right.max(x + 1);
    }
    // The chest wall is the box edge the breast lies along; the nipple side touches it in few
    // cells. Ties (e.g. a breast filling the field) fall back to the standard hanging.
    let on_col = |c: usize| component.iter().filter(|&&i| i % gw == c).count() as f32;
    let (l, r) = (on_col(left), on_col(right - 1));
    let side = if l > 1.5 * r {
        ChestWall::Left
    } else if r > 1.5 * l {
        ChestWall::Right
    } else if laterality == Laterality::Left {
        ChestWall::Left
    } else {
        ChestWall::Right
    };
    let b = BreastBox { top: top * f, bottom: (bottom * f).min(img.rows), left: left * f, right: (right * f).min(img.cols) };
    Some((b, side))
}

/// Cells of the largest 4-connected `true` region (iterative flood fill, deterministic order).
fn largest_component(mask: &[bool], h: usize, w: usize) -> Option<Vec<usize>> {
    let mut seen = vec![false; mask.len()];
    let mut best: Option<Vec<usize>> = None;
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        let (mut cells, mut stack) = (Vec::new(), vec![start]);
        while let Some(i) = stack.pop() {
            cells.push(i);
            let (y, x) = (i / w, i % w);
            let neighbours = [(y > 0).then(|| i - w), (y + 1 < h).then(|| i + w), (x > 0).then(|| i - 1), (x + 1 < w).then(|| i + 1)];
            for n in neighbours.into_iter().flatten() {
                if mask[n] && !seen[n] {
                    seen[n] = true;
                    stack.push(n);
                }
            }
        }
        if best.as_ref().is_none_or(|b| cells.len() > b.len()) {
            best = Some(cells);
        }
    }
    best
}

/// Where the model input of one view comes from: the crop of the image and its place on the
/// square canvas that is resized to `size x size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewFrame {
    pub crop: BreastBox,
    /// Side of the square canvas, in image pixels.
    pub side: usize,
    /// Offset of the crop on the canvas.
    pub top: usize,
    pub left: usize,
    /// The crop is mirrored left to right (the chest wall was on the left).
    pub mirror: bool,
    /// Output side.
    pub size: usize,
}

impl ViewFrame {
    /// Image pixel coordinates (continuous, `x` to the right, `y` down) to model-input ones.
    pub fn to_input(&self, x: f32, y: f32) -> (f32, f32) {
        let mut cx = x - self.crop.left as f32;
        if self.mirror {
            cx = (self.crop.right - self.crop.left) as f32 - cx;
        }
        let scale = self.size as f32 / self.side as f32;
        ((cx + self.left as f32) * scale, (y - self.crop.top as f32 + self.top as f32) * scale)
    }
}

/// The frame of one view: the breast box with its margin, padded to a square with background
/// away from the chest wall, which ends up on the right.
fn view_frame(img: &GreyImage, laterality: Laterality, opts: &PreprocessOptions) -> Result<ViewFrame> {
    if img.data.len() != img.rows * img.cols || opts.size == 0 {
        return Err(MammoRgError::Input(format!("image of {} values is not {}x{}", img.data.len(), img.rows, img.cols)));
    }
    let (b, wall) = find_breast(img, opts.threshold, laterality)
        .ok_or_else(|| MammoRgError::Input("no breast tissue above the threshold in the image".into()))?;
    let pad = (opts.margin * (b.bottom - b.top).max(b.right - b.left) as f32).round() as usize;
    let crop = BreastBox {
        top: b.top.saturating_sub(pad),
        bottom: (b.bottom + pad).min(img.rows),
        left: b.left.saturating_sub(pad),
        right: (b.right + pad).min(img.cols),
    };
    let (h, w) = (crop.bottom - crop.top, crop.right - crop.left);
    let side = h.max(w);
    // Rows centred vertically, columns against the right (chest-wall) edge.
    Ok(ViewFrame { crop, side, top: (side - h) / 2, left: side - w, mirror: wall == ChestWall::Left, size: opts.size })
}

/// One view to `size x size` values in `[-1, 1]` (display value, mean 0.5, std 0.5), chest wall
/// on the right, breast box padded to a square with background (-1) away from the chest wall.
pub fn prepare_view(img: &GreyImage, laterality: Laterality, opts: &PreprocessOptions) -> Result<Vec<f32>> {
    Ok(prepare_view_framed(img, laterality, opts)?.0)
}

/// [`prepare_view`] and the frame it used.
pub fn prepare_view_framed(img: &GreyImage, laterality: Laterality, opts: &PreprocessOptions) -> Result<(Vec<f32>, ViewFrame)> {
    let f = view_frame(img, laterality, opts)?;
    let canvas = Canvas { height: f.side, width: f.side, top: f.top, left: f.left, mirror: f.mirror };
    let (rows, cols) = (f.crop.bottom - f.crop.top, f.crop.right - f.crop.left);
    let crop = Region { data: &img.data, stride: img.cols, top: f.crop.top, left: f.crop.left, rows, cols };
    let resized = resample(&crop, &canvas, opts.size, opts.size);
    Ok((resized.into_iter().map(|v| (v.clamp(0.0, 1.0) - 0.5) / 0.5).collect(), f))
}

/// Antialiased bilinear resampling (triangle filter widened by the scale when shrinking, as
/// PIL does) of a whole `h x w` image.
pub fn resize_bilinear(src: &[f32], h: usize, w: usize, out_h: usize, out_w: usize) -> Vec<f32> {
    let whole = Region { data: src, stride: w, top: 0, left: 0, rows: h, cols: w };
    resample(&whole, &Canvas { height: h, width: w, top: 0, left: 0, mirror: false }, out_h, out_w)
}

/// A rectangle of a row-major image.
struct Region<'a> {
    data: &'a [f32],
    stride: usize,
    top: usize,
    left: usize,
    rows: usize,
    cols: usize,
}

impl Region<'_> {
    fn row(&self, r: usize) -> &[f32] {
        let start = (self.top + r) * self.stride + self.left;
        &self.data[start..start + self.cols]
    }
}

/// Where a region sits on a background-filled (0) canvas, optionally mirrored left to right.
struct Canvas {
    height: usize,
    width: usize,
    top: usize,
    left: usize,
    mirror: bool,
}

/// Resamples the canvas holding `region` to `out_h x out_w` without building the canvas:
/// columns first, straight from the image rows (each output row is a weighted sum of whole
/// rows, which vectorises; background rows add nothing and are skipped), then rows, on the few
/// output rows only.
fn resample(region: &Region, canvas: &Canvas, out_h: usize, out_w: usize) -> Vec<f32> {
    let wy = filter_weights(canvas.height, out_h);
    let wx = filter_weights(canvas.width, out_w);
    let mut tmp = vec![0f32; out_h * region.cols];
    for ((start, weights), acc) in wy.iter().zip(tmp.chunks_exact_mut(region.cols.max(1))) {
        for (k, wt) in weights.iter().enumerate() {
            let Some(r) = (start + k).checked_sub(canvas.top).filter(|r| *r < region.rows) else { continue };
            for (a, v) in acc.iter_mut().zip(region.row(r)) {
                *a += wt * v;
            }
        }
    }
    let mut line = vec![0f32; canvas.width];
    let mut out = vec![0f32; out_h * out_w];
    for (y, out_row) in out.chunks_exact_mut(out_w.max(1)).enumerate() {
        let placed = &mut line[canvas.left..canvas.left + region.cols];
        placed.copy_from_slice(&tmp[y * region.cols..(y + 1) * region.cols]);
        if canvas.mirror {
            placed.reverse();
        }
        for (o, (start, weights)) in out_row.iter_mut().zip(&wx) {
            *o = dot(weights, &line[*start..start + weights.len()]);
        }
    }
    out
}

/// Dot product with eight partial sums, so the additions do not wait on each other.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Per output index: first input index and normalised weights.
fn filter_weights(n_in: usize, n_out: usize) -> Vec<(usize, Vec<f32>)> {
    let scale = n_in as f64 / n_out as f64;
    let support = scale.max(1.0);
    (0..n_out)
        .map(|o| {
            let center = (o as f64 + 0.5) * scale;
            let lo = ((center - support).floor().max(0.0)) as usize;
            let hi = ((center + support).ceil() as usize).min(n_in);
            let mut weights: Vec<f32> =
                (lo..hi).map(|i| (1.0 - ((i as f64 + 0.5 - center) / support).abs()).max(0.0) as f32).collect();
            let total: f32 = weights.iter().sum();
            weights.iter_mut().for_each(|v| *v /= total);
            (lo, weights)
        })
        .collect()
}

/// Four display images in [`VIEW_ORDER`] to one channel per view `[4, S, S]` (what the
/// training set stores; [`expand_channels`] gives the model input).
pub fn study_planes(views: &[GreyImage; 4], opts: &PreprocessOptions, device: &Device) -> Result<Tensor> {
    Ok(study_planes_framed(views, opts, device)?.0)
}

/// [`study_planes`] and the frame of each view.
pub fn study_planes_framed(views: &[GreyImage; 4], opts: &PreprocessOptions, device: &Device) -> Result<(Tensor, [ViewFrame; 4])> {
    let mut data = Vec::with_capacity(4 * opts.size * opts.size);
    let mut frames = Vec::with_capacity(4);
    for (img, view) in views.iter().zip(VIEW_ORDER) {
        let (plane, frame) = prepare_view_framed(img, view.laterality(), opts)?;
        data.extend(plane);
        frames.push(frame);
    }
    let frames: [ViewFrame; 4] = frames.try_into().map_err(|_| MammoRgError::Input("four views expected".into()))?;
    Ok((Tensor::from_vec(data, (4, opts.size, opts.size), device)?, frames))
}

/// `[..., 4, S, S]` planes to `[..., 4, 3, S, S]` (grey replicated, like the official RGB load).
pub fn expand_channels(planes: &Tensor) -> Result<Tensor> {
    let rank = planes.rank();
    let mut dims = planes.dims().to_vec();
    dims.insert(rank - 2, 3);
    Ok(planes.unsqueeze(rank - 2)?.broadcast_as(dims)?.contiguous()?)
}

/// The model input `[4, 3, S, S]` of four display images in [`VIEW_ORDER`].
pub fn study_tensor(views: &[GreyImage; 4], opts: &PreprocessOptions, device: &Device) -> Result<Tensor> {
    expand_channels(&study_planes(views, opts, device)?)
}

/// Reads four DICOM files (in [`VIEW_ORDER`]: RCC, RMLO, LCC, LMLO) and returns `[4, S, S]` planes.
pub fn planes_from_paths<P: AsRef<Path>>(paths: &[P; 4], opts: &PreprocessOptions, device: &Device) -> Result<Tensor> {
    Ok(planes_from_paths_framed(paths, opts, device)?.0)
}

/// [`planes_from_paths`] and the frame of each view.
pub fn planes_from_paths_framed<P: AsRef<Path>>(paths: &[P; 4], opts: &PreprocessOptions, device: &Device) -> Result<(Tensor, [ViewFrame; 4])> {
    let read = |p: &P| read_grey(p.as_ref()).map_err(|e| MammoRgError::Pixels { path: p.as_ref().to_path_buf(), source: e });
    let views = [read(&paths[0])?, read(&paths[1])?, read(&paths[2])?, read(&paths[3])?];
    study_planes_framed(&views, opts, device)
}

/// [`planes_from_paths`] as the model input `[4, 3, S, S]`.
pub fn study_tensor_from_paths<P: AsRef<Path>>(paths: &[P; 4], opts: &PreprocessOptions, device: &Device) -> Result<Tensor> {
    expand_channels(&planes_from_paths(paths, opts, device)?)
}
