//! Reading the routing-relevant header of a DICOM Part-10 file without touching its pixels.

use crate::scan::{scan, ScanError};
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::{InMemDicomObject, OpenFileOptions, Tag};
use mammoflow_domain::{DicomUid, UidError};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Explicit bounds on what one header read may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderLimits {
    /// Files larger than this are refused without reading them.
    pub max_file_bytes: u64,
    /// Bytes read from the start of the file (preamble included) to find the Pixel Data
    /// element; a header that does not end within them is refused.
    pub max_header_bytes: usize,
}

impl Default for HeaderLimits {
    /// 1 GiB files (a full-field mammogram is ~17 MB; tomosynthesis stacks are larger) and
    /// 4 MiB headers (vendors' private blocks rarely exceed a few hundred KB).
    fn default() -> Self {
        HeaderLimits { max_file_bytes: 1 << 30, max_header_bytes: 4 << 20 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DicomReadError {
    #[error("file not found: {}", .0.display())]
    NotFound(PathBuf),
    #[error("not a regular file: {}", .0.display())]
    NotAFile(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("not a DICOM Part-10 file: {0}")]
    NotDicom(&'static str),
    #[error("truncated DICOM file: {0}")]
    Truncated(String),
    #[error("file is {size} bytes; the limit is {limit}")]
    FileTooLarge { size: u64, limit: u64 },
    #[error("DICOM header does not end within the first {limit} bytes (limit)")]
    HeaderTooLarge { limit: usize },
    #[error("unsupported transfer syntax {0}")]
    UnsupportedTransferSyntax(String),
    #[error("malformed DICOM header: {0}")]
    Malformed(String),
    #[error("missing required attribute {name} {tag}")]
    MissingAttribute { name: &'static str, tag: Tag },
    #[error("invalid {name}: {source}")]
    InvalidUid { name: &'static str, source: UidError },
}

/// A coded entry (Code Value, Coding Scheme Designator, Code Meaning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodedValue {
    pub value: String,
    pub scheme: String,
    pub meaning: Option<String>,
}

/// What routing and monitoring need from one instance. Text values are trimmed; empty or
/// absent optional attributes are `None` (or an empty list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceHeader {
    pub sop_class_uid: DicomUid,
    pub sop_instance_uid: DicomUid,
    pub study_instance_uid: DicomUid,
    pub series_instance_uid: DicomUid,
    pub transfer_syntax: String,
    pub modality: String,
    pub presentation_intent_type: Option<String>,
    pub image_laterality: Option<String>,
    pub series_laterality: Option<String>,
    /// From the top level or the shared functional groups of an enhanced object.
    pub frame_laterality: Option<String>,
    pub view_code: Option<CodedValue>,
    /// A View Modifier Code Sequence item exists (nested in the view code item or top level).
    pub view_modifier_present: bool,
    pub view_modifier_codes: Vec<CodedValue>,
    pub view_position: Option<String>,
    pub image_type: Vec<String>,
    pub patient_orientation: Vec<String>,
    pub manufacturer: Option<String>,
    pub manufacturer_model_name: Option<String>,
    pub software_versions: Vec<String>,
    pub device_serial_number: Option<String>,
    pub station_name: Option<String>,
    pub institution_name: Option<String>,
    pub patient_id: Option<String>,
    pub patient_age: Option<String>,
    pub accession_number: Option<String>,
    pub study_date: Option<String>,
    pub body_part_examined: Option<String>,
    pub breast_implant_present: Option<bool>,
    pub partial_view: Option<bool>,
    pub instance_number: Option<i32>,
    /// AcquisitionDateTime, else AcquisitionDate + AcquisitionTime (for picking retakes).
    pub acquisition_datetime: Option<String>,
    pub rows: Option<u16>,
    pub columns: Option<u16>,
    pub bits_allocated: Option<u16>,
    pub bits_stored: Option<u16>,
    pub photometric_interpretation: Option<String>,
    pub window_center: Option<f64>,
    pub window_width: Option<f64>,
}

/// Reads the header of the file at `path`, up to (never including) Pixel Data.
pub fn read_header(path: impl AsRef<Path>, limits: &HeaderLimits) -> Result<InstanceHeader, DicomReadError> {
    let path = path.as_ref();
    let io_err = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::NotFound => DicomReadError::NotFound(path.to_path_buf()),
        _ => DicomReadError::Io { path: path.to_path_buf(), source },
    };
    let meta = std::fs::metadata(path).map_err(io_err)?;
    if !meta.is_file() {
        return Err(DicomReadError::NotAFile(path.to_path_buf()));
    }
    if meta.len() > limits.max_file_bytes {
        return Err(DicomReadError::FileTooLarge { size: meta.len(), limit: limits.max_file_bytes });
    }
    let file = std::fs::File::open(path).map_err(io_err)?;
    let mut prefix = Vec::with_capacity(limits.max_header_bytes.min(meta.len() as usize));
    file.take(limits.max_header_bytes as u64).read_to_end(&mut prefix).map_err(io_err)?;
    parse(&prefix, meta.len())
}

/// Reads a header from an in-memory Part-10 file (preamble included). The same limits and
/// checks as [`read_header`]; meant for fuzzing and for objects fetched over the network.
pub fn read_header_bytes(bytes: &[u8], limits: &HeaderLimits) -> Result<InstanceHeader, DicomReadError> {
    let size = bytes.len() as u64;
    if size > limits.max_file_bytes {
        return Err(DicomReadError::FileTooLarge { size, limit: limits.max_file_bytes });
    }
    parse(&bytes[..bytes.len().min(limits.max_header_bytes)], size)
}

/// `prefix` is the start of a file of `file_size` bytes.
fn parse(prefix: &[u8], file_size: u64) -> Result<InstanceHeader, DicomReadError> {
    let holds_whole_file = prefix.len() as u64 >= file_size;
    let extent = scan(prefix).map_err(|e| match e {
        ScanError::NotDicom(why) => DicomReadError::NotDicom(why),
        ScanError::NeedMore { at, needed } if holds_whole_file || at as u64 + needed > file_size => {
            DicomReadError::Truncated(format!("the header {e}, past the end of the file"))
        }
        ScanError::NeedMore { .. } => DicomReadError::HeaderTooLarge { limit: prefix.len() },
        ScanError::UnsupportedTransferSyntax(ts) => DicomReadError::UnsupportedTransferSyntax(ts),
        ScanError::Malformed(why) => DicomReadError::Malformed(why),
    })?;
    if let Some(px) = extent.pixel_data {
        if let Some(len) = px.length {
            let end = px.value_start as u64 + u64::from(len);
            if end > file_size {
                return Err(DicomReadError::Truncated(format!(
                    "Pixel Data declares {len} bytes but the file ends {} bytes early",
                    end - file_size
                )));
            }
        }
    }
    // The scan proved every length in this slice; decode exactly the header bytes.
    let obj = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Never)
        .read_until(tags::PIXEL_DATA)
        .from_reader(&prefix[128..extent.header_end])
        .map_err(|e| DicomReadError::Malformed(e.to_string()))?;
    let header = extract(&obj, extent.transfer_syntax)?;
    check_pixel_length(&header, &obj, extent.pixel_data.and_then(|p| p.length))?;
    Ok(header)
}

/// Native pixel data shorter than Rows × Columns × samples × frames cannot be displayed.
fn check_pixel_length(h: &InstanceHeader, obj: &InMemDicomObject, declared: Option<u32>) -> Result<(), DicomReadError> {
    let native = matches!(h.transfer_syntax.as_str(), "1.2.840.10008.1.2" | "1.2.840.10008.1.2.1");
    let (Some(len), Some(rows), Some(cols), Some(bits), true) =
        (declared, h.rows, h.columns, h.bits_allocated, native)
    else {
        return Ok(());
    };
    let samples = uint(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
    let frames = text(obj, tags::NUMBER_OF_FRAMES).and_then(|f| f.parse::<u64>().ok()).unwrap_or(1);
    let expected = u64::from(rows) * u64::from(cols) * u64::from(samples) * frames * u64::from(bits) / 8;
    if u64::from(len) < expected {
        return Err(DicomReadError::Truncated(format!(
            "Pixel Data holds {len} bytes; {rows}x{cols}x{bits} bits needs {expected}"
        )));
    }
    Ok(())
}

fn extract(obj: &InMemDicomObject, transfer_syntax: String) -> Result<InstanceHeader, DicomReadError> {
    let view_item = obj.get(tags::VIEW_CODE_SEQUENCE).and_then(|e| e.items()).and_then(|i| i.first());
    // The IOD nests the modifier sequence inside the view code item; some writers put it at
    // the top level, so both count.
    let modifier_items: Vec<&InMemDicomObject> = view_item
        .into_iter()
        .chain(std::iter::once(obj))
        .filter_map(|o| o.get(tags::VIEW_MODIFIER_CODE_SEQUENCE).and_then(|e| e.items()))
        .flatten()
        .collect();
    let frame_laterality = text(obj, tags::FRAME_LATERALITY).or_else(|| {
        let shared = obj.get(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE)?.items()?.first()?;
        let anatomy = shared.get(tags::FRAME_ANATOMY_SEQUENCE)?.items()?.first()?;
        text(anatomy, tags::FRAME_LATERALITY)
    });
    let acquisition_datetime = text(obj, tags::ACQUISITION_DATE_TIME).or_else(|| {
        let date = text(obj, tags::ACQUISITION_DATE)?;
        Some(date + &text(obj, tags::ACQUISITION_TIME).unwrap_or_default())
    });
    Ok(InstanceHeader {
        sop_class_uid: uid(obj, tags::SOP_CLASS_UID, "SOPClassUID")?,
        sop_instance_uid: uid(obj, tags::SOP_INSTANCE_UID, "SOPInstanceUID")?,
        study_instance_uid: uid(obj, tags::STUDY_INSTANCE_UID, "StudyInstanceUID")?,
        series_instance_uid: uid(obj, tags::SERIES_INSTANCE_UID, "SeriesInstanceUID")?,
        transfer_syntax,
        modality: text(obj, tags::MODALITY)
            .ok_or(DicomReadError::MissingAttribute { name: "Modality", tag: tags::MODALITY })?,
        presentation_intent_type: text(obj, tags::PRESENTATION_INTENT_TYPE),
        image_laterality: text(obj, tags::IMAGE_LATERALITY),
        series_laterality: text(obj, tags::LATERALITY),
        frame_laterality,
        view_code: view_item.and_then(coded),
        view_modifier_present: !modifier_items.is_empty(),
        view_modifier_codes: modifier_items.into_iter().filter_map(coded).collect(),
        view_position: text(obj, tags::VIEW_POSITION),
        image_type: multi(obj, tags::IMAGE_TYPE),
        patient_orientation: multi(obj, tags::PATIENT_ORIENTATION),
        manufacturer: text(obj, tags::MANUFACTURER),
        manufacturer_model_name: text(obj, tags::MANUFACTURER_MODEL_NAME),
        software_versions: multi(obj, tags::SOFTWARE_VERSIONS),
        device_serial_number: text(obj, tags::DEVICE_SERIAL_NUMBER),
        station_name: text(obj, tags::STATION_NAME),
        institution_name: text(obj, tags::INSTITUTION_NAME),
        patient_id: text(obj, tags::PATIENT_ID),
        patient_age: text(obj, tags::PATIENT_AGE),
        accession_number: text(obj, tags::ACCESSION_NUMBER),
        study_date: text(obj, tags::STUDY_DATE),
        body_part_examined: text(obj, tags::BODY_PART_EXAMINED),
        breast_implant_present: yes_no(obj, tags::BREAST_IMPLANT_PRESENT),
        partial_view: yes_no(obj, tags::PARTIAL_VIEW),
        instance_number: text(obj, tags::INSTANCE_NUMBER).and_then(|v| v.parse().ok()),
        acquisition_datetime,
        rows: uint(obj, tags::ROWS),
        columns: uint(obj, tags::COLUMNS),
        bits_allocated: uint(obj, tags::BITS_ALLOCATED),
        bits_stored: uint(obj, tags::BITS_STORED),
        photometric_interpretation: text(obj, tags::PHOTOMETRIC_INTERPRETATION),
        window_center: first_number(obj, tags::WINDOW_CENTER),
        window_width: first_number(obj, tags::WINDOW_WIDTH),
    })
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let value = obj.get(tag)?.to_str().ok()?;
    let trimmed = value.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn multi(obj: &InMemDicomObject, tag: Tag) -> Vec<String> {
    obj.get(tag)
        .and_then(|e| e.to_multi_str().ok())
        .map(|vals| vals.iter().map(|v| v.trim_matches(|c: char| c == '\0' || c.is_whitespace()).to_string()).collect())
        .unwrap_or_default()
}

fn uint(obj: &InMemDicomObject, tag: Tag) -> Option<u16> {
    obj.get(tag)?.to_int::<u16>().ok()
}

fn first_number(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    multi(obj, tag).first()?.parse().ok()
}

fn uid(obj: &InMemDicomObject, tag: Tag, name: &'static str) -> Result<DicomUid, DicomReadError> {
    let value = text(obj, tag).ok_or(DicomReadError::MissingAttribute { name, tag })?;
    DicomUid::new(value).map_err(|source| DicomReadError::InvalidUid { name, source })
}

/// YES/NO flags; any other value is treated as absent, because these attributes only
/// refine routing and must not make an otherwise readable file unreadable.
fn yes_no(obj: &InMemDicomObject, tag: Tag) -> Option<bool> {
    match text(obj, tag).as_deref() {
        Some("YES") => Some(true),
        Some("NO") => Some(false),
        _ => None,
    }
}

fn coded(item: &InMemDicomObject) -> Option<CodedValue> {
    let value = text(item, tags::CODE_VALUE).or_else(|| text(item, tags::LONG_CODE_VALUE))?;
    Some(CodedValue {
        value,
        scheme: text(item, tags::CODING_SCHEME_DESIGNATOR).unwrap_or_default(),
        meaning: text(item, tags::CODE_MEANING),
    })
}
