//! Robustness: arbitrary input never panics, long input is refused cleanly, and the work done
//! grows linearly with the input (counted in lexicon hits visited, not in wall-clock time).

use mammorgtool::{Parser, ParserConfig, WarningCode};
use proptest::prelude::*;

const TYPICAL: &str = "BREAST COMPOSITION: Heterogeneously dense (ACR C).\nFINDINGS: There is a 1.2 cm irregular mass \
with spiculated margins in the right breast at 10 o'clock. No suspicious calcifications, architectural distortion \
or skin thickening in either breast. Benign intramammary lymph node on the left.\nIMPRESSION: Right breast BI-RADS 4B. \
Left breast BI-RADS 2.\nRECOMMENDATION: Ultrasound-guided core biopsy.\n";

fn check_spans(text: &str, p: &Parser) {
    let r = p.parse_with_id(serde_json::Value::Null, text, true);
    let n = text.chars().count();
    for f in &r.report.findings {
        let [s, e] = f.span.unwrap_or([0, 0]);
        assert!(s <= e && e <= n, "span {s}..{e} of {n}");
    }
    for ev in &r.evidence {
        assert!(ev.span[0] <= ev.span[1] && ev.span[1] <= n);
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
    for text in [TYPICAL.repeat(2000), "mass, ".repeat(100_000), "BI-RADS ".repeat(50_000), "\n".repeat(200_000), "é".repeat(100_000)] {
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
    for unit in [TYPICAL.to_string(), "no mass calcification or distortion in the right breast ".to_string()] {
        let per_byte = |k: usize| {
            let text = unit.repeat(k);
            let (_, stats) = p.parse_with_stats(&text);
            stats.work as f64 / text.len() as f64
        };
        let (small, large) = (per_byte(64), per_byte(1024));
        assert!(large <= small * 1.5 + 0.01, "work per byte grew from {small:.3} to {large:.3}");
    }
}
