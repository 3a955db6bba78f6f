//! MammoRGTool's relation whitelist (the knowledge graph `mammorg/KG.json` of
//! https://github.com/PiggyJerry/MammoRG, Apache-2.0) and the English → official value maps.

use mammoflow_domain::{FindingStatus, Side, StructuredReport};

use super::{birads_zh, entity_index, BreastAssessment, State, BLA, FINDINGS_ZH};
use crate::resolve::quadrant_of_clock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    LocatedAt,
    ModifiedBy,
    SuggestiveOf,
}

impl Relation {
    pub fn name(self) -> &'static str {
        match self {
            Relation::LocatedAt => "Located_at",
            Relation::ModifiedBy => "Modified_by",
            Relation::SuggestiveOf => "Suggestive_of",
        }
    }
}

const QUADS: &[&str] = &["左乳外上象限", "左乳外下象限", "左乳内上象限", "左乳内下象限", "右乳外上象限", "右乳外下象限", "右乳内上象限", "右乳内下象限"];
const SIDES: &[&str] = &["双乳", "右乳", "左乳"];
const CENTRAL: &[&str] = &["左侧中央区", "右侧中央区"];

/// Located_at objects allowed for each finding (by official index).
fn located_ok(finding: usize, loc: &str) -> bool {
    let base = || QUADS.contains(&loc) || SIDES.contains(&loc) || CENTRAL.contains(&loc);
    match finding {
        // 钙化, 肿块, 结构扭曲, 结节: every quadrant, side and central region.
        0 | 1 | 6 | 8 => base(),
        // 乳腺增生
        2 => matches!(loc, "左乳外上象限" | "右乳" | "左侧中央区" | "右侧中央区" | "左乳" | "右乳外上象限" | "右乳内上象限" | "左乳内上象限" | "双乳"),
        // 皮肤增厚 adds the areolar regions.
        3 => base() || matches!(loc, "左侧乳晕区" | "右侧乳晕区"),
        4 => matches!(loc, "右侧腋下" | "双侧腋下" | "左侧腋下"),
        5 => SIDES.contains(&loc),
        // 悬韧带增粗: no central regions.
        7 => QUADS.contains(&loc) || SIDES.contains(&loc),
        // 结构不对称: no 左乳内上象限.
        9 => base() && loc != "左乳内上象限",
        _ => false,
    }
}

/// Modified_by objects allowed for each finding.
fn modified_ok(finding: usize, d: &str) -> bool {
    let list: &[&str] = match finding {
        0 => &["局灶性", "边缘不规则", "模糊不定形", "分叶状", "圆形", "颗粒状", "卵圆形", "结节状", "密度增高且不均匀", "局部", "点状", "部分边缘模糊", "模糊", "线虫样", "簇状", "不规则", "斑点状", "边缘模糊", "边缘清晰", "密度不均匀", "粗糙不均质", "壳样", "类圆形"],
        1 | 8 => &["毛刺影", "局灶性", "密度增高", "边缘不规则", "分叶状", "模糊不定形", "圆形", "颗粒状", "卵圆形", "结节状", "密度增高且不均匀", "局部", "点状", "部分边缘模糊", "模糊", "密度均匀", "簇状", "不规则", "边缘模糊", "局部不规则", "边缘清晰", "密度不均匀", "部分边缘清晰", "类圆形"],
        2 => &["结节状", "边缘模糊", "局灶性", "密度增高", "密度不均匀", "模糊"],
        3 => &["局部", "密度增高", "模糊"],
        4 => &["密度增高", "边缘不规则", "卵圆形", "密度增高且不均匀", "局部", "密度均匀", "不规则", "边缘模糊", "局部不规则", "边缘清晰", "密度不均匀", "类圆形"],
        5 => &["局部", "模糊"],
        6 => &["不规则", "密度增高且不均匀", "边缘模糊", "局部不规则", "局部", "局灶性", "密度增高", "密度不均匀", "边缘不规则", "模糊"],
        7 => &["局部", "密度增高"],
        9 => &["不规则", "结节状", "密度增高且不均匀", "边缘模糊", "局灶性", "局部", "密度增高", "密度不均匀", "部分边缘模糊", "部分边缘清晰"],
        _ => &[],
    };
    // 结节 has the same list as 肿块 minus 模糊不定形.
    list.contains(&d) && !(finding == 8 && d == "模糊不定形")
}

/// Whether a triple is on MammoRGTool's whitelist (Suggestive_of: every finding except
/// 悬韧带增粗, to any category or 乳腺癌).
pub fn allowed(finding: &str, rel: Relation, object: &str) -> bool {
    let Some(i) = FINDINGS_ZH.iter().position(|f| *f == finding) else { return false };
    match rel {
        Relation::LocatedAt => located_ok(i, object),
        Relation::ModifiedBy => modified_ok(i, object),
        Relation::SuggestiveOf => i != 7 && (object == "乳腺癌" || super::canonical_birads(object).is_some()),
    }
}

/// English descriptor → official descriptor (closest term; 4th-edition words were already
/// folded into 5th-edition names by the parser).
fn descriptor_zh(d: &str) -> Option<&'static str> {
    Some(match d {
        "round" => "圆形",
        "oval" => "卵圆形",
        "irregular" => "不规则",
        "circumscribed" => "边缘清晰",
        "indistinct" => "边缘模糊",
        "obscured" => "部分边缘模糊",
        "microlobulated" => "分叶状",
        "spiculated" => "毛刺影",
        "high_density" => "密度增高",
        "punctate" => "点状",
        "amorphous" => "模糊不定形",
        "coarse_heterogeneous" => "粗糙不均质",
        "fine_linear" | "linear" => "线虫样",
        "grouped" => "簇状",
        "rim" => "壳样",
        "focal" => "局灶性",
        "nodular" => "结节状",
        // Read from Chinese reports only.
        "homogeneous_density" => "密度均匀",
        "heterogeneous_density" => "密度不均匀",
        "granular" => "颗粒状",
        "speckled" => "斑点状",
        "local" => "局部",
        _ => return None,
    })
}

fn side_prefix(side: Side) -> (&'static str, &'static str, &'static str) {
    match side {
        Side::Left => ("左乳", "左侧", "左乳"),
        Side::Right => ("右乳", "右侧", "右乳"),
        Side::Bilateral => ("双乳", "双侧", "双乳"),
    }
}

fn locations_zh(side: Option<Side>, locs: &[String], is_node: bool) -> Vec<String> {
    let Some(side) = side else { return Vec::new() };
    let (breast, lateral, whole) = side_prefix(side);
    let mut out = Vec::new();
    if is_node || locs.iter().any(|l| l == "axilla" || l == "axillary_tail") {
        out.push(format!("{lateral}腋下"));
    }
    for l in locs {
        let quad = match l.as_str() {
            "upper_outer_quadrant" => Some("外上象限"),
            "lower_outer_quadrant" => Some("外下象限"),
            "upper_inner_quadrant" => Some("内上象限"),
            "lower_inner_quadrant" => Some("内下象限"),
            other => quadrant_of_clock(side, other).map(|q| match q {
                "upper_outer_quadrant" => "外上象限",
                "lower_outer_quadrant" => "外下象限",
                "upper_inner_quadrant" => "内上象限",
                _ => "内下象限",
            }),
        };
        if let (Some(q), false) = (quad, side == Side::Bilateral) {
            out.push(format!("{breast}{q}"));
        }
        match l.as_str() {
            "central" => out.push(format!("{lateral}中央区")),
            "subareolar" => out.push(format!("{lateral}乳晕区")),
            _ => {}
        }
    }
    if out.is_empty() {
        out.push(whole.to_string());
    }
    out
}

/// Triples for the positive findings of a report, whitelisted and deduplicated.
pub(super) fn relations(report: &StructuredReport, assess: &BreastAssessment) -> Vec<[String; 3]> {
    let mut out: Vec<[String; 3]> = Vec::new();
    let mut push = |f: &str, rel: Relation, o: String| {
        if allowed(f, rel, &o) && !out.iter().any(|t| t[0] == f && t[1] == rel.name() && t[2] == o) {
            out.push([f.to_string(), rel.name().to_string(), o]);
        }
    };
    for f in report.findings.iter().filter(|f| f.status == FindingStatus::Positive) {
        let Some(i) = entity_index(f.finding_type) else { continue };
        let name = FINDINGS_ZH[i];
        let pos_somewhere = assess.left.entities.states()[i] == State::Pos || assess.right.entities.states()[i] == State::Pos;
        if !pos_somewhere {
            continue;
        }
        for loc in locations_zh(f.side, &f.locations, i == 4) {
            push(name, Relation::LocatedAt, loc);
        }
        for d in f.descriptors.iter().filter_map(|d| descriptor_zh(d)) {
            push(name, Relation::ModifiedBy, d.to_string());
        }
        let cat = match f.side {
            Some(Side::Left) => report.birads.left.or(report.birads.overall),
            Some(Side::Right) => report.birads.right.or(report.birads.overall),
            _ => report.birads.overall,
        };
        if let Some(c) = cat.map(birads_zh).filter(|c| *c != BLA) {
            push(name, Relation::SuggestiveOf, c.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitelist_matches_the_knowledge_graph() {
        assert!(allowed("淋巴结肿大", Relation::LocatedAt, "左侧腋下"));
        assert!(!allowed("淋巴结肿大", Relation::LocatedAt, "左乳"));
        assert!(!allowed("结构不对称", Relation::LocatedAt, "左乳内上象限"));
        assert!(allowed("皮肤增厚", Relation::LocatedAt, "右侧乳晕区"));
        assert!(!allowed("肿块", Relation::LocatedAt, "右侧乳晕区"));
        assert!(!allowed("悬韧带增粗", Relation::SuggestiveOf, "BI-RADS 2"));
        assert!(allowed("钙化", Relation::SuggestiveOf, "乳腺癌"));
        assert!(!allowed("结节", Relation::ModifiedBy, "模糊不定形"));
        assert!(allowed("钙化", Relation::ModifiedBy, "簇状"));
    }
}
