//! The structured BI-RADS report: one contract for the parser's output, the simulator's ground
//! truth (`truth.json`) and the triage engine's input.

use crate::{BiRads, Density, Side};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A value stated for the exam as a whole and for each breast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PerBreast<T> {
    pub overall: Option<T>,
    pub left: Option<T>,
    pub right: Option<T>,
}

impl<T> Default for PerBreast<T> {
    fn default() -> Self {
        PerBreast { overall: None, left: None, right: None }
    }
}

impl<T: Clone> PerBreast<T> {
    /// The value that applies to one breast: its own, else the exam-level statement (a report
    /// that says "the breasts are heterogeneously dense" states it for both).
    pub fn for_side(&self, side: crate::Laterality) -> Option<T> {
        match side {
            crate::Laterality::Left => self.left.clone().or_else(|| self.overall.clone()),
            crate::Laterality::Right => self.right.clone().or_else(|| self.overall.clone()),
        }
    }
}

impl PerBreast<BiRads> {
    /// The stated overall category, else the more severe of the two sides.
    pub fn exam_category(&self) -> Option<BiRads> {
        self.overall.or(match (self.left, self.right) {
            (Some(l), Some(r)) => Some(l.most_severe(r)),
            (l, r) => l.or(r),
        })
    }
}

/// Finding types: the BI-RADS lexicon plus MammoRGTool's types without a BI-RADS twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingType {
    Mass,
    Calcification,
    Asymmetry,
    ArchitecturalDistortion,
    /// Abnormal axillary lymph node (adenopathy).
    LymphNode,
    IntramammaryLymphNode,
    SkinThickening,
    SkinRetraction,
    NippleRetraction,
    TrabecularThickening,
    SkinLesion,
    SolitaryDilatedDuct,
    Implant,
    PostSurgicalChange,
    /// MammoRGTool's "nodule" (结节): no BI-RADS twin.
    Nodule,
    /// MammoRGTool's "breast hyperplasia" (增生): no BI-RADS twin.
    BreastHyperplasia,
}

impl FindingType {
    pub const ALL: [FindingType; 16] = [
        FindingType::Mass,
        FindingType::Calcification,
        FindingType::Asymmetry,
        FindingType::ArchitecturalDistortion,
        FindingType::LymphNode,
        FindingType::IntramammaryLymphNode,
        FindingType::SkinThickening,
        FindingType::SkinRetraction,
        FindingType::NippleRetraction,
        FindingType::TrabecularThickening,
        FindingType::SkinLesion,
        FindingType::SolitaryDilatedDuct,
        FindingType::Implant,
        FindingType::PostSurgicalChange,
        FindingType::Nodule,
        FindingType::BreastHyperplasia,
    ];

    /// The snake_case name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            FindingType::Mass => "mass",
            FindingType::Calcification => "calcification",
            FindingType::Asymmetry => "asymmetry",
            FindingType::ArchitecturalDistortion => "architectural_distortion",
            FindingType::LymphNode => "lymph_node",
            FindingType::IntramammaryLymphNode => "intramammary_lymph_node",
            FindingType::SkinThickening => "skin_thickening",
            FindingType::SkinRetraction => "skin_retraction",
            FindingType::NippleRetraction => "nipple_retraction",
            FindingType::TrabecularThickening => "trabecular_thickening",
            FindingType::SkinLesion => "skin_lesion",
            FindingType::SolitaryDilatedDuct => "solitary_dilated_duct",
            FindingType::Implant => "implant",
            FindingType::PostSurgicalChange => "post_surgical_change",
            FindingType::Nodule => "nodule",
            FindingType::BreastHyperplasia => "breast_hyperplasia",
        }
    }
}

/// Whether the report asserts, denies or hedges a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FindingStatus {
    Positive,
    Negative,
    Uncertain,
}

/// One finding of a report. Descriptors and locations are canonical lexicon terms in
/// snake_case ("irregular", "spiculated", "upper_outer_quadrant", "clock_10", "posterior_depth").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    #[serde(rename = "type")]
    pub finding_type: FindingType,
    pub side: Option<Side>,
    pub status: FindingStatus,
    #[serde(default)]
    pub descriptors: Vec<String>,
    #[serde(default)]
    pub locations: Vec<String>,
    #[serde(default)]
    pub size_mm: Option<f32>,
    /// Character span `[start, end)` of the evidence in the source text (parser output only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<[usize; 2]>,
}

/// What the report recommends next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationAction {
    RoutineScreening,
    ShortIntervalFollowUp,
    AdditionalImaging,
    Biopsy,
    SurgicalConsultation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Recommendation {
    pub action: Option<RecommendationAction>,
    pub interval_months: Option<u32>,
    /// The recommendation does not fit the assessment (e.g. BI-RADS 4 with routine screening).
    #[serde(default)]
    pub discordant: bool,
}

/// The clinical content of a report, whoever wrote it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct StructuredReport {
    pub birads: PerBreast<BiRads>,
    pub density: PerBreast<Density>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub recommendation: Option<Recommendation>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exam_category_combines_sides_by_severity() {
        let b = PerBreast { overall: None, left: Some(BiRads::Benign), right: Some(BiRads::Incomplete) };
        assert_eq!(b.exam_category(), Some(BiRads::Incomplete));
        let stated = PerBreast { overall: Some(BiRads::Benign), ..b };
        assert_eq!(stated.exam_category(), Some(BiRads::Benign));
        assert_eq!(PerBreast::<BiRads>::default().exam_category(), None);
    }

    #[test]
    fn finding_json_uses_contract_names() {
        let f = Finding {
            finding_type: FindingType::ArchitecturalDistortion,
            side: Some(Side::Right),
            status: FindingStatus::Positive,
            descriptors: vec![],
            locations: vec!["upper_outer_quadrant".into()],
            size_mm: None,
            span: None,
        };
        let json = serde_json::to_value(&f).unwrap_or_default();
        assert_eq!(json["type"], "architectural_distortion");
        assert_eq!(json["side"], "right");
        assert_eq!(json["status"], "positive");
        for t in FindingType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap_or_default(), t.name());
        }
    }
}
