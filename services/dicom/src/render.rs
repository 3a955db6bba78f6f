//! Small windowed PNG renderings of a view for people (portal thumbnails, printable reports).

use std::path::Path;

use crate::pixels::{read_grey, GreyImage, PixelError};

/// Reads the DICOM file at `path` and returns an 8-bit greyscale PNG of its display image
/// (VOI window applied, MONOCHROME1 inverted), scaled down so its longer side is at most
/// `max_side` pixels (never up).
pub fn thumbnail_png(path: impl AsRef<Path>, max_side: usize) -> Result<Vec<u8>, PixelError> {
    let image = read_grey(path)?;
    encode_png(&shrink(&image, max_side.max(1)))
}

/// Box-filter downscale: every output pixel is the mean of the input pixels it covers, so fine
/// structure (calcifications) fades rather than aliases.
pub fn shrink(image: &GreyImage, max_side: usize) -> GreyImage {
    let longer = image.rows.max(image.cols);
    if longer <= max_side {
        return image.clone();
    }
    let scale = max_side as f64 / longer as f64;
    let rows = ((image.rows as f64 * scale).round() as usize).max(1);
    let cols = ((image.cols as f64 * scale).round() as usize).max(1);
    let mut data = Vec::with_capacity(rows * cols);
    for r in 0..rows {
        let (r0, r1) = span(r, rows, image.rows);
        for c in 0..cols {
            let (c0, c1) = span(c, cols, image.cols);
            let mut sum = 0.0f64;
            for rr in r0..r1 {
                sum += image.data[rr * image.cols + c0..rr * image.cols + c1].iter().map(|&v| f64::from(v)).sum::<f64>();
            }
            data.push((sum / ((r1 - r0) * (c1 - c0)) as f64) as f32);
        }
    }
    GreyImage { rows, cols, data }
}

/// Input range `[start, end)` covered by output index `i` of `out` over `input` samples.
fn span(i: usize, out: usize, input: usize) -> (usize, usize) {
    let start = i * input / out;
    let end = ((i + 1) * input / out).max(start + 1).min(input);
    (start, end)
}

fn encode_png(image: &GreyImage) -> Result<Vec<u8>, PixelError> {
    let mut bytes = Vec::new();
    let width = u32::try_from(image.cols).map_err(|_| PixelError::Unsupported("image too wide".into()))?;
    let height = u32::try_from(image.rows).map_err(|_| PixelError::Unsupported("image too tall".into()))?;
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| PixelError::Decode(format!("encoding PNG: {e}")))?;
    writer.write_image_data(&image.to_u8()).map_err(|e| PixelError::Decode(format!("encoding PNG: {e}")))?;
    writer.finish().map_err(|e| PixelError::Decode(format!("encoding PNG: {e}")))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_averages_and_keeps_the_aspect_ratio() {
        let data: Vec<f32> = (0..8 * 4).map(|i| if (i % 4) < 2 { 0.0 } else { 1.0 }).collect();
        let image = GreyImage::new(8, 4, data).expect("image");
        let small = shrink(&image, 4);
        assert_eq!((small.rows, small.cols), (4, 2));
        assert!(small.data.iter().step_by(2).all(|&v| v == 0.0));
        assert!(small.data.iter().skip(1).step_by(2).all(|&v| v == 1.0));
        assert_eq!(shrink(&image, 100), image, "never scaled up");
    }

    #[test]
    fn png_output_has_the_signature_and_size() {
        let image = GreyImage::new(3, 5, vec![0.5; 15]).expect("image");
        let png = encode_png(&image).expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR width and height, big-endian, right after the chunk header.
        assert_eq!(&png[16..24], &[0, 0, 0, 5, 0, 0, 0, 3]);
    }
}
