use super::*;
use crate::PolicyError;

fn refused(text: &str) -> String {
    match Policy::parse(text) {
        Ok(_) => panic!("policy was accepted"),
        Err(e) => e.to_string(),
    }
}

fn us_text() -> String {
    us().text().to_string()
}

#[test]
fn shipped_policies_are_valid() {
    let us = us();
    assert_eq!(us.version(), "us-single-reading-2026.1");
    assert_eq!(us.mode(), crate::Mode::SingleReorder);
    assert_eq!(us.rules().last().map(|r| r.name.as_str()), Some("catch-all"));
    for queue in ["suspicious", "recall-review", "short-interval", "routine", "human-full-read", "known-cancer"] {
        assert!(us.queue(queue).is_some(), "{queue}");
    }
    let eu = eu();
    assert_eq!(eu.double_reading().map(|d| d.arbitration_queue.as_str()), Some("arbitration"));
}

#[test]
fn unknown_queue_is_refused() {
    let e = refused(&us_text().replace("queue = \"routine\"", "queue = \"routin\""));
    assert!(e.contains("unknown queue \"routin\"") && e.contains("rule \"routine\""), "{e}");
}

#[test]
fn missing_catch_all_is_refused() {
    let text = us_text();
    let cut = text.find("[[rules]]\nname = \"catch-all\"").unwrap();
    let e = refused(&text[..cut]);
    assert!(e.contains("the last rule \"routine\" has conditions"), "{e}");
}

#[test]
fn early_catch_all_is_refused() {
    let e = refused(&us_text().replace("[rules.when]\nexam_birads = [\"0\"]\n", ""));
    assert!(e.contains("rule \"recall-review\" has no conditions"), "{e}");
}

#[test]
fn bad_thresholds_are_refused() {
    let e = refused(&us_text().replace("high_malignancy_probability = 0.5", "high_malignancy_probability = 1.5"));
    assert!(e.contains("thresholds.high_malignancy_probability is 1.5"), "{e}");
    let e = refused(&us_text().replace("low_confidence = 0.6", "low_confidence = nan"));
    assert!(e.contains("thresholds.low_confidence"), "{e}");
    let e = refused(&us_text().replace("high_malignancy_probability = 0.5", "high_malignancy_probability = 0.0"));
    assert!(e.contains("every study would be high probability"), "{e}");
    let e = refused(&us_text().replace("sla_hours = 24\n", "sla_hours = -1\n"));
    assert!(e.contains("queues.suspicious.sla_hours is -1"), "{e}");
}

#[test]
fn syntax_and_unknown_keys_are_refused_with_location() {
    let e = refused(&us_text().replace("exam_birads = [\"3\"]", "exam_birad = [\"3\"]"));
    assert!(e.contains("exam_birad"), "{e}");
    let e = refused(&us_text().replace("exam_birads = [\"3\"]", "exam_birads = [\"7\"]"));
    assert!(e.contains("7"), "{e}");
    let e = refused(&us_text().replace("mode = \"single_reorder\"", "mode = \"triple\""));
    assert!(e.contains("triple"), "{e}");
}

#[test]
fn mode_sections_must_agree() {
    let e = refused(&EU_POLICY.replace("[double_reading]\narbitration_queue = \"arbitration\"\n", "[unused]\n"));
    assert!(e.contains("unused") || e.contains("double_reading"), "{e}");
    let e = refused(&EU_POLICY.replace("arbitration_queue = \"arbitration\"", "arbitration_queue = \"nowhere\""));
    assert!(e.contains("\"nowhere\" is not a declared queue"), "{e}");
    let e = refused(&EU_POLICY.replace("mode = \"double_reading\"", "mode = \"single_reorder\""));
    assert!(e.contains("mode is single_reorder"), "{e}");
    let e = refused(&us_text().replace("name = \"routine\"\nqueue = \"routine\"", "name = \"routine\"\nqueue = \"routine\"\nreads = \"double\""));
    assert!(e.contains("asks for double reads"), "{e}");
}

#[test]
fn names_flags_and_lists_are_checked() {
    let e = refused(&us_text().replace("name = \"routine\"", "name = \"short-interval\""));
    assert!(e.contains("used twice"), "{e}");
    let e = refused(&us_text().replace("flags = [\"ai-suspicious\"]", "flags = [\"AI Suspicious\"]"));
    assert!(e.contains("flag \"AI Suspicious\""), "{e}");
    let e = refused(&us_text().replace("exam_birads = [\"3\"]", "exam_birads = []"));
    assert!(e.contains("empty list"), "{e}");
    let e = refused(&us_text().replace("version = \"us-single-reading-2026.1\"", "version = \"has space\""));
    assert!(e.contains("version"), "{e}");
}

#[test]
fn load_reports_the_file() {
    let missing = Policy::load(Some(std::path::Path::new("/nonexistent/policy.toml")));
    assert!(matches!(missing, Err(PolicyError::Read { .. })));
    assert_eq!(Policy::load(None).unwrap().version(), us().version());
}
