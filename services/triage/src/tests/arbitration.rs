use super::*;
use crate::{is_recall, recall_disagreement, ARBITRATION_RULE};
use mammoflow_store::reads::{ArbitrationRule, ReadRow};
use mammoflow_store::worklists::ReadRole;

fn read(role: ReadRole, right: Option<BiRads>, left: Option<BiRads>) -> ReadRow {
    ReadRow {
        id: 1,
        study_uid: "1.2.3".into(),
        worklist_item_id: Some(1),
        reader: "user:a".into(),
        role,
        birads_right: right,
        birads_left: left,
        density: None,
        findings: vec![],
        free_text: String::new(),
        parsed: None,
        parser_version: None,
        submitted_at: now(),
    }
}

#[test]
fn recall_categories() {
    for b in [BiRads::Incomplete, BiRads::Suspicious, BiRads::LowSuspicion, BiRads::HighlySuggestive] {
        assert!(is_recall(b, false) && is_recall(b, true), "{b}");
    }
    for b in [BiRads::Negative, BiRads::Benign, BiRads::KnownMalignancy] {
        assert!(!is_recall(b, false) && !is_recall(b, true), "{b}");
    }
    assert!(is_recall(BiRads::ProbablyBenign, true));
    assert!(!is_recall(BiRads::ProbablyBenign, false));
}

#[test]
fn disagreement_on_recall_needs_arbitration() {
    let d = recall_disagreement(Some(BiRads::LowSuspicion), Some(BiRads::Negative), true);
    assert_eq!(d.as_deref(), Some("first read: recall (BI-RADS 4A); second read: no recall (BI-RADS 1)"));
    assert!(recall_disagreement(Some(BiRads::Incomplete), Some(BiRads::HighlySuggestive), true).is_none());
    assert!(recall_disagreement(Some(BiRads::Benign), Some(BiRads::Negative), true).is_none());
    // BI-RADS 3 against 2: a disagreement only where 3 is a recall.
    assert!(recall_disagreement(Some(BiRads::ProbablyBenign), Some(BiRads::Benign), true).is_some());
    assert!(recall_disagreement(Some(BiRads::ProbablyBenign), Some(BiRads::Benign), false).is_none());
    assert!(recall_disagreement(None, Some(BiRads::Benign), true).is_some());
}

#[test]
fn policy_opens_arbitration_in_its_queue() {
    let policy = eu();
    let first = read(ReadRole::First, Some(BiRads::Negative), Some(BiRads::Incomplete));
    let second = read(ReadRole::Second, Some(BiRads::Negative), Some(BiRads::Benign));
    let arbitration = policy.arbitration(&first, &second, now()).unwrap();
    assert_eq!(arbitration.queue, "arbitration");
    assert_eq!(arbitration.rule_fired, ARBITRATION_RULE);
    assert_eq!(arbitration.priority, 80.0);
    assert_eq!(arbitration.due_at, now() + chrono::Duration::hours(72));
    assert_eq!(arbitration.policy_version.as_deref(), Some("eu-double-reading-2026.1"));
    let agreeing = read(ReadRole::Second, Some(BiRads::Incomplete), None);
    assert!(policy.arbitration(&first, &agreeing, now()).is_none());
}
