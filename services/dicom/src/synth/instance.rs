//! One synthetic view as a DICOM object: Digital Mammography X-Ray Image – For Presentation,
//! Explicit VR Little Endian, 16-bit MONOCHROME2, with the Type 1/2 attributes of the MG IOD.

use super::{SyntheticStudy, IMPLEMENTATION_CLASS_UID};
use crate::views::DM_FOR_PRESENTATION;
use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use mammoflow_domain::{Projection, View};

/// (code value, meaning) of the CID 4014 view codes used (SNOMED CT).
fn view_code(projection: Projection) -> (&'static str, &'static str) {
    match projection {
        Projection::Cc => ("399162004", "cranio-caudal"),
        Projection::Mlo => ("399368009", "medio-lateral oblique"),
    }
}

/// Row\column directions matching the phantom's layout (see `phantom`).
fn patient_orientation(view: View) -> [&'static str; 2] {
    match view {
        View::Lcc => ["A", "R"],
        View::Rcc => ["P", "L"],
        View::Lmlo => ["A", "FR"],
        View::Rmlo => ["P", "FL"],
    }
}

struct Builder(InMemDicomObject);

impl Builder {
    fn put(&mut self, tag: Tag, vr: VR, value: impl Into<PrimitiveValue>) {
        self.0.put(DataElement::new(tag, vr, value.into()));
    }

    fn strs(&mut self, tag: Tag, vr: VR, values: &[&str]) {
        let v = PrimitiveValue::Strs(values.iter().map(|s| s.to_string()).collect());
        self.0.put(DataElement::new(tag, vr, v));
    }

    fn empty(&mut self, tag: Tag, vr: VR) {
        self.0.put(DataElement::new(tag, vr, PrimitiveValue::Empty));
    }

    fn seq(&mut self, tag: Tag, items: Vec<InMemDicomObject>) {
        self.0.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
    }
}

fn code_item(value: &str, scheme: &str, meaning: &str) -> Builder {
    let mut item = Builder(InMemDicomObject::new_empty());
    item.put(tags::CODE_VALUE, VR::SH, value);
    item.put(tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme);
    item.put(tags::CODE_MEANING, VR::LO, meaning);
    item
}

fn decimal(v: f32) -> String {
    // DS is at most 16 characters; six decimals are plenty for spacing and windows.
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Builds the Part-10 object of `view`. The pixel bytes are copied into the object.
pub fn dicom_object(study: &SyntheticStudy, view: View) -> Result<DefaultDicomObject, String> {
    let ids = &study.ids;
    let image = study.images.get(&view).ok_or_else(|| format!("no image for {view}"))?;
    let uids_of_view = ids.views.get(&view).ok_or_else(|| format!("no UIDs for {view}"))?;
    let device = &ids.device;
    let laterality = view.laterality().dicom_code();
    let bits = device.bits_stored;
    let mut b = Builder(InMemDicomObject::new_empty());

    // SOP Common
    b.put(tags::SOP_CLASS_UID, VR::UI, DM_FOR_PRESENTATION);
    b.put(tags::SOP_INSTANCE_UID, VR::UI, uids_of_view.sop_instance_uid.as_str());
    b.put(tags::INSTANCE_CREATION_DATE, VR::DA, ids.study_date.as_str());
    b.put(tags::INSTANCE_CREATION_TIME, VR::TM, ids.study_time.as_str());
    // Patient (pseudonymous, clearly fake name)
    b.put(tags::PATIENT_NAME, VR::PN, ids.patient_name.as_str());
    b.put(tags::PATIENT_ID, VR::LO, ids.patient_key.as_str());
    b.empty(tags::PATIENT_BIRTH_DATE, VR::DA);
    b.put(tags::PATIENT_SEX, VR::CS, "F");
    b.put(tags::PATIENT_AGE, VR::AS, format!("{:03}Y", ids.patient_age));
    // General Study
    b.put(tags::STUDY_INSTANCE_UID, VR::UI, ids.study_instance_uid.as_str());
    b.put(tags::STUDY_DATE, VR::DA, ids.study_date.as_str());
    b.put(tags::STUDY_TIME, VR::TM, ids.study_time.as_str());
    b.empty(tags::REFERRING_PHYSICIAN_NAME, VR::PN);
    b.put(tags::STUDY_ID, VR::SH, ids.study_id.as_str());
    b.put(tags::ACCESSION_NUMBER, VR::SH, ids.accession_number.as_str());
    b.put(tags::STUDY_DESCRIPTION, VR::LO, "SCREENING MAMMOGRAPHY BILATERAL");
    // General Series, DX Series, Mammography Series
    b.put(tags::MODALITY, VR::CS, "MG");
    b.put(tags::SERIES_INSTANCE_UID, VR::UI, uids_of_view.series_instance_uid.as_str());
    b.put(tags::SERIES_NUMBER, VR::IS, format!("{}", uids_of_view.number));
    b.put(tags::SERIES_DATE, VR::DA, ids.study_date.as_str());
    b.put(tags::SERIES_TIME, VR::TM, ids.study_time.as_str());
    b.put(tags::SERIES_DESCRIPTION, VR::LO, view.code());
    b.put(tags::BODY_PART_EXAMINED, VR::CS, "BREAST");
    b.put(tags::PRESENTATION_INTENT_TYPE, VR::CS, "FOR PRESENTATION");
    // General Equipment, Enhanced General Equipment
    b.put(tags::MANUFACTURER, VR::LO, device.manufacturer.as_str());
    b.put(tags::INSTITUTION_NAME, VR::LO, ids.site.as_str());
    b.put(tags::STATION_NAME, VR::SH, device.station_name.as_str());
    b.put(tags::MANUFACTURER_MODEL_NAME, VR::LO, device.model.as_str());
    b.put(tags::DEVICE_SERIAL_NUMBER, VR::LO, device.serial_number.as_str());
    b.put(tags::SOFTWARE_VERSIONS, VR::LO, device.software_version.as_str());
    // General Image, DX Image, Mammography Image
    b.put(tags::INSTANCE_NUMBER, VR::IS, "1");
    b.strs(tags::PATIENT_ORIENTATION, VR::CS, &patient_orientation(view));
    b.put(tags::CONTENT_DATE, VR::DA, ids.study_date.as_str());
    b.put(tags::CONTENT_TIME, VR::TM, ids.study_time.as_str());
    b.put(tags::ACQUISITION_DATE, VR::DA, ids.study_date.as_str());
    b.put(tags::ACQUISITION_TIME, VR::TM, ids.study_time.as_str());
    b.strs(tags::IMAGE_TYPE, VR::CS, &["ORIGINAL", "PRIMARY", ""]);
    b.put(tags::BURNED_IN_ANNOTATION, VR::CS, "NO");
    b.put(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00");
    b.put(tags::PIXEL_INTENSITY_RELATIONSHIP, VR::CS, "LOG");
    b.put(tags::PIXEL_INTENSITY_RELATIONSHIP_SIGN, VR::SS, 1i16);
    b.put(tags::RESCALE_INTERCEPT, VR::DS, "0");
    b.put(tags::RESCALE_SLOPE, VR::DS, "1");
    b.put(tags::RESCALE_TYPE, VR::LO, "US");
    b.put(tags::PRESENTATION_LUT_SHAPE, VR::CS, "IDENTITY");
    b.put(tags::QUALITY_CONTROL_IMAGE, VR::CS, "NO");
    b.put(tags::IMAGE_LATERALITY, VR::CS, laterality);
    b.put(tags::ORGAN_EXPOSED, VR::CS, "BREAST");
    b.put(tags::POSITIONER_TYPE, VR::CS, "MAMMOGRAPHIC");
    b.put(tags::VIEW_POSITION, VR::CS, match view.projection() {
        Projection::Cc => "CC",
        Projection::Mlo => "MLO",
    });
    b.put(tags::BREAST_IMPLANT_PRESENT, VR::CS, "NO");
    b.put(tags::PARTIAL_VIEW, VR::CS, "NO");
    let (code, meaning) = view_code(view.projection());
    let mut view_item = code_item(code, "SCT", meaning);
    view_item.seq(tags::VIEW_MODIFIER_CODE_SEQUENCE, vec![]);
    b.seq(tags::VIEW_CODE_SEQUENCE, vec![view_item.0]);
    // DX Anatomy Imaged
    b.seq(tags::ANATOMIC_REGION_SEQUENCE, vec![code_item("76752008", "SCT", "Breast").0]);
    // DX Detector
    let spacing = decimal(study.mm_per_pixel);
    b.put(tags::DETECTOR_TYPE, VR::CS, "DIRECT");
    b.strs(tags::IMAGER_PIXEL_SPACING, VR::DS, &[&spacing, &spacing]);
    b.strs(tags::PIXEL_SPACING, VR::DS, &[&spacing, &spacing]);
    b.put(tags::PIXEL_SPACING_CALIBRATION_TYPE, VR::CS, "GEOMETRY");
    b.put(tags::PIXEL_SPACING_CALIBRATION_DESCRIPTION, VR::LO, "synthetic phantom, no magnification");
    b.put(tags::ESTIMATED_RADIOGRAPHIC_MAGNIFICATION_FACTOR, VR::DS, "1");
    // Acquisition Context (Type 2, empty)
    b.seq(tags::ACQUISITION_CONTEXT_SEQUENCE, vec![]);
    // VOI LUT: a window over the tissue range of the phantom.
    let max = f32::from(image.max_value);
    b.put(tags::WINDOW_CENTER, VR::DS, decimal((0.42 * max).round()));
    b.put(tags::WINDOW_WIDTH, VR::DS, decimal((0.72 * max).round()));
    b.put(tags::VOILUT_FUNCTION, VR::CS, "LINEAR");
    // Image Pixel
    b.put(tags::SAMPLES_PER_PIXEL, VR::US, 1u16);
    b.put(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    b.put(tags::ROWS, VR::US, image.rows);
    b.put(tags::COLUMNS, VR::US, image.cols);
    b.put(tags::BITS_ALLOCATED, VR::US, 16u16);
    b.put(tags::BITS_STORED, VR::US, bits);
    b.put(tags::HIGH_BIT, VR::US, bits - 1);
    b.put(tags::PIXEL_REPRESENTATION, VR::US, 0u16);
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|p| p.to_le_bytes()).collect();
    b.put(tags::PIXEL_DATA, VR::OW, bytes);

    b.0.with_meta(
        FileMetaTableBuilder::new()
            .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
            .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
            .implementation_version_name("MAMMOFLOW_01"),
    )
    .map_err(|e| e.to_string())
}
