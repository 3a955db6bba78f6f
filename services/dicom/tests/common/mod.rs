//! Shared helpers: small synthetic studies and header variants written to disk.
#![allow(dead_code)]

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use mammoflow_dicom::synth::{dicom_object, generate_study, SimulationOptions, SyntheticStudy};
use mammoflow_dicom::{read_header, HeaderLimits, InstanceHeader};
use mammoflow_domain::View;
use std::path::{Path, PathBuf};

pub fn small_options() -> SimulationOptions {
    SimulationOptions { rows: 256, cols: 208, ..SimulationOptions::default() }
}

pub fn study(index: u64) -> SyntheticStudy {
    generate_study(&small_options(), index)
}

/// Writes `view` of `study` after `mutate` to `dir/name.dcm` and returns the path.
pub fn write_variant(dir: &Path, name: &str, study: &SyntheticStudy, view: View, mutate: impl FnOnce(&mut InMemDicomObject)) -> PathBuf {
    let mut obj = dicom_object(study, view).expect("build object");
    mutate(&mut obj);
    let path = dir.join(format!("{name}.dcm"));
    obj.write_to_file(&path).expect("write variant");
    path
}

pub fn header_of(path: &Path) -> InstanceHeader {
    read_header(path, &HeaderLimits::default()).expect("readable header")
}

/// Headers of the four standard views, unmodified.
pub fn four_headers(dir: &Path, study: &SyntheticStudy) -> Vec<InstanceHeader> {
    View::ALL.iter().map(|v| header_of(&write_variant(dir, v.code(), study, *v, |_| {}))).collect()
}

pub fn set_str(obj: &mut InMemDicomObject, tag: dicom_core::Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

pub fn code_item(value: &str, scheme: &str, meaning: &str) -> InMemDicomObject {
    let mut item = InMemDicomObject::new_empty();
    set_str(&mut item, tags::CODE_VALUE, VR::SH, value);
    set_str(&mut item, tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme);
    set_str(&mut item, tags::CODE_MEANING, VR::LO, meaning);
    item
}

/// Replaces the View Code Sequence with one item, optionally carrying a view modifier.
pub fn set_view_code(obj: &mut InMemDicomObject, value: &str, scheme: &str, modifier: Option<InMemDicomObject>) {
    let mut item = code_item(value, scheme, "view");
    let modifiers: Vec<InMemDicomObject> = modifier.into_iter().collect();
    item.put(DataElement::new(tags::VIEW_MODIFIER_CODE_SEQUENCE, VR::SQ, DataSetSequence::from(modifiers)));
    obj.put(DataElement::new(tags::VIEW_CODE_SEQUENCE, VR::SQ, DataSetSequence::from(vec![item])));
}
