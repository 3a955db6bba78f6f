//! Breast-region crop, orientation, resize and normalisation.

use candle_core::Device;
use mammoflow_dicom::synth::{simulate, SimulationOptions};
use mammoflow_dicom::GreyImage;
use mammoflow_domain::Laterality;
use mammorg::preprocess::{
    find_breast, prepare_view, prepare_view_framed, resize_bilinear, study_tensor_from_paths, ChestWall, PreprocessOptions,
};
use mammorg::VIEW_ORDER;

/// A half-disc breast against the right edge (chest wall right), rows x cols, plus a small
/// bright "label" in the top-left corner that must not be taken for the breast.
fn phantom(rows: usize, cols: usize) -> GreyImage {
    let mut data = vec![0f32; rows * cols];
    let (cy, r) = (rows as f32 * 0.55, rows as f32 * 0.3);
    for y in 0..rows {
        for x in 0..cols {
            let (dx, dy) = ((cols - 1 - x) as f32, y as f32 - cy);
            if dx * dx + dy * dy < r * r {
                data[y * cols + x] = 0.4 + 0.3 * ((x + y) % 7) as f32 / 7.0;
            }
        }
    }
    for y in 4..10 {
        for x in 4..14 {
            data[y * cols + x] = 1.0;
        }
    }
    GreyImage::new(rows, cols, data).expect("image")
}

fn mirrored(img: &GreyImage) -> GreyImage {
    let data = img.data.chunks(img.cols).flat_map(|row| row.iter().rev().copied()).collect();
    GreyImage::new(img.rows, img.cols, data).expect("image")
}

#[test]
fn the_box_is_the_breast_not_the_label() {
    let img = phantom(300, 240);
    let (b, wall) = find_breast(&img, 0.08, Laterality::Right).expect("breast");
    assert_eq!(wall, ChestWall::Right);
    // Disc: rows 165 +- 90, columns from 240 - 90 to the edge.
    assert!(b.top.abs_diff(75) <= 2 && b.bottom.abs_diff(255) <= 2, "{b:?}");
    assert!(b.left.abs_diff(150) <= 2 && b.right == 240, "{b:?}");
    let (_, wall) = find_breast(&mirrored(&img), 0.08, Laterality::Right).expect("breast");
    assert_eq!(wall, ChestWall::Left, "the image, not the laterality, decides");
    assert!(find_breast(&GreyImage::new(8, 8, vec![0.0; 64]).expect("img"), 0.08, Laterality::Left).is_none());
}

#[test]
fn a_mirrored_breast_gives_the_same_input_and_the_crop_holds_the_breast() {
    let opts = PreprocessOptions::new(64);
    let img = phantom(300, 240);
    let a = prepare_view(&img, Laterality::Right, &opts).expect("right");
    let b = prepare_view(&mirrored(&img), Laterality::Left, &opts).expect("left");
    assert_eq!(a, b);
    assert_eq!(a.len(), 64 * 64);
    assert!(a.iter().all(|v| (-1.0..=1.0).contains(v)));
    // Chest wall on the right: the right column is tissue over the disc's height, the left
    // column is background; the breast fills much more of the frame than of the original.
    let col = |x: usize| (0..64).map(|y| a[y * 64 + x]).filter(|v| *v > -0.5).count();
    assert!(col(63) > 50 && col(0) == 0, "right {} left {}", col(63), col(0));
    let frac_out = a.iter().filter(|v| **v > -0.5).count() as f32 / a.len() as f32;
    let frac_in = img.data.iter().filter(|v| **v > 0.25).count() as f32 / img.data.len() as f32;
    assert!(frac_out > 1.5 * frac_in, "{frac_out} vs {frac_in}");
    // The corner label is gone: the top-left of the output is background.
    assert!(a[..4].iter().all(|v| *v < -0.99));
    // Deterministic.
    assert_eq!(prepare_view(&img, Laterality::Right, &opts).expect("again"), a);
}

/// A mark on the image lands where the frame says, mirrored or not: a bright spot is put in
/// the breast and the brightest input pixel must be where `to_input` maps it.
#[test]
fn the_frame_maps_image_points_to_where_they_land_in_the_input() {
    let opts = PreprocessOptions::new(64);
    for (x, y) in [(200usize, 150usize), (170, 110), (225, 210)] {
        let mut img = phantom(300, 240);
        for dy in 0..3 {
            for dx in 0..3 {
                img.data[(y + dy) * 240 + x + dx] = 1.0;
            }
        }
        for (img, laterality) in [(img.clone(), Laterality::Right), (mirrored(&img), Laterality::Left)] {
            let (input, frame) = prepare_view_framed(&img, laterality, &opts).expect("view");
            // The spot's centre in this image (mirroring moves it).
            let sx = if laterality == Laterality::Left { 240.0 - (x as f32 + 1.5) } else { x as f32 + 1.5 };
            let (u, v) = frame.to_input(sx, y as f32 + 1.5);
            let brightest = (0..input.len()).max_by(|&a, &b| input[a].total_cmp(&input[b])).expect("pixels");
            let (bu, bv) = ((brightest % 64) as f32 + 0.5, (brightest / 64) as f32 + 0.5);
            assert!((bu - u).abs() <= 1.0 && (bv - v).abs() <= 1.0, "{laterality:?} ({x}, {y}): spot at ({bu}, {bv}), frame says ({u}, {v})");
        }
    }
}

#[test]
fn resize_keeps_constants_and_averages_when_shrinking() {
    let flat = resize_bilinear(&[0.3; 100], 10, 10, 4, 7);
    assert!(flat.iter().all(|v| (v - 0.3).abs() < 1e-6));
    // A one-pixel checkerboard shrunk 4x averages to grey instead of aliasing.
    let checker: Vec<f32> = (0..64 * 64).map(|i| ((i / 64 + i % 64) % 2) as f32).collect();
    let small = resize_bilinear(&checker, 64, 64, 16, 16);
    assert!(small.iter().all(|v| (v - 0.5).abs() < 0.05), "{:?}", &small[..4]);
}

#[test]
fn simulated_dicom_study_becomes_the_model_input() {
    let dir = tempfile::tempdir().expect("dir");
    let opts = SimulationOptions { studies: 1, rows: 160, cols: 128, ..SimulationOptions::default() };
    let study = &simulate(&opts, dir.path()).expect("simulate")[0];
    let paths = VIEW_ORDER.map(|v| study.files[&v].clone());
    let t = study_tensor_from_paths(&paths, &PreprocessOptions::new(32), &Device::Cpu).expect("tensor");
    assert_eq!(t.dims(), [4, 3, 32, 32]);
    let planes = t.narrow(1, 0, 1).expect("c0").squeeze(1).expect("sq").to_vec3::<f32>().expect("vec");
    for (view, plane) in VIEW_ORDER.iter().zip(&planes) {
        let right: f32 = plane.iter().map(|r| r[31]).sum();
        let left: f32 = plane.iter().map(|r| r[0]).sum();
        assert!(right > left + 8.0, "{view}: chest wall should be on the right ({right} vs {left})");
    }
}
