//! Damaged, foreign and oversized inputs give clear, typed errors.

mod common;

use common::{study, write_variant};
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use mammoflow_dicom::{read_header, read_header_bytes, DicomReadError, HeaderLimits};
use mammoflow_domain::View;

fn generated(dir: &std::path::Path) -> Vec<u8> {
    std::fs::read(write_variant(dir, "ok", &study(0), View::Rcc, |_| {})).expect("read")
}

#[test]
fn truncated_file_in_pixels_or_header_is_reported_as_truncated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = generated(dir.path());
    let limits = HeaderLimits::default();
    assert!(read_header_bytes(&bytes, &limits).is_ok());
    for cut in [bytes.len() - 1, bytes.len() / 2, 700, 200] {
        let path = dir.path().join(format!("cut{cut}.dcm"));
        std::fs::write(&path, &bytes[..cut]).expect("write");
        let err = read_header(&path, &limits).expect_err("truncated");
        assert!(matches!(err, DicomReadError::Truncated(_)), "cut at {cut}: {err}");
        assert!(err.to_string().starts_with("truncated DICOM file"), "{err}");
    }
}

#[test]
fn non_dicom_and_missing_files_are_named_as_such() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.txt");
    std::fs::write(&path, "BI-RADS 1: Negative. ".repeat(20)).expect("write");
    let err = read_header(&path, &HeaderLimits::default()).expect_err("not DICOM");
    assert!(matches!(err, DicomReadError::NotDicom(_)), "{err}");
    assert_eq!(err.to_string(), "not a DICOM Part-10 file: no DICM prefix after the 128-byte preamble");

    let short = read_header_bytes(b"DICM", &HeaderLimits::default()).expect_err("too short");
    assert!(matches!(short, DicomReadError::NotDicom(_)));

    let missing = read_header(dir.path().join("nope.dcm"), &HeaderLimits::default()).expect_err("missing");
    assert!(matches!(missing, DicomReadError::NotFound(_)), "{missing}");
    let folder = read_header(dir.path(), &HeaderLimits::default()).expect_err("folder");
    assert!(matches!(folder, DicomReadError::NotAFile(_)), "{folder}");
}

#[test]
fn huge_header_over_the_limit_is_rejected_without_reading_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A 3 MiB private OB element before Pixel Data.
    let path = write_variant(dir.path(), "huge", &study(0), View::Rcc, |o| {
        o.put(DataElement::new(Tag(0x0009, 0x0010), VR::LO, PrimitiveValue::from("MAMMOFLOW TEST")));
        o.put(DataElement::new(Tag(0x0009, 0x1001), VR::OB, PrimitiveValue::from(vec![7u8; 3 << 20])));
    });
    let limits = HeaderLimits { max_header_bytes: 1 << 20, ..HeaderLimits::default() };
    let err = read_header(&path, &limits).expect_err("over the limit");
    assert!(matches!(err, DicomReadError::HeaderTooLarge { limit } if limit == 1 << 20), "{err}");
    // With a generous limit the same file is fine.
    assert!(read_header(&path, &HeaderLimits::default()).is_ok());
}

#[test]
fn a_bogus_4_gib_element_length_is_truncation_not_an_allocation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = generated(dir.path());
    // Rewrite the 32-bit length of the Pixel Data element (explicit VR: tag, "OW", 2 reserved).
    let at = bytes.windows(6).rposition(|w| w == [0xE0, 0x7F, 0x10, 0x00, b'O', b'W']).expect("pixel data");
    bytes[at + 8..at + 12].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let err = read_header_bytes(&bytes, &HeaderLimits::default()).expect_err("bogus length");
    assert!(matches!(err, DicomReadError::Truncated(_)), "{err}");
}

#[test]
fn file_over_the_size_limit_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_variant(dir.path(), "big", &study(0), View::Rcc, |_| {});
    let limits = HeaderLimits { max_file_bytes: 1000, ..HeaderLimits::default() };
    let err = read_header(&path, &limits).expect_err("too large");
    assert!(matches!(err, DicomReadError::FileTooLarge { limit: 1000, .. }), "{err}");
}

#[test]
fn missing_required_attribute_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_variant(dir.path(), "nomod", &study(0), View::Rcc, |o| {
        o.remove_element(dicom_dictionary_std::tags::MODALITY);
    });
    let err = read_header(&path, &HeaderLimits::default()).expect_err("no modality");
    assert!(matches!(err, DicomReadError::MissingAttribute { name: "Modality", .. }), "{err}");
}

#[test]
fn arbitrary_prefixes_and_bit_flips_never_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = generated(dir.path());
    let header_len = 1400.min(bytes.len());
    let limits = HeaderLimits::default();
    let mut state = 0x1234_5678_u64;
    for _ in 0..400 {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut copy = bytes[..header_len + 64].to_vec();
        let at = 132 + (state >> 33) as usize % (header_len - 132);
        copy[at] ^= 1 << ((state >> 20) % 8);
        let _ = read_header_bytes(&copy, &limits);
    }
}
