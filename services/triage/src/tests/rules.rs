use super::*;
use crate::{decide, Decision, Mode};
use mammoflow_store::worklists::ReadRole;

fn decided(policy: &Policy, parsed: &ReportParsed) -> Decision {
    decide(policy, parsed, now())
}

fn assert_lands(parsed: &ReportParsed, queue: &str, rule: &str) -> Decision {
    let d = decided(&us(), parsed);
    assert_eq!((d.queue.as_str(), d.rule.as_str()), (queue, rule), "reason: {}", d.reason);
    d
}

#[test]
fn suspicious_categories_go_to_suspicious() {
    for category in [BiRads::Suspicious, BiRads::LowSuspicion, BiRads::ModerateSuspicion, BiRads::HighSuspicion,
        BiRads::HighlySuggestive]
    {
        let d = assert_lands(&report(Some(category), Some(BiRads::Negative)), "suspicious", "suspicious-birads");
        assert!(d.flags.contains(&"ai-suspicious".to_string()));
        assert!(d.reason.contains(&format!("AI BI-RADS {category}")), "{}", d.reason);
    }
}

#[test]
fn high_probability_overrides_a_normal_category() {
    let mut parsed = both(BiRads::Negative);
    parsed.malignancy_probability = Some(0.5);
    let d = assert_lands(&parsed, "suspicious", "suspicious-probability");
    assert!(d.flags.contains(&"high-malignancy-probability".to_string()));
    // Just under the threshold: routine.
    parsed.malignancy_probability = Some(0.49);
    assert_lands(&parsed, "routine", "routine");
}

#[test]
fn high_probability_without_a_report_is_still_suspicious() {
    let mut parsed = both(BiRads::Negative);
    parsed.structured = None;
    parsed.malignancy_probability = Some(0.9);
    let d = assert_lands(&parsed, "suspicious", "suspicious-probability");
    assert!(d.flags.contains(&"no-ai-report".to_string()));
}

#[test]
fn known_cancer_goes_to_known_cancer() {
    assert_lands(&report(Some(BiRads::KnownMalignancy), Some(BiRads::Benign)), "known-cancer", "known-cancer");
    // A new suspicious finding beside a known cancer is suspicious (severity order: 4 over 6).
    assert_lands(&report(Some(BiRads::KnownMalignancy), Some(BiRads::LowSuspicion)), "suspicious", "suspicious-birads");
}

#[test]
fn failures_go_to_human_full_read() {
    let mut parsed = both(BiRads::Negative);
    parsed.structured = None;
    parsed.malignancy_probability = None;
    parsed.human_read_reasons = vec!["study ineligible: missing LMLO".into()];
    let d = assert_lands(&parsed, "human-full-read", "no-ai-report");
    assert!(d.reason.contains("no AI report") && d.reason.contains("missing LMLO"), "{}", d.reason);
    assert_eq!(d.flags, ["human-read-required", "no-ai-report"]);

    let mut parsed = both(BiRads::Negative);
    parsed.human_read_reasons = vec!["parser: 3 unreadable sentences".into()];
    assert_lands(&parsed, "human-full-read", "upstream-human-read");
}

#[test]
fn discordant_reports_go_to_human_full_read() {
    assert_lands(&with_recommendation(both(BiRads::Benign), true), "human-full-read", "discordant");
    assert_lands(&with_recommendation(both(BiRads::Benign), false), "routine", "routine");
    // A stated overall category that contradicts the sides.
    let mut parsed = both(BiRads::Negative);
    if let Some(s) = parsed.structured.as_mut() {
        s.birads = PerBreast { overall: Some(BiRads::Negative), left: Some(BiRads::Incomplete), right: None };
    }
    assert_lands(&parsed, "human-full-read", "discordant");
}

#[test]
fn low_confidence_goes_to_human_full_read() {
    let mut parsed = both(BiRads::Negative);
    parsed.confidence = Some(0.59);
    let d = assert_lands(&parsed, "human-full-read", "low-confidence");
    assert!(d.flags.contains(&"low-confidence".to_string()));
    parsed.confidence = Some(0.6);
    assert_lands(&parsed, "routine", "routine");
    // Unknown confidence is not low; NaN probability is no probability.
    parsed.confidence = None;
    parsed.malignancy_probability = Some(f32::NAN);
    assert_lands(&parsed, "routine", "routine");
}

#[test]
fn a_report_without_category_goes_to_human_full_read() {
    assert_lands(&report(None, None), "human-full-read", "no-category");
}

#[test]
fn categories_0_3_1_2_go_to_their_queues() {
    assert_lands(&report(Some(BiRads::Incomplete), Some(BiRads::Negative)), "recall-review", "recall-review");
    assert_lands(&report(Some(BiRads::ProbablyBenign), Some(BiRads::Benign)), "short-interval", "short-interval");
    assert_lands(&both(BiRads::Negative), "routine", "routine");
    assert_lands(&report(None, Some(BiRads::Benign)), "routine", "routine");
}

#[test]
fn every_category_gets_a_decision_and_a_read() {
    for category in BiRads::ALL {
        for policy in [us(), eu()] {
            let d = decided(&policy, &both(category));
            assert!(!d.read_roles.is_empty());
            assert_ne!(d.rule, "catch-all", "{category} fell through");
        }
    }
}

#[test]
fn priority_and_due_time_come_from_queue_rule_and_probability() {
    let mut parsed = both(BiRads::LowSuspicion);
    parsed.malignancy_probability = Some(0.26);
    let d = decided(&us(), &parsed);
    // Base 100 + round(0.26 * 20) = 105.
    assert_eq!(d.priority, 105);
    assert_eq!(d.due_at, now() + chrono::Duration::hours(24));
    assert_eq!(d.read_roles, [ReadRole::Single]);
    let routine = decided(&us(), &both(BiRads::Benign));
    assert_eq!(routine.priority, 10 + 1);
    assert_eq!(routine.due_at, now() + chrono::Duration::hours(240));
}

#[test]
fn double_reading_creates_first_and_second_reads() {
    let policy = eu();
    assert_eq!(policy.mode(), Mode::DoubleReading);
    let d = decided(&policy, &both(BiRads::Negative));
    assert_eq!(d.read_roles, [ReadRole::First, ReadRole::Second]);
    assert_eq!(d.queue, "routine");
}

#[test]
fn a_rule_may_ask_for_a_single_read_in_double_reading_mode() {
    let text = EU_POLICY.replace(
        "name = \"routine\"\nqueue = \"routine\"",
        "name = \"routine\"\nqueue = \"routine\"\nreads = \"single\"",
    );
    let policy = Policy::parse(&text.replace("eu-double-reading-2026.1", "masai-like")).unwrap();
    assert_eq!(decided(&policy, &both(BiRads::Negative)).read_roles, [ReadRole::Single]);
    assert_eq!(decided(&policy, &both(BiRads::Incomplete)).read_roles, [ReadRole::First, ReadRole::Second]);
}

#[test]
fn side_and_finding_conditions_match() {
    let text = us().text().replace(
        "[[rules]]\nname = \"suspicious-birads\"",
        "[[rules]]\nname = \"distortion\"\nqueue = \"recall-review\"\nreason = \"distortion\"\n\
         [rules.when]\npositive_findings = [\"architectural_distortion\"]\n\n\
         [[rules]]\nname = \"right-zero\"\nqueue = \"short-interval\"\nreason = \"right 0\"\n\
         [rules.when]\nany_side_birads = [\"0\"]\n\n\
         [[rules]]\nname = \"suspicious-birads\"",
    );
    let policy = Policy::parse(&text).unwrap();
    let mut parsed = both(BiRads::Benign);
    if let Some(s) = parsed.structured.as_mut() {
        s.findings = vec![finding(FindingType::ArchitecturalDistortion, Side::Left, FindingStatus::Negative)];
    }
    assert_eq!(decided(&policy, &parsed).rule, "routine", "a denied finding does not match");
    if let Some(s) = parsed.structured.as_mut() {
        s.findings[0].status = FindingStatus::Positive;
    }
    assert_eq!(decided(&policy, &parsed).rule, "distortion");
    assert_eq!(decided(&policy, &report(Some(BiRads::Incomplete), Some(BiRads::Benign))).rule, "right-zero");
}

#[test]
fn the_catch_all_fires_when_nothing_else_does() {
    // A policy whose only conditional rule never matches a routine study.
    let text = r#"
version = "tiny"
mode = "single_reorder"
[thresholds]
high_malignancy_probability = 0.5
low_confidence = 0.5
[queues.human-full-read]
sla_hours = 72
priority = 50
[[rules]]
name = "only-zero"
queue = "human-full-read"
reason = "zero"
[rules.when]
exam_birads = ["0"]
[[rules]]
name = "everything-else"
queue = "human-full-read"
reason = "a person reads it"
"#;
    let d = decided(&Policy::parse(text).unwrap(), &both(BiRads::Benign));
    assert_eq!((d.rule.as_str(), d.priority), ("everything-else", 50));
}
