//! Robustness: arbitrary input (English-ish, Chinese-ish or random) never panics, spans are
//! character ranges cut at char boundaries, long input is refused cleanly, and the work done
//! grows linearly with the input (counted in lexicon hits visited, not in wall-clock time).

use mammorgtool::{Parser, ParserConfig, WarningCode};
use proptest::prelude::*;

const TYPICAL: &str = "BREAST COMPOSITION: Heterogeneously dense (ACR C).\nFINDINGS: There is a 1.2 cm irregular mass \
with spiculated margins in the right breast at 10 o'clock. No suspicious calcifications, architectural distortion \
or skin thickening in either breast. Benign intramammary lymph node on the left.\nIMPRESSION: Right breast BI-RADS 4B. \
Left breast BI-RADS 2.\nRECOMMENDATION: Ultrasound-guided core biopsy.\n";

const TYPICAL_ZH: &str = "检查所见：双乳呈不均匀致密型（ACR C型）。右乳外上象限见一不规则肿块，大小约12mm×10mm，边缘见毛刺，\
其内见细小多形性钙化。左乳未见明显肿块及钙化。双侧腋下未见肿大淋巴结。\n诊断意见：右乳外上象限肿块伴钙化，BI-RADS 4C类；\
左乳BI-RADS 1类。建议穿刺活检。\n";

/// Spans are character ranges; the evidence text is cut from the source at the byte offsets
/// behind them, so equal strings prove those offsets were char boundaries.
fn check_spans(text: &str, p: &Parser) {
    let r = p.parse_with_id(serde_json::Value::Null, text, true);
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    for f in &r.report.findings {
        let [s, e] = f.span.unwrap_or([0, 0]);
        assert!(s <= e && e <= n, "span {s}..{e} of {n}");
    }
    for ev in &r.evidence {
        assert!(ev.span[0] <= ev.span[1] && ev.span[1] <= n);
        let slice: String = chars[ev.span[0]..ev.span[1]].iter().collect();
        assert_eq!(slice, ev.text, "evidence {} of {text:?}", ev.field);
    }
    // The JSON contract always serialises.
    assert!(serde_json::to_string(&r).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        let p = Parser::new().expect("lexicon");
        check_spans(&s, &p);
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let p = Parser::new().expect("lexicon");
        check_spans(&String::from_utf8_lossy(&b), &p);
    }

    #[test]
    fn report_like_soup_never_panics(words in proptest::collection::vec(prop::sample::select(vec![
        "BI-RADS", "4", "a", "IV", "-", "ACR", "C", "density", "no", "mass", "calcifications", "right", "left",
        "breast", ":", ".", "\n", "if", "prior", "o'clock", "10", "1.2", "cm", "x", "[ ]", "***", "Ⅳ", "乳腺",
        "not seen", "follow-up", "6", "months", "biopsy", "bilateral", "Right breast:", "IMPRESSION:", "é",
    ]), 0..300)) {
        let p = Parser::new().expect("lexicon");
        check_spans(&words.join(" "), &p);
        check_spans(&words.concat(), &p);
    }

    #[test]
    fn chinese_soup_never_panics(words in proptest::collection::vec(prop::sample::select(vec![
        "双乳", "右乳", "左乳", "双侧", "右", "左", "未见", "明显", "肿块", "及", "钙化", "、", "，", "。", "；", "：", "\n",
        "BI-RADS", "4a类", "4A", "类", "Ⅳ", "ⅣA", "ＢＩ－ＲＡＤＳ", "４Ａ", "ACR", "C型", "致密型", "不均匀致密型", "检查所见：",
        "诊断意见：", "【检查所见】", "12mm×10mm", "距乳头约3cm", "10点钟", "外上象限", "乳晕后", "建议", "6个月后复查",
        "活检", "术后", "考虑", "不除外", "疑似", "淋巴结", "肿大", "皮肤未见增厚", "乳头凹陷", "右乳头", "结构扭曲", "若",
        "必要时", "较前无明显变化", "1.5", "cm", " ", "a", "é", "\u{3000}", "（", "）",
    ]), 0..300)) {
        let p = mammorgtool::default_parser().expect("lexicon");
        check_spans(&words.join(""), p);
        check_spans(&words.join(" "), p);
    }

    #[test]
    fn arbitrary_cjk_strings_never_panic(s in "[\\x{4e00}-\\x{4e80}\\x{3000}-\\x{3011}\\x{ff01}-\\x{ff5e}a-dA-D0-9 ,.;:\\n]{0,400}") {
        let p = mammorgtool::default_parser().expect("lexicon");
        check_spans(&s, p);
        check_spans(&format!("{TYPICAL_ZH}{s}"), p);
    }
}

#[test]
fn over_the_limit_is_refused_with_a_warning() {
    let p = Parser::with_config(ParserConfig { max_report_bytes: 1000 }).expect("lexicon");
    let long = TYPICAL.repeat(10);
    let r = p.parse(&long);
    assert!(r.has_warning(WarningCode::TooLong));
    assert_eq!(r.report.birads.overall, None);
    assert!(r.report.findings.is_empty());
    // Just under the limit parses normally.
    assert_eq!(p.parse(TYPICAL).report.birads.overall.map(|b| b.code()), Some("4B"));
}

#[test]
fn very_long_inputs_parse_without_panic() {
    let p = Parser::with_config(ParserConfig { max_report_bytes: 1 << 22 }).expect("lexicon");
    for text in [
        TYPICAL.repeat(2000),
        "mass, ".repeat(100_000),
        "BI-RADS ".repeat(50_000),
        "\n".repeat(200_000),
        "é".repeat(100_000),
        TYPICAL_ZH.repeat(2000),
        "右乳4a类".repeat(50_000),
    ] {
        let r = p.parse(&text);
        assert!(serde_json::to_string(&r).is_ok());
    }
}

/// Work per input byte stays flat as the input grows 16-fold, for realistic text and for a
/// run-on "sentence" without any punctuation (the worst case for scope scans; sentences are
/// capped in length, so both sizes here are past the cap).
#[test]
fn work_grows_linearly() {
    let p = Parser::with_config(ParserConfig { max_report_bytes: 1 << 24 }).expect("lexicon");
    for unit in [
        TYPICAL.to_string(),
        "no mass calcification or distortion in the right breast ".to_string(),
        TYPICAL_ZH.to_string(),
        "双乳未见明显肿块及钙化右乳外上象限见结构扭曲".to_string(),
    ] {
        let per_byte = |k: usize| {
            let text = unit.repeat(k);
            let (_, stats) = p.parse_with_stats(&text);
            stats.work as f64 / text.len() as f64
        };
        let (small, large) = (per_byte(64), per_byte(1024));
        assert!(large <= small * 1.5 + 0.01, "work per byte grew from {small:.3} to {large:.3}");
    }
}
