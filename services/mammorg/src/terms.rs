//! The clinical vocabulary: the knowledge-graph nodes (same five groups, sizes and order as the
//! official 70-node graph, in English) and the extra BI-RADS lexicon phrases that the tokenizer
//! keeps as single tokens ("term atoms").
//!
//! The official model uses Chinese node names; its node *positions* are what the weights depend
//! on (stage-1 head columns, R-GCN edge lists), so the English list keeps the group order of
//! `mammorg.md` §6 (composition, findings, locations, diagnoses, descriptors). The descriptors
//! are the BI-RADS 5th-edition lexicon rather than a translation of the Chinese ones, because the
//! English reports this project generates and parses use that lexicon.

use mammoflow_domain::{BiRads, Density, FindingType};

/// Breast composition, in the order of the density head (a, b, c, d).
pub const DENSITY_TERMS: [&str; 4] = [
    "almost entirely fatty",
    "scattered areas of fibroglandular density",
    "heterogeneously dense",
    "extremely dense",
];

/// The ten findings of the status heads and the relation-head rows, in the official order.
pub const FINDING_TERMS: [&str; 10] = [
    "calcification",
    "mass",
    "breast hyperplasia",
    "skin thickening",
    "enlarged lymph node",
    "nipple retraction",
    "architectural distortion",
    "trabecular thickening",
    "nodule",
    "asymmetry",
];

/// The domain finding type of each entry of [`FINDING_TERMS`].
pub const FINDING_TYPES: [FindingType; 10] = [
    FindingType::Calcification,
    FindingType::Mass,
    FindingType::BreastHyperplasia,
    FindingType::SkinThickening,
    FindingType::LymphNode,
    FindingType::NippleRetraction,
    FindingType::ArchitecturalDistortion,
    FindingType::TrabecularThickening,
    FindingType::Nodule,
    FindingType::Asymmetry,
];

/// Locations in the official order (`mammorg.md` §6); indices 15–17 are the axillae.
pub const LOCATION_TERMS: [&str; 18] = [
    "left upper outer quadrant",
    "both breasts",
    "left central region",
    "right central region",
    "right lower outer quadrant",
    "right breast",
    "left breast",
    "right upper outer quadrant",
    "right upper inner quadrant",
    "right lower inner quadrant",
    "left lower inner quadrant",
    "left lower outer quadrant",
    "left upper inner quadrant",
    "left areolar region",
    "right areolar region",
    "right axilla",
    "both axillae",
    "left axilla",
];

/// Diagnoses: the nine BI-RADS classes of the BI-RADS head, then breast cancer.
pub const DIAGNOSIS_TERMS: [&str; 10] = [
    "BI-RADS 0",
    "BI-RADS 1",
    "BI-RADS 2",
    "BI-RADS 3",
    "BI-RADS 4A",
    "BI-RADS 4B",
    "BI-RADS 4C",
    "BI-RADS 5",
    "BI-RADS 6",
    "breast cancer",
];

/// The BI-RADS category of each BI-RADS head class (an unsubdivided 4 has no class, as in the
/// official head).
pub const BIRADS_CLASSES: [BiRads; 9] = [
    BiRads::Incomplete,
    BiRads::Negative,
    BiRads::Benign,
    BiRads::ProbablyBenign,
    BiRads::LowSuspicion,
    BiRads::ModerateSuspicion,
    BiRads::HighSuspicion,
    BiRads::HighlySuggestive,
    BiRads::KnownMalignancy,
];

/// The density of each density head class.
pub const DENSITY_CLASSES: [Density; 4] = Density::ALL;

/// BI-RADS lexicon descriptors: mass shape (0–2), margin (3–7), density (8–11), calcification
/// morphology (12–19), distribution (20–24), asymmetry kind (25–27).
pub const DESCRIPTOR_TERMS: [&str; 28] = [
    "oval",
    "round",
    "irregular",
    "circumscribed",
    "obscured",
    "microlobulated",
    "indistinct",
    "spiculated",
    "high density",
    "equal density",
    "low density",
    "fat-containing",
    "amorphous",
    "coarse heterogeneous",
    "fine pleomorphic",
    "fine linear",
    "fine linear branching",
    "punctate",
    "rim",
    "coarse",
    "diffuse",
    "regional",
    "grouped",
    "linear",
    "segmental",
    "focal",
    "global",
    "developing",
];

/// Lexicon phrases that are not graph nodes but must still be generated as one unit.
pub const EXTRA_TERMS: &[&str] = &[
    "BI-RADS 4",
    "calcifications",
    "microcalcifications",
    "masses",
    "nodules",
    "asymmetries",
    "focal asymmetry",
    "global asymmetry",
    "developing asymmetry",
    "intramammary lymph node",
    "axillary adenopathy",
    "skin retraction",
    "skin lesion",
    "solitary dilated duct",
    "post-surgical changes",
    "upper outer quadrant",
    "upper inner quadrant",
    "lower outer quadrant",
    "lower inner quadrant",
    "subareolar",
    "axillary tail",
    "anterior depth",
    "middle depth",
    "posterior depth",
    "o'clock",
    "Negative",
    "Benign",
    "Probably benign",
    "Suspicious",
    "Highly suggestive of malignancy",
    "Known biopsy-proven malignancy",
    "Incomplete",
    "routine screening mammography",
    "short-interval follow-up",
    "additional imaging evaluation",
    "diagnostic mammography",
    "spot compression",
    "ultrasound",
    "biopsy",
    "stereotactic biopsy",
    "ultrasound-guided core needle biopsy",
    "surgical consultation",
];

/// Relation types of the knowledge graph, in the official id order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    LocatedAt = 0,
    SuggestiveOf = 1,
    ModifiedBy = 2,
}

/// Every knowledge-graph node name, in node-position order (70 entries).
pub fn graph_nodes() -> Vec<String> {
    DENSITY_TERMS
        .iter()
        .chain(&FINDING_TERMS)
        .chain(&LOCATION_TERMS)
        .chain(&DIAGNOSIS_TERMS)
        .chain(&DESCRIPTOR_TERMS)
        .map(|s| s.to_string())
        .collect()
}

/// Every phrase the tokenizer keeps atomic: the graph nodes plus [`EXTRA_TERMS`], each also with
/// a capitalised first letter (sentence starts), deduplicated, longest first is not needed since
/// the tokenizer matches leftmost-longest.
pub fn clinical_terms() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for term in graph_nodes().into_iter().chain(EXTRA_TERMS.iter().map(|s| s.to_string())) {
        let capitalised = capitalise(&term);
        for t in [term, capitalised] {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The English graph's edges `(finding, relation, object)` as node positions. Rules instead of a
/// copied edge list: lymph nodes sit in the axillae, every other finding in the breast; every
/// finding except trabecular thickening can suggest any diagnosis (as in the official graph);
/// descriptors attach to the finding kinds the lexicon defines them for.
pub fn graph_edges() -> Vec<[usize; 3]> {
    let f0 = DENSITY_TERMS.len();
    let l0 = f0 + FINDING_TERMS.len();
    let d0 = l0 + LOCATION_TERMS.len();
    let x0 = d0 + DIAGNOSIS_TERMS.len();
    let axillae = 15..18;
    let mut edges = Vec::new();
    for (f, ty) in FINDING_TYPES.iter().enumerate() {
        let locations: Vec<usize> = if *ty == FindingType::LymphNode {
            axillae.clone().collect()
        } else {
            (0..LOCATION_TERMS.len()).filter(|l| !axillae.contains(l)).collect()
        };
        edges.extend(locations.into_iter().map(|l| [f0 + f, Relation::LocatedAt as usize, l0 + l]));
        if *ty != FindingType::TrabecularThickening {
            edges.extend((0..DIAGNOSIS_TERMS.len()).map(|d| [f0 + f, Relation::SuggestiveOf as usize, d0 + d]));
        }
        let descriptors: Vec<usize> = match ty {
            FindingType::Mass | FindingType::Nodule => (0..12).collect(),
            FindingType::Calcification => (12..25).collect(),
            FindingType::Asymmetry => (25..28).collect(),
            FindingType::LymphNode => vec![0, 1, 8, 11],
            FindingType::SkinThickening => vec![20, 25],
            FindingType::BreastHyperplasia => vec![20, 21, 25],
            _ => Vec::new(),
        };
        edges.extend(descriptors.into_iter().map(|x| [f0 + f, Relation::ModifiedBy as usize, x0 + x]));
    }
    edges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_has_official_group_sizes_and_valid_edges() {
        let nodes = graph_nodes();
        assert_eq!(nodes.len(), 70);
        assert_eq!(nodes[4], "calcification");
        assert_eq!(nodes[32], "BI-RADS 0");
        let edges = graph_edges();
        assert!(edges.iter().all(|[s, r, d]| *s >= 4 && *s < 14 && *r < 3 && *d >= 14 && *d < 70));
        // Suggestive_of: 9 findings x 10 diagnoses, as in the official graph.
        assert_eq!(edges.iter().filter(|e| e[1] == 1).count(), 90);
    }

    #[test]
    fn clinical_terms_are_unique_and_include_capitalised_forms() {
        let terms = clinical_terms();
        let mut sorted = terms.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), terms.len());
        assert!(terms.iter().any(|t| t == "Spiculated"));
        assert!(terms.iter().any(|t| t == "fine pleomorphic"));
    }
}
