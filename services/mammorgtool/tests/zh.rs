//! Chinese reports: the rules that are easy to get wrong (density codes are never an
//! assessment, laterality from the nearest preceding side word, the scope of 未见, 4a类 → 4A),
//! the output contract (language, warnings, character spans) and the MammoRGTool view.

use mammoflow_domain::{BiRads, Density, FindingStatus as St, FindingType as F, Side};
use mammorgtool::schema::{to_mammorg, State};
use mammorgtool::{parse, ParsedReport, WarningCode};

fn codes(r: &ParsedReport) -> [Option<&'static str>; 3] {
    let b = &r.report.birads;
    [b.overall.map(BiRads::code), b.left.map(BiRads::code), b.right.map(BiRads::code)]
}

fn has(r: &ParsedReport, t: F, side: Option<Side>, status: St) -> bool {
    r.report.findings.iter().any(|f| f.finding_type == t && f.side == side && f.status == status)
}

#[test]
fn chinese_is_parsed_not_refused() {
    let r = parse("检查所见：双乳呈散在纤维腺体型。\n诊断意见：BI-RADS 1类。");
    assert_eq!(r.language, "zh");
    assert!(!r.has_warning(WarningCode::UnsupportedLanguage));
    assert_eq!(codes(&r)[0], Some("1"));
    assert_eq!(r.report.density.overall, Some(Density::B));
}

#[test]
fn density_codes_are_never_an_assessment() {
    for text in ["乳腺构成：ACR C型。", "双乳呈C型。", "BI-RADS C型。", "乳腺分型：3型。", "乳腺类型：C类。", "BI-RADS分类：C类。", "双乳呈不均匀致密型（ACR C）。"] {
        let r = parse(text);
        assert_eq!(r.report.birads.overall, None, "{text}");
        assert_eq!(r.report.birads.left.or(r.report.birads.right), None, "{text}");
        assert!(
            [r.report.density.overall, r.report.density.left].contains(&Some(Density::C)),
            "{text}: {:?}",
            r.report.density
        );
    }
    // Next to a real category, each keeps its meaning.
    let r = parse("乳腺构成：ACR D型。诊断意见：BI-RADS 3类。");
    assert_eq!(codes(&r)[0], Some("3"));
    assert_eq!(r.report.density.overall, Some(Density::D));
}

#[test]
fn side_comes_from_the_nearest_preceding_side_word() {
    let r = parse("诊断意见：右乳外上象限肿块伴钙化，考虑乳腺癌，BI-RADS 4C类；左乳BI-RADS 2类。");
    assert_eq!(codes(&r), [Some("4C"), Some("2"), Some("4C")]);
    // Within one sentence the nearest side wins, not the first.
    let r = parse("左乳未见异常，右乳外上象限见一肿块，BI-RADS 4A类。");
    assert_eq!(codes(&r), [Some("4A"), None, Some("4A")]);
    assert!(has(&r, F::Mass, Some(Side::Right), St::Positive));
    // 双 means both breasts.
    let r = parse("诊断意见：双乳腺增生，BI-RADS 2类。");
    assert_eq!(codes(&r), [Some("2"), Some("2"), Some("2")]);
    // A finding described in the next sentence keeps the side of its section.
    let r = parse("检查所见：右乳外上象限见一肿块。其内见细小多形性钙化。");
    assert!(has(&r, F::Calcification, Some(Side::Right), St::Positive));
    // A side written after the density does not claim it.
    let r = parse("乳腺呈散在纤维腺体型，两侧大致对称。");
    assert_eq!((r.report.density.overall, r.report.density.left), (Some(Density::B), None));
}

#[test]
fn weijian_negates_the_whole_list_up_to_the_comma() {
    let r = parse("双乳未见明显肿块及钙化，右乳外上象限见结构扭曲。");
    assert!(has(&r, F::Mass, Some(Side::Bilateral), St::Negative));
    assert!(has(&r, F::Calcification, Some(Side::Bilateral), St::Negative));
    assert!(has(&r, F::ArchitecturalDistortion, Some(Side::Right), St::Positive));
    let r = parse("未见明显肿块、钙化及结构扭曲。");
    for t in [F::Mass, F::Calcification, F::ArchitecturalDistortion] {
        assert!(has(&r, t, None, St::Negative), "{t:?}");
    }
    // Negation written inside the phrase.
    let r = parse("双侧皮肤未见增厚，乳头未见凹陷，腋下淋巴结未见肿大。");
    assert!(has(&r, F::SkinThickening, Some(Side::Bilateral), St::Negative));
    assert!(has(&r, F::NippleRetraction, Some(Side::Bilateral), St::Negative));
    assert!(has(&r, F::LymphNode, Some(Side::Bilateral), St::Negative));
    // Uncertainty and history cues.
    let r = parse("左乳外上象限结构扭曲不除外。右乳疑似结节。");
    assert!(has(&r, F::ArchitecturalDistortion, Some(Side::Left), St::Uncertain));
    assert!(has(&r, F::Nodule, Some(Side::Right), St::Uncertain));
    let r = parse("既往右乳肿块活检。左乳见一结节。");
    assert!(!r.report.findings.iter().any(|f| f.finding_type == F::Mass));
}

#[test]
fn category_spellings() {
    for (text, want) in [
        ("右乳4a类", "4A"),
        ("BI-RADS 4a类", "4A"),
        ("BI-RADS：4B类", "4B"),
        ("BI-RADS分类为4C类", "4C"),
        ("Bi-Rads 4a", "4A"),
        ("ＢＩ－ＲＡＤＳ ４Ａ类", "4A"),
        ("BI-RADS ⅣA类", "4A"),
        ("BI-RADS Ⅲ类", "3"),
        ("BI-RADS 0类", "0"),
        ("左乳4类", "4"),
        ("BI-RADS 3-4A类", "4A"),
        ("BI-RADS 4类（4B）", "4B"),
    ] {
        assert_eq!(codes(&parse(text))[0], Some(want), "{text}");
    }
}

#[test]
fn recommendations_follow_their_verb() {
    let rec = |t: &str| parse(t).report.recommendation.and_then(|r| r.action.map(|a| (a, r.interval_months)));
    use mammoflow_domain::RecommendationAction as R;
    assert_eq!(rec("诊断意见：右乳肿块，BI-RADS 4B类。建议穿刺活检。"), Some((R::Biopsy, None)));
    assert_eq!(rec("诊断意见：结合超声考虑纤维腺瘤，BI-RADS 3类，建议6个月后复查。"), Some((R::ShortIntervalFollowUp, Some(6))));
    assert_eq!(rec("诊断意见：BI-RADS 2类，定期复查。"), Some((R::RoutineScreening, None)));
    assert_eq!(rec("诊断意见：BI-RADS 0类。建议进一步检查，必要时活检。"), Some((R::AdditionalImaging, None)));
    assert_eq!(rec("诊断意见：右乳外上象限肿块，两年随访稳定，BI-RADS 2类。"), None);
    let r = parse("诊断意见：BI-RADS 1类。建议活检。");
    assert!(r.has_warning(WarningCode::DiscordantRecommendation));
}

#[test]
fn spans_are_character_ranges_of_the_source() {
    let text = "检查所见：右乳外上象限见一不规则肿块，大小约12mm×10mm，边缘见毛刺。\n诊断意见：BI-RADS 4B类。";
    let r = mammorgtool::default_parser().expect("lexicon").parse_with_id(serde_json::Value::Null, text, true);
    let chars: Vec<char> = text.chars().collect();
    let mass = r.report.findings.iter().find(|f| f.finding_type == F::Mass).expect("mass found");
    let [s, e] = mass.span.expect("span");
    let said: String = chars[s..e].iter().collect();
    assert!(said.contains("肿块") && said.contains("外上象限"), "{said}");
    assert_eq!(mass.size_mm, Some(12.0));
    for ev in &r.evidence {
        let slice: String = chars[ev.span[0]..ev.span[1]].iter().collect();
        assert_eq!(slice, ev.text, "{}", ev.field);
    }
}

#[test]
fn chinese_reports_map_to_the_official_schema() {
    let text = "检查所见：双乳呈不均匀致密型。右乳外上象限见一不规则肿块，边缘毛刺，其内见簇状钙化。左乳未见明显肿块及钙化。双侧腋下未见肿大淋巴结。\n诊断意见：右乳外上象限肿块伴钙化，BI-RADS 5类；左乳BI-RADS 1类。";
    let r = parse(text);
    let m = to_mammorg(&r.report, serde_json::Value::Null, text);
    let (left, right) = (&m.breast_assessment.left, &m.breast_assessment.right);
    assert_eq!((right.birads.as_str(), left.birads.as_str()), ("BI-RADS 5", "BI-RADS 1"));
    assert_eq!((right.density.as_str(), left.density.as_str()), ("不均匀致密型", "不均匀致密型"));
    assert_eq!((right.entities.mass, right.entities.calcification), (State::Pos, State::Pos));
    assert_eq!((left.entities.mass, left.entities.calcification), (State::Neg, State::Neg));
    assert_eq!((left.entities.lymph_node, right.entities.lymph_node), (State::Neg, State::Neg));
    let rel: Vec<String> = m.relations.iter().map(|t| t.join("|")).collect();
    for want in ["肿块|Located_at|右乳外上象限", "肿块|Modified_by|毛刺影", "肿块|Modified_by|不规则", "钙化|Modified_by|簇状", "肿块|Suggestive_of|BI-RADS 5"] {
        assert!(rel.contains(&want.to_string()), "{want} not in {rel:?}");
    }
}
