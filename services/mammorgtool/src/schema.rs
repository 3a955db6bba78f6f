//! The official MammoRGTool output shape (`reference/mammorg.md` §12), so results compare with
//! the paper's tooling: per breast a density, a BI-RADS category and the 10 entity states
//! (POS/NEG/UNC/BLA), plus (finding, relation, object) triples over the official value sets.
//!
//! Conventions of the conversion (documented because MammoRGTool reads Chinese text and we
//! map from the structured report, whose identifiers are English whatever the report's
//! language; a Chinese report's descriptors come back as the official terms, e.g.
//! 毛刺 → spiculated → 毛刺影):
//! - a side's value is its own, else the exam value (density always; BI-RADS only when
//!   neither side has one);
//! - a bare "4" has no official class and becomes BLA, as in MammoRGTool;
//! - an unsided finding counts for both breasts;
//! - `Suggestive_of` links each positive finding to its breast's category (MammoRGTool takes
//!   it from an impression sentence naming both; our structured report has no sentences).

mod kg;

use mammoflow_domain::{BiRads, Density, FindingStatus, FindingType, Side, StructuredReport};
use serde::{Deserialize, Serialize};

pub use kg::{allowed, Relation};

pub const BLA: &str = "BLA";
/// Official finding order (`mammorg/llava/constants.py`).
pub const FINDINGS_ZH: [&str; 10] = ["钙化", "肿块", "乳腺增生", "皮肤增厚", "淋巴结肿大", "乳头凹陷", "结构扭曲", "悬韧带增粗", "结节", "结构不对称"];
pub const DENSITY_ZH: [&str; 4] = ["脂肪型", "纤维腺体型", "不均匀致密型", "致密型"];
/// Official BI-RADS classes; a bare 4 is not one of them.
pub const BIRADS_CLASSES: [&str; 9] = ["BI-RADS 0", "BI-RADS 1", "BI-RADS 2", "BI-RADS 3", "BI-RADS 4A", "BI-RADS 4B", "BI-RADS 4C", "BI-RADS 5", "BI-RADS 6"];

/// Entity state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum State {
    #[serde(rename = "POS")]
    Pos,
    #[serde(rename = "NEG")]
    Neg,
    #[serde(rename = "UNC")]
    Unc,
    #[default]
    #[serde(rename = "BLA")]
    Bla,
}

/// The 10 entities in official order, keyed by their Chinese names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Entities {
    #[serde(rename = "钙化", default)]
    pub calcification: State,
    #[serde(rename = "肿块", default)]
    pub mass: State,
    #[serde(rename = "乳腺增生", default)]
    pub hyperplasia: State,
    #[serde(rename = "皮肤增厚", default)]
    pub skin_thickening: State,
    #[serde(rename = "淋巴结肿大", default)]
    pub lymph_node: State,
    #[serde(rename = "乳头凹陷", default)]
    pub nipple_retraction: State,
    #[serde(rename = "结构扭曲", default)]
    pub distortion: State,
    #[serde(rename = "悬韧带增粗", default)]
    pub cooper_ligaments: State,
    #[serde(rename = "结节", default)]
    pub nodule: State,
    #[serde(rename = "结构不对称", default)]
    pub asymmetry: State,
}

impl Entities {
    /// States in official order.
    pub fn states(&self) -> [State; 10] {
        [self.calcification, self.mass, self.hyperplasia, self.skin_thickening, self.lymph_node, self.nipple_retraction, self.distortion, self.cooper_ligaments, self.nodule, self.asymmetry]
    }

    fn slot(&mut self, i: usize) -> &mut State {
        match i {
            0 => &mut self.calcification,
            1 => &mut self.mass,
            2 => &mut self.hyperplasia,
            3 => &mut self.skin_thickening,
            4 => &mut self.lymph_node,
            5 => &mut self.nipple_retraction,
            6 => &mut self.distortion,
            7 => &mut self.cooper_ligaments,
            8 => &mut self.nodule,
            _ => &mut self.asymmetry,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breast {
    #[serde(rename = "Density")]
    pub density: String,
    #[serde(rename = "BI-RADS", alias = "Bi-Rads")]
    pub birads: String,
    #[serde(rename = "Entities", default)]
    pub entities: Entities,
}

impl Default for Breast {
    fn default() -> Self {
        Breast { density: BLA.into(), birads: BLA.into(), entities: Entities::default() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BreastAssessment {
    #[serde(rename = "Left_breast", default)]
    pub left: Breast,
    #[serde(rename = "Right_breast", default)]
    pub right: Breast,
}

/// One report in the official MammoRGTool shape (plus our `id`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MammoRgReport {
    #[serde(default)]
    pub id: serde_json::Value,
    #[serde(rename = "Text", default)]
    pub text: String,
    #[serde(rename = "Breast_assessment", default)]
    pub breast_assessment: BreastAssessment,
    #[serde(rename = "Relations", default)]
    pub relations: Vec<[String; 3]>,
}

impl MammoRgReport {
    /// Canonical spelling of BI-RADS values ("Bi-Rads 4A" → "BI-RADS 4A"). Values off the
    /// class list are kept as written: the metric counts them as stated but wrong (BLA class).
    pub fn canonicalize(mut self) -> Self {
        for b in [&mut self.breast_assessment.left, &mut self.breast_assessment.right] {
            if let Some(c) = canonical_birads(&b.birads) {
                b.birads = c.to_string();
            }
        }
        for t in &mut self.relations {
            if let Some(c) = canonical_birads(&t[2]) {
                t[2] = c.to_string();
            }
        }
        self
    }
}

/// "Bi-Rads 4a", "BI-RADS 4A" → "BI-RADS 4A"; None when not an official class.
pub fn canonical_birads(s: &str) -> Option<&'static str> {
    let t = s.trim().to_ascii_uppercase().replace("BI-RADS", "").replace(' ', "");
    BIRADS_CLASSES.iter().copied().find(|c| c.trim_start_matches("BI-RADS ") == t)
}

pub fn birads_zh(b: BiRads) -> &'static str {
    match b {
        BiRads::Suspicious => BLA,
        other => BIRADS_CLASSES.iter().copied().find(|c| c.trim_start_matches("BI-RADS ") == other.code()).unwrap_or(BLA),
    }
}

pub fn density_zh(d: Density) -> &'static str {
    DENSITY_ZH[d as usize]
}

/// Index of a finding type among the 10 official entities; None for types MammoRGTool lacks.
pub fn entity_index(t: FindingType) -> Option<usize> {
    Some(match t {
        FindingType::Calcification => 0,
        FindingType::Mass => 1,
        FindingType::BreastHyperplasia => 2,
        FindingType::SkinThickening => 3,
        FindingType::LymphNode => 4,
        FindingType::NippleRetraction => 5,
        FindingType::ArchitecturalDistortion => 6,
        FindingType::TrabecularThickening => 7,
        FindingType::Nodule => 8,
        FindingType::Asymmetry => 9,
        _ => return None,
    })
}

fn rank(s: State) -> u8 {
    match s {
        State::Pos => 3,
        State::Unc => 2,
        State::Neg => 1,
        State::Bla => 0,
    }
}

/// Converts a structured report to the official shape.
pub fn to_mammorg(report: &StructuredReport, id: serde_json::Value, text: &str) -> MammoRgReport {
    let mut out = MammoRgReport { id, text: text.to_string(), ..Default::default() };
    let b = &report.birads;
    let both_none = b.left.is_none() && b.right.is_none();
    for (side, breast) in [(Side::Left, &mut out.breast_assessment.left), (Side::Right, &mut out.breast_assessment.right)] {
        let own_b = if side == Side::Left { b.left } else { b.right };
        let cat = own_b.or(if both_none { b.overall } else { None });
        breast.birads = cat.map_or(BLA, birads_zh).to_string();
        let d = &report.density;
        let own_d = if side == Side::Left { d.left } else { d.right };
        breast.density = own_d.or(d.overall).map_or(BLA, density_zh).to_string();
        for f in &report.findings {
            let applies = matches!(f.side, None | Some(Side::Bilateral)) || f.side == Some(side);
            let Some(i) = entity_index(f.finding_type).filter(|_| applies) else { continue };
            let st = match f.status {
                FindingStatus::Positive => State::Pos,
                FindingStatus::Uncertain => State::Unc,
                FindingStatus::Negative => State::Neg,
            };
            let slot = breast.entities.slot(i);
            if rank(st) > rank(*slot) {
                *slot = st;
            }
        }
    }
    out.relations = kg::relations(report, &out.breast_assessment);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mammoflow_domain::{Finding, PerBreast};

    #[test]
    fn converts_sides_states_and_relations() {
        let report = StructuredReport {
            birads: PerBreast { overall: Some(BiRads::ModerateSuspicion), left: Some(BiRads::Negative), right: Some(BiRads::ModerateSuspicion) },
            density: PerBreast { overall: Some(Density::C), left: None, right: None },
            findings: vec![
                Finding { finding_type: FindingType::Mass, side: Some(Side::Right), status: FindingStatus::Positive, descriptors: vec!["irregular".into(), "spiculated".into()], locations: vec!["clock_10".into()], size_mm: Some(12.0), span: None },
                Finding { finding_type: FindingType::Calcification, side: None, status: FindingStatus::Negative, descriptors: vec![], locations: vec![], size_mm: None, span: None },
            ],
            recommendation: None,
        };
        let m = to_mammorg(&report, serde_json::Value::Null, "");
        assert_eq!(m.breast_assessment.right.birads, "BI-RADS 4B");
        assert_eq!(m.breast_assessment.left.birads, "BI-RADS 1");
        assert_eq!(m.breast_assessment.left.density, "不均匀致密型");
        assert_eq!(m.breast_assessment.right.entities.mass, State::Pos);
        assert_eq!(m.breast_assessment.left.entities.mass, State::Bla);
        assert_eq!(m.breast_assessment.left.entities.calcification, State::Neg);
        let rel: Vec<String> = m.relations.iter().map(|t| t.join("|")).collect();
        assert!(rel.contains(&"肿块|Located_at|右乳外上象限".to_string()), "{rel:?}");
        assert!(rel.contains(&"肿块|Modified_by|不规则".to_string()), "{rel:?}");
        assert!(rel.contains(&"肿块|Modified_by|毛刺影".to_string()), "{rel:?}");
        assert!(rel.contains(&"肿块|Suggestive_of|BI-RADS 4B".to_string()), "{rel:?}");
        let json = serde_json::to_value(&m).unwrap_or_default();
        assert_eq!(json["Breast_assessment"]["Right_breast"]["Entities"]["肿块"], "POS");
    }

    #[test]
    fn bare_four_and_spellings() {
        assert_eq!(birads_zh(BiRads::Suspicious), BLA);
        assert_eq!(canonical_birads("Bi-Rads 4a"), Some("BI-RADS 4A"));
        assert_eq!(canonical_birads("BI-RADS 4"), None);
    }
}
