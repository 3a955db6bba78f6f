//! Where the lesions lie on each view, as training targets for the patch tokens: dense
//! supervision for an encoder trained from scratch.
//!
//! Per-breast labels let a small encoder pass stage 1 by memorising its training studies (the
//! encoder probe fitted BI-RADS at 0.88 on them and 0.38 on unseen ones, below the majority
//! answer; README, model quality). A label per patch token — which finding types and
//! descriptors cover it — can only be met by finding the lesion in the pixels. The simulator
//! records each drawn lesion's box per view (`truth.json`, `lesion_marks`); real studies have
//! no such boxes and train without this loss.

use crate::error::Result;
use crate::preprocess::ViewFrame;
use crate::terms::{DESCRIPTOR_TERMS, FINDING_TYPES};
use candle_core::{Device, Tensor};
use mammoflow_dicom::synth::LesionMark;
use crate::data::{breasts, descriptor_index, finding_index};
use mammoflow_domain::{FindingStatus, StructuredReport};

const FINDINGS: usize = FINDING_TYPES.len();

/// Channels of a patch target: the finding types, then the descriptors.
pub const LESION_CHANNELS: usize = FINDINGS + DESCRIPTOR_TERMS.len();

/// One lesion on one view in model-input coordinates, normalised to `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkedLesion {
    /// Index into [`FINDING_TYPES`].
    pub finding: usize,
    /// Indices into [`DESCRIPTOR_TERMS`].
    pub descriptors: Vec<usize>,
    /// `[left, top, right, bottom]`.
    pub area: [f32; 4],
}

/// The lesions of one study per view, in [`crate::VIEW_ORDER`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LesionMap {
    pub views: [Vec<MarkedLesion>; 4],
    /// Per view: finding types present on that breast without a box on this view (diffuse
    /// calcifications, a lesion outside the view). Their channels, and the descriptors, are not
    /// scored on that view: where they are is unknown.
    pub unmarked: [[bool; FINDINGS]; 4],
}

/// The lesion map of a simulated study from its marks, the frame each view was cut with and
/// its report (which says what is on each breast, marked or not).
pub fn lesion_map(marks: &[LesionMark], frames: &[ViewFrame; 4], report: &StructuredReport) -> LesionMap {
    let mut map = LesionMap::default();
    for (v, view) in crate::VIEW_ORDER.iter().enumerate() {
        let frame = &frames[v];
        for mark in marks.iter().filter(|m| m.view == *view) {
            let Some(finding) = finding_index(mark.finding_type) else { continue };
            let b = mark.pixels;
            let (x0, y0) = frame.to_input(f32::from(b.left), f32::from(b.top));
            let (x1, y1) = frame.to_input(f32::from(b.right), f32::from(b.bottom));
            let s = frame.size as f32;
            let area = [x0.min(x1) / s, y0.min(y1) / s, x0.max(x1) / s, y0.max(y1) / s].map(|c| c.clamp(0.0, 1.0));
            let descriptors = mark.descriptors.iter().filter_map(|d| descriptor_index(d)).collect();
            map.views[v].push(MarkedLesion { finding, descriptors, area });
        }
        // VIEW_ORDER holds the right breast's two views, then the left's.
        let breast = v / 2;
        for f in report.findings.iter().filter(|f| f.status != FindingStatus::Negative) {
            let Some(fi) = finding_index(f.finding_type) else { continue };
            if breasts(f.side).contains(&breast) && !map.views[v].iter().any(|m| m.finding == fi) {
                map.unmarked[v][fi] = true;
            }
        }
    }
    map
}

/// Patch cells `[first, last]` along one axis of a `grid`-cell side that an interval covers
/// (one that only grazes a cell by under a quarter of it does not count).
fn cells(from: f32, to: f32, grid: usize) -> (usize, usize) {
    let g = grid as f32;
    let first = ((from * g + 0.25).floor() as usize).min(grid - 1);
    let last = ((to * g - 0.25).floor().max(0.0) as usize).clamp(first, grid - 1);
    (first, last)
}

/// Targets and mask `[B, 4, L, LESION_CHANNELS]` for patch tokens on a square `grid`
/// (`L = grid²`, row-major); `None` when no study of the batch has a map.
pub fn lesion_targets(maps: &[Option<&LesionMap>], grid: usize, device: &Device) -> Result<Option<(Tensor, Tensor)>> {
    if maps.iter().all(Option::is_none) || grid == 0 {
        return Ok(None);
    }
    let (l, c) = (grid * grid, LESION_CHANNELS);
    let mut target = vec![0f32; maps.len() * 4 * l * c];
    let mut mask = vec![0f32; maps.len() * 4 * l * c];
    for (i, map) in maps.iter().enumerate() {
        let Some(map) = map else { continue };
        for v in 0..4 {
            let view = (i * 4 + v) * l * c;
            let descriptors_known = !map.unmarked[v].iter().any(|u| *u);
            for p in 0..l {
                for ch in 0..c {
                    let known = if ch < FINDINGS { !map.unmarked[v][ch] } else { descriptors_known };
                    mask[view + p * c + ch] = if known { 1.0 } else { 0.0 };
                }
            }
            for lesion in &map.views[v] {
                let (c0, c1) = cells(lesion.area[0], lesion.area[2], grid);
                let (r0, r1) = cells(lesion.area[1], lesion.area[3], grid);
                for row in r0..=r1 {
                    for col in c0..=c1 {
                        let at = view + (row * grid + col) * c;
                        target[at + lesion.finding] = 1.0;
                        for d in &lesion.descriptors {
                            target[at + FINDINGS + d] = 1.0;
                        }
                    }
                }
            }
        }
    }
    let shape = (maps.len(), 4, l, c);
    Ok(Some((Tensor::from_vec(target, shape, device)?, Tensor::from_vec(mask, shape, device)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lesion_covers_the_cells_it_overlaps_and_unmarked_types_are_not_scored() {
        let mut map = LesionMap::default();
        // Cells 1..=2 across, 0 down on a 4-grid; the lesion only grazes cell 3 and row 1.
        map.views[2].push(MarkedLesion { finding: 0, descriptors: vec![3], area: [0.30, 0.0, 0.78, 0.27] });
        map.unmarked[3][1] = true;
        let (t, m) = lesion_targets(&[None, Some(&map)], 4, &Device::Cpu).expect("targets").expect("some");
        let t = t.flatten_all().and_then(|x| x.to_vec1::<f32>()).expect("vec");
        let m = m.flatten_all().and_then(|x| x.to_vec1::<f32>()).expect("vec");
        let at = |study: usize, view: usize, cell: usize, ch: usize| ((study * 4 + view) * 16 + cell) * LESION_CHANNELS + ch;
        let marked: Vec<usize> = (0..16).filter(|&p| t[at(1, 2, p, 0)] == 1.0).collect();
        assert_eq!(marked, vec![1, 2]);
        assert_eq!(t[at(1, 2, 1, FINDINGS + 3)], 1.0, "the descriptor is set where the lesion is");
        assert_eq!(t.iter().filter(|v| **v == 1.0).count(), 4, "nothing else is positive");
        assert!((0..16).all(|p| m[at(0, 0, p, 0)] == 0.0), "a study without a map is not scored");
        assert_eq!(m[at(1, 2, 5, 0)], 1.0, "empty cells are scored as no lesion");
        assert_eq!(m[at(1, 3, 0, 1)], 0.0, "an unmarked type is not scored on that view");
        assert_eq!(m[at(1, 3, 0, FINDINGS)], 0.0, "nor are the descriptors");
        assert_eq!(m[at(1, 3, 0, 0)], 1.0, "other types still are");
    }
}
