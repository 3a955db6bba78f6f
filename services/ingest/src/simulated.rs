//! The arrival event a PACS router would publish for a simulated study.

use mammoflow_dicom::WrittenStudy;
use mammoflow_events::{InstanceRef, StudyArrived};

pub fn arrival_for(study: &WrittenStudy) -> StudyArrived {
    StudyArrived {
        study_instance_uid: study.study_instance_uid.clone(),
        site: study.site.clone(),
        patient_key: study.patient_key.clone(),
        accession_number: Some(study.accession_number.clone()),
        instances: study
            .files
            .values()
            .map(|path| InstanceRef { uri: path.display().to_string(), sop_instance_uid: None })
            .collect(),
        source: Some("simulator".into()),
    }
}
