use super::{check_study_identity, check_text};
use crate::Event;
use mammoflow_domain::DicomUid;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `mammo.study.arrived.v1`: a study's objects are stored and can be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StudyArrived {
    pub study_instance_uid: DicomUid,
    /// Screening site (unit) code.
    pub site: String,
    /// Pseudonymous patient key (never a name or a national identifier).
    pub patient_key: String,
    #[serde(default)]
    pub accession_number: Option<String>,
    /// Every object of the study as pushed; ingest picks the four standard views.
    pub instances: Vec<InstanceRef>,
    /// Where the event came from (`pacs-router`, `orthanc`, `simulator`).
    #[serde(default)]
    pub source: Option<String>,
}

/// Where one DICOM object can be read: a path, a `file://` URI or a DICOMweb URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstanceRef {
    pub uri: String,
    #[serde(default)]
    pub sop_instance_uid: Option<DicomUid>,
}

impl StudyArrived {
    pub const MAX_INSTANCES: usize = 64;
    pub const MAX_URI_BYTES: usize = 2048;
}

impl Event for StudyArrived {
    const TYPE: &'static str = "mammo.study.arrived";
    const VERSION: u32 = 1;

    fn key(&self) -> &str {
        self.study_instance_uid.as_str()
    }

    fn validate(&self) -> Result<(), String> {
        check_study_identity(&self.site, &self.patient_key)?;
        if let Some(accession) = &self.accession_number {
            check_text("accession_number", accession, 64)?;
        }
        if self.instances.is_empty() {
            return Err("instances is empty".into());
        }
        if self.instances.len() > Self::MAX_INSTANCES {
            return Err(format!(
                "{} instances; the limit is {}",
                self.instances.len(),
                Self::MAX_INSTANCES
            ));
        }
        for instance in &self.instances {
            check_text("instance uri", &instance.uri, Self::MAX_URI_BYTES)?;
        }
        Ok(())
    }
}
