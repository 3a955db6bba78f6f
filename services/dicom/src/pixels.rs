//! Pixel data to a display-ready grey image: decode (dicom-pixeldata), Modality LUT (rescale),
//! VOI window (LINEAR, LINEAR_EXACT or SIGMOID as VOILUTFunction says), MONOCHROME1 inversion.
//!
//! The result is the image a reader would see on a viewer, in `[0, 1]` with 1 = white, which is
//! what the model's preprocessing expects whatever the vendor's photometric convention.
//!
//! Decodable transfer syntaxes are those of dicom-pixeldata's default (pure-Rust) features:
//! implicit/explicit VR little endian, explicit big endian, deflated, JPEG baseline, extended and
//! lossless (process 14 and SV1), and RLE lossless. JPEG-LS, JPEG 2000, HTJ2K and JPEG XL need
//! native codecs and give [`PixelError::UnsupportedTransferSyntax`].

use dicom_dictionary_std::tags;
use dicom_object::{FileDicomObject, InMemDicomObject, OpenFileOptions};
use dicom_pixeldata::{
    ConvertOptions, DecodedPixelData, ModalityLutOption, PixelDecoder, PixelRepresentation, Rescale, VoiLutOption,
};
use crate::scan::{scan, PixelDataExtent};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A single-channel image, row-major, values in `[0, 1]` (0 = black, 1 = white).
#[derive(Debug, Clone, PartialEq)]
pub struct GreyImage {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

impl GreyImage {
    /// A checked constructor: `data.len()` must be `rows * cols`.
    pub fn new(rows: usize, cols: usize, data: Vec<f32>) -> Result<Self, PixelError> {
        if data.len() != rows * cols || rows == 0 || cols == 0 {
            return Err(PixelError::Unsupported(format!("{} values for a {rows}x{cols} image", data.len())));
        }
        Ok(GreyImage { rows, cols, data })
    }

    pub fn get(&self, row: usize, col: usize) -> f32 {
        self.data[row * self.cols + col]
    }

    /// 8-bit version (round to nearest), e.g. for PNG export or compact storage.
    pub fn to_u8(&self) -> Vec<u8> {
        self.data.iter().map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8).collect()
    }
}

/// The VOI LUT Function (PS3.3 C.11.2.1.2–3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoiFunction {
    Linear,
    LinearExact,
    Sigmoid,
}

/// One VOI window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub center: f64,
    pub width: f64,
    pub function: VoiFunction,
}

impl Window {
    /// Maps a modality value to `[0, 1]` following the standard's formulas (output range
    /// normalised to 0..1 instead of y_min..y_max).
    pub fn apply(&self, x: f64) -> f64 {
        let (c, w) = (self.center, self.width);
        match self.function {
            VoiFunction::Linear => {
                // C.11.2.1.2.1: the "- 0.5" and "w - 1" come from integer display values.
                let lo = c - 0.5 - (w - 1.0) / 2.0;
                let hi = c - 0.5 + (w - 1.0) / 2.0;
                if x <= lo {
                    0.0
                } else if x > hi {
                    1.0
                } else {
                    (x - (c - 0.5)) / (w - 1.0) + 0.5
                }
            }
            VoiFunction::LinearExact => ((x - c) / w + 0.5).clamp(0.0, 1.0),
            VoiFunction::Sigmoid => 1.0 / (1.0 + (-4.0 * (x - c) / w).exp()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PixelError {
    #[error("cannot open {}: {reason}", path.display())]
    Open { path: PathBuf, reason: String },
    /// The codec is not compiled in (or does not exist) for this transfer syntax.
    #[error("pixel data in transfer syntax {uid} cannot be decoded (codec not available)")]
    UnsupportedTransferSyntax { uid: String },
    #[error("cannot decode pixel data: {0}")]
    Decode(String),
    /// Colour, multi-frame or otherwise outside what a mammography view is.
    #[error("unsupported image: {0}")]
    Unsupported(String),
    #[error("invalid VOI window: {0}")]
    InvalidWindow(String),
}

/// Reads a DICOM file and returns its display image (see [`grey_from_object`]).
pub fn read_grey(path: impl AsRef<Path>) -> Result<GreyImage, PixelError> {
    let path = path.as_ref();
    if let Some(image) = read_native(path)? {
        return Ok(image);
    }
    let obj = OpenFileOptions::new()
        .open_file(path)
        .map_err(|e| PixelError::Open { path: path.to_path_buf(), reason: e.to_string() })?;
    grey_from_object(&obj)
}

/// Largest header the native path scans for the Pixel Data offset.
const NATIVE_HEADER_PREFIX: u64 = 1 << 20;

/// Uncompressed little-endian, unsigned 16-bit, single-frame files (most For Presentation
/// mammograms): the header is parsed up to Pixel Data and the samples are read straight from
/// their offset, because dicom-object would parse the pixel element sample by sample. `None`:
/// another layout, decoded by [`grey_from_object`].
fn read_native(path: &Path) -> Result<Option<GreyImage>, PixelError> {
    let open = |reason: String| PixelError::Open { path: path.to_path_buf(), reason };
    let mut file = std::fs::File::open(path).map_err(|e| open(e.to_string()))?;
    let mut prefix = Vec::new();
    (&mut file).take(NATIVE_HEADER_PREFIX).read_to_end(&mut prefix).map_err(|e| open(e.to_string()))?;
    let Ok(extent) = scan(&prefix) else { return Ok(None) };
    let Some(PixelDataExtent { value_start, length: Some(length) }) = extent.pixel_data else { return Ok(None) };
    if !matches!(extent.transfer_syntax.as_str(), "1.2.840.10008.1.2" | "1.2.840.10008.1.2.1") {
        return Ok(None);
    }
    let obj = OpenFileOptions::new().read_until(tags::PIXEL_DATA).open_file(path).map_err(|e| open(e.to_string()))?;
    let number = |tag, default: &str| text(&obj, tag).unwrap_or_else(|| default.to_string());
    let native_layout = number(tags::BITS_ALLOCATED, "") == "16"
        && number(tags::PIXEL_REPRESENTATION, "") == "0"
        && number(tags::SAMPLES_PER_PIXEL, "1") == "1"
        && number(tags::NUMBER_OF_FRAMES, "1") == "1";
    let rows: usize = number(tags::ROWS, "0").parse().unwrap_or(0);
    let cols: usize = number(tags::COLUMNS, "0").parse().unwrap_or(0);
    let bits_stored: u16 = number(tags::BITS_STORED, "16").parse().unwrap_or(0);
    if !native_layout || !(1..=16).contains(&bits_stored) || rows * cols * 2 != length as usize {
        return Ok(None);
    }
    let invert = inverts(&obj)?;
    let mut samples = vec![0u8; length as usize];
    file.seek(SeekFrom::Start(value_start as u64)).map_err(|e| open(e.to_string()))?;
    file.read_exact(&mut samples).map_err(|e| PixelError::Decode(format!("pixel data shorter than declared: {e}")))?;
    let slope = numbers(&obj, tags::RESCALE_SLOPE)?.first().copied().unwrap_or(1.0);
    let intercept = numbers(&obj, tags::RESCALE_INTERCEPT)?.first().copied().unwrap_or(0.0);
    let data = display_from_u16(&samples, bits_stored, Rescale::new(slope, intercept), window_of(&obj)?, invert);
    GreyImage::new(rows, cols, data).map(Some)
}

/// MONOCHROME1 is shown inverted; anything but the two greyscale interpretations is refused.
fn inverts(obj: &InMemDicomObject) -> Result<bool, PixelError> {
    match text(obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_default().as_str() {
        "MONOCHROME1" => Ok(true),
        "MONOCHROME2" => Ok(false),
        other => Err(PixelError::Unsupported(format!("photometric interpretation {other:?}"))),
    }
}

/// Decodes the object's single frame, applies the Modality LUT and the first VOI window of the
/// object (min–max of the frame when it has none), and inverts MONOCHROME1.
pub fn grey_from_object(obj: &FileDicomObject<InMemDicomObject>) -> Result<GreyImage, PixelError> {
    let invert = inverts(obj)?;
    let frames = text(obj, tags::NUMBER_OF_FRAMES).and_then(|s| s.parse::<u32>().ok()).unwrap_or(1);
    if frames != 1 {
        return Err(PixelError::Unsupported(format!("{frames} frames; a mammography view has one")));
    }
    let ts = obj.meta().transfer_syntax().trim_end_matches('\0').to_string();
    let decoded = obj.decode_pixel_data().map_err(|e| decode_error(&ts, e))?;
    if decoded.samples_per_pixel() != 1 {
        return Err(PixelError::Unsupported(format!("{} samples per pixel", decoded.samples_per_pixel())));
    }
    let (rows, cols) = (decoded.rows() as usize, decoded.columns() as usize);
    let window = window_of(obj)?;
    let data = match unsigned_16bit_samples(&decoded, &ts) {
        Some(samples) => {
            let rescale = decoded.rescale().map_err(|e| decode_error(&ts, e))?.first().copied().unwrap_or(Rescale::new(1.0, 0.0));
            display_from_u16(samples, decoded.bits_stored(), rescale, window, invert)
        }
        None => {
            // Modality LUT only; the window is applied below so its function and errors are ours.
            let options =
                ConvertOptions::new().with_modality_lut(ModalityLutOption::Default).with_voi_lut(VoiLutOption::Identity);
            let values: Vec<f32> = decoded.to_vec_frame_with_options(0, &options).map_err(|e| decode_error(&ts, e))?;
            let window = window.unwrap_or_else(|| min_max_window(&values));
            values.iter().map(|&v| display(window.apply(f64::from(v)), invert)).collect()
        }
    };
    GreyImage::new(rows, cols, data)
}

fn display(windowed: f64, invert: bool) -> f32 {
    let y = windowed as f32;
    if invert {
        1.0 - y
    } else {
        y
    }
}

/// The raw little-endian samples when the frame is unsigned 16-bit (what mammography sends
/// nearly always); other layouts take dicom-pixeldata's generic conversion.
fn unsigned_16bit_samples<'a>(decoded: &'a DecodedPixelData<'_>, ts: &str) -> Option<&'a [u8]> {
    // Explicit VR Big Endian (retired, but still readable).
    let big_endian = ts == "1.2.840.10008.1.2.2";
    let layout_ok = decoded.bits_allocated() == 16
        && decoded.pixel_representation() == PixelRepresentation::Unsigned
        && (1..=16).contains(&decoded.bits_stored());
    let expected = decoded.rows() as usize * decoded.columns() as usize * 2;
    let data = decoded.data();
    (layout_ok && !big_endian && data.len() >= expected).then(|| &data[..expected])
}

/// Rescale and window as one lookup table over every storable value, so each pixel costs one
/// load instead of a floating-point window evaluation.
fn display_from_u16(samples: &[u8], bits_stored: u16, rescale: Rescale, window: Option<Window>, invert: bool) -> Vec<f32> {
    let mask = ((1u32 << bits_stored) - 1) as u16;
    let modality = |v: u16| rescale.slope * f64::from(v) + rescale.intercept;
    let window = window.unwrap_or_else(|| {
        let (lo, hi) = samples.chunks_exact(2).fold((u16::MAX, 0u16), |(lo, hi), b| {
            let v = u16::from_le_bytes([b[0], b[1]]) & mask;
            (lo.min(v), hi.max(v))
        });
        min_max_window(&[modality(lo) as f32, modality(hi) as f32])
    });
    let lut: Vec<f32> = (0..=mask).map(|v| display(window.apply(modality(v)), invert)).collect();
    samples.chunks_exact(2).map(|b| lut[usize::from(u16::from_le_bytes([b[0], b[1]]) & mask)]).collect()
}

/// dicom-pixeldata's error is opaque; its "unsupported/unknown transfer syntax" cases are
/// recognised by their message (pinned by a test with a JPEG 2000 object).
fn decode_error(ts: &str, e: dicom_pixeldata::Error) -> PixelError {
    let msg = e.to_string();
    let lower = msg.to_ascii_lowercase();
    if lower.contains("unsupported transfersyntax") || lower.contains("unknown transfer syntax") {
        PixelError::UnsupportedTransferSyntax { uid: ts.to_string() }
    } else {
        PixelError::Decode(msg)
    }
}

fn text(obj: &InMemDicomObject, tag: dicom_object::Tag) -> Option<String> {
    obj.element_opt(tag).ok().flatten().and_then(|e| e.to_str().ok()).map(|s| s.trim().to_string())
}

fn numbers(obj: &InMemDicomObject, tag: dicom_object::Tag) -> Result<Vec<f64>, PixelError> {
    match text(obj, tag) {
        None => Ok(Vec::new()),
        Some(s) if s.is_empty() => Ok(Vec::new()),
        Some(s) => s
            .split('\\')
            .map(|v| v.trim().parse::<f64>().map_err(|_| PixelError::InvalidWindow(format!("{tag} value {v:?}"))))
            .collect(),
    }
}

/// The first window of the object (Window Center/Width, VOI LUT Function), if any.
pub fn window_of(obj: &InMemDicomObject) -> Result<Option<Window>, PixelError> {
    let centers = numbers(obj, tags::WINDOW_CENTER)?;
    let widths = numbers(obj, tags::WINDOW_WIDTH)?;
    let (Some(&center), Some(&width)) = (centers.first(), widths.first()) else {
        return Ok(None);
    };
    let function = match text(obj, tags::VOILUT_FUNCTION).as_deref() {
        None | Some("") | Some("LINEAR") => VoiFunction::Linear,
        Some("LINEAR_EXACT") => VoiFunction::LinearExact,
        Some("SIGMOID") => VoiFunction::Sigmoid,
        Some(other) => return Err(PixelError::InvalidWindow(format!("VOI LUT Function {other:?}"))),
    };
    let min_width = if function == VoiFunction::Linear { 1.0 } else { 0.0 };
    if !center.is_finite() || !width.is_finite() || width <= min_width {
        return Err(PixelError::InvalidWindow(format!("center {center}, width {width} for {function:?}")));
    }
    Ok(Some(Window { center, width, function }))
}

/// A LINEAR_EXACT window spanning the frame's value range (used when the object has none).
fn min_max_window(values: &[f32]) -> Window {
    let (lo, hi) = values.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if lo.is_finite() { (f64::from(lo), f64::from(hi)) } else { (0.0, 1.0) };
    let width = (hi - lo).max(1e-6);
    Window { center: lo + width / 2.0, width, function: VoiFunction::LinearExact }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_window_follows_the_standard() {
        let w = Window { center: 100.0, width: 51.0, function: VoiFunction::Linear };
        assert_eq!(w.apply(0.0), 0.0);
        assert_eq!(w.apply(74.5), 0.0);
        assert!((w.apply(99.5) - 0.5).abs() < 1e-12);
        assert_eq!(w.apply(200.0), 1.0);
        let s = Window { function: VoiFunction::Sigmoid, ..w };
        assert!((s.apply(100.0) - 0.5).abs() < 1e-12);
        assert!(s.apply(110.0) > 0.5 && s.apply(110.0) < 1.0);
        assert!(s.apply(50.0) < 0.02);
        let e = Window { function: VoiFunction::LinearExact, ..w };
        assert_eq!(e.apply(100.0 + 25.5), 1.0);
    }

    use crate::synth::{dicom_object, generate_study, SimulationOptions};
    use dicom_core::value::{PixelFragmentSequence, PrimitiveValue, Value};
    use dicom_core::{DataElement, VR};
    use dicom_dictionary_std::uids;
    use dicom_object::meta::FileMetaTableBuilder;
    use mammoflow_domain::View;

    fn small() -> SimulationOptions {
        SimulationOptions { rows: 128, cols: 104, ..SimulationOptions::default() }
    }

    fn put_str(obj: &mut InMemDicomObject, tag: dicom_object::Tag, vr: VR, v: &str) {
        obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
    }

    #[test]
    fn phantom_file_decodes_with_its_linear_window() {
        let study = generate_study(&small(), 4);
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("LCC.dcm");
        dicom_object(&study, View::Lcc).expect("object").write_to_file(&path).expect("write");
        let img = read_grey(&path).expect("decode");
        let raw = &study.images[&View::Lcc];
        assert_eq!((img.rows, img.cols), (usize::from(raw.rows), usize::from(raw.cols)));
        let obj = OpenFileOptions::new().open_file(&path).expect("open");
        let window = window_of(&obj).expect("window").expect("present");
        assert_eq!(window.function, VoiFunction::Linear);
        for i in (0..img.data.len()).step_by(97) {
            let want = window.apply(f64::from(raw.pixels[i])) as f32;
            assert!((img.data[i] - want).abs() < 1e-6, "pixel {i}");
        }
        // The breast is brighter than the background and the window spreads it out.
        let (lo, hi) = img.data.iter().fold((1f32, 0f32), |(l, h), &v| (l.min(v), h.max(v)));
        assert!(lo < 0.05 && hi > 0.5, "range {lo}..{hi}");
    }

    #[test]
    fn native_fast_path_matches_the_general_decoder_and_refuses_truncation() {
        let study = generate_study(&small(), 8);
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("RMLO.dcm");
        dicom_object(&study, View::Rmlo).expect("object").write_to_file(&path).expect("write");
        let fast = read_native(&path).expect("read").expect("native layout");
        let general = grey_from_object(&OpenFileOptions::new().open_file(&path).expect("open")).expect("decode");
        assert_eq!(fast, general);
        let bytes = std::fs::read(&path).expect("bytes");
        std::fs::write(&path, &bytes[..bytes.len() - 10]).expect("truncate");
        assert!(read_grey(&path).is_err());
    }

    #[test]
    fn monochrome1_with_inverted_values_gives_the_same_image() {
        let mut study = generate_study(&small(), 5);
        let view = View::Rmlo;
        let max = f64::from(study.images[&view].max_value);
        let mut plain = dicom_object(&study, view).expect("object");
        put_str(&mut plain, tags::VOILUT_FUNCTION, VR::CS, "SIGMOID");
        let center = window_of(&plain).expect("window").expect("present").center;
        let a = grey_from_object(&plain).expect("mono2");
        let image = study.images.get_mut(&view).expect("view");
        image.pixels.iter_mut().for_each(|p| *p = image.max_value - *p);
        let mut inverted = dicom_object(&study, view).expect("object");
        put_str(&mut inverted, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME1");
        put_str(&mut inverted, tags::VOILUT_FUNCTION, VR::CS, "SIGMOID");
        put_str(&mut inverted, tags::WINDOW_CENTER, VR::DS, &format!("{}", max - center));
        let b = grey_from_object(&inverted).expect("mono1");
        let diff = a.data.iter().zip(&b.data).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
        assert!(diff < 1e-5, "max difference {diff}");
        // The sigmoid really was applied: it differs from the linear window somewhere.
        let linear = grey_from_object(&dicom_object(&generate_study(&small(), 5), view).expect("object")).expect("linear");
        assert!(linear.data.iter().zip(&a.data).any(|(x, y)| (x - y).abs() > 0.01));
    }

    #[test]
    fn missing_window_falls_back_to_min_max() {
        let study = generate_study(&small(), 6);
        let mut obj = dicom_object(&study, View::Rcc).expect("object");
        obj.remove_element(tags::WINDOW_CENTER);
        obj.remove_element(tags::WINDOW_WIDTH);
        let img = grey_from_object(&obj).expect("decode");
        let (lo, hi) = img.data.iter().fold((1f32, 0f32), |(l, h), &v| (l.min(v), h.max(v)));
        assert_eq!((lo, hi), (0.0, 1.0));
        put_str(&mut obj, tags::WINDOW_CENTER, VR::DS, "100");
        put_str(&mut obj, tags::WINDOW_WIDTH, VR::DS, "0");
        assert!(matches!(grey_from_object(&obj), Err(PixelError::InvalidWindow(_))));
    }

    #[test]
    fn jpeg2000_and_colour_are_typed_errors() {
        let study = generate_study(&small(), 7);
        let mut obj = dicom_object(&study, View::Lcc).expect("object").into_inner();
        let fragments = PixelFragmentSequence::new(Vec::<u32>::new(), vec![vec![0xFFu8, 0x4F, 0xFF, 0x51, 0, 0]]);
        obj.put(DataElement::new(tags::PIXEL_DATA, VR::OB, Value::from(fragments)));
        let j2k = obj
            .with_meta(
                FileMetaTableBuilder::new()
                    .transfer_syntax(uids::JPEG2000_LOSSLESS)
                    .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.1.2")
                    .media_storage_sop_instance_uid("2.25.1"),
            )
            .expect("meta");
        match grey_from_object(&j2k) {
            Err(PixelError::UnsupportedTransferSyntax { uid }) => assert_eq!(uid, uids::JPEG2000_LOSSLESS),
            other => panic!("expected an unsupported transfer syntax, got {other:?}"),
        }
        let mut rgb = dicom_object(&study, View::Lcc).expect("object");
        put_str(&mut rgb, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "RGB");
        assert!(matches!(grey_from_object(&rgb), Err(PixelError::Unsupported(_))));
        assert!(matches!(read_grey("/nonexistent/x.dcm"), Err(PixelError::Open { .. })));
    }

    #[test]
    fn to_u8_rounds_and_clamps() {
        let img = GreyImage::new(1, 3, vec![0.0, 0.5, 1.2]).expect("image");
        assert_eq!(img.to_u8(), vec![0, 128, 255]);
        assert!(GreyImage::new(2, 2, vec![0.0; 3]).is_err());
    }
}
