use super::check_study_identity;
use crate::Event;
use mammoflow_domain::{DicomUid, View};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `mammo.study.ready.v1`: ingest stored the study. Eligible studies carry the four standard
/// views; ineligible ones carry the reasons and still flow on so a human reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StudyReady {
    pub study_instance_uid: DicomUid,
    pub site: String,
    pub patient_key: String,
    pub eligibility: Eligibility,
    /// The chosen instance per standard view (all four when eligible).
    pub views: Vec<ViewRef>,
    #[serde(default)]
    pub manufacturer: Option<String>,
    #[serde(default)]
    pub manufacturer_model: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Eligibility {
    Eligible,
    /// Not fit for the model; routed to a full human read with these reasons.
    Ineligible { reasons: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewRef {
    pub view: View,
    pub sop_instance_uid: DicomUid,
    pub uri: String,
}

impl Event for StudyReady {
    const TYPE: &'static str = "mammo.study.ready";
    const VERSION: u32 = 1;

    fn key(&self) -> &str {
        self.study_instance_uid.as_str()
    }

    fn validate(&self) -> Result<(), String> {
        check_study_identity(&self.site, &self.patient_key)?;
        match &self.eligibility {
            Eligibility::Eligible => {
                let mut views: Vec<View> = self.views.iter().map(|v| v.view).collect();
                views.sort();
                if views != View::ALL {
                    return Err("an eligible study needs exactly one RCC, LCC, RMLO and LMLO".into());
                }
            }
            Eligibility::Ineligible { reasons } if reasons.is_empty() => {
                return Err("an ineligible study needs at least one reason".into());
            }
            Eligibility::Ineligible { .. } => {}
        }
        Ok(())
    }
}
