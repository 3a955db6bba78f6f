//! Double reading end to end in the database: triage creates first and second reads, two
//! readers claim and submit them, and the policy's recall rule opens arbitration on disagreement.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod common;

use std::time::Duration;

use common::{add_study, db, deliver, handler, parsed};
use mammoflow_domain::BiRads;
use mammoflow_store::reads::{submit_read, NewRead};
use mammoflow_store::studies::StudyStatus;
use mammoflow_store::worklists::{self, ReadRole, WorklistError};
use mammoflow_store::PgPool;
use mammoflow_triage::{Policy, ARBITRATION_RULE};

const EU_POLICY: &str = include_str!("../../../deploy/policies/eu-double-reading.toml");
const LEASE: Duration = Duration::from_secs(600);

fn read(item_id: i64, reader: &str, category: BiRads) -> NewRead {
    NewRead {
        item_id,
        reader: reader.into(),
        birads_right: Some(category),
        birads_left: Some(BiRads::Negative),
        density: None,
        findings: vec![],
        free_text: format!("Right breast BI-RADS {category}."),
        parsed: None,
        parser_version: None,
    }
}

/// Triage one study with the EU policy; the first and second readers read it with these
/// categories. Returns the arbitration item id, if one was opened.
async fn double_read(pool: &PgPool, policy: &Policy, uid: &str, first: BiRads, second: BiRads) -> Option<i64> {
    add_study(pool, uid, StudyStatus::Parsed).await;
    let handler = handler(pool, EU_POLICY).await;
    deliver(pool, &handler, parsed(uid, Some(BiRads::Benign))).await;
    let items = worklists::for_study(pool, uid).await.unwrap();
    let (first_item, second_item) = (items[0].id, items[1].id);

    let alice = worklists::claim(pool, first_item, "user:alice", LEASE).await.unwrap();
    assert_eq!(alice.read_role, ReadRole::First);
    // Blinding: alice cannot also take the second read.
    let refused = worklists::claim(pool, second_item, "user:alice", LEASE).await;
    assert!(matches!(refused, Err(WorklistError::Blinded { .. })), "{refused:?}");
    let first_done = submit_read(pool, &read(first_item, "user:alice", first), policy).await.unwrap();
    assert!(first_done.arbitration.is_none(), "one read alone never opens arbitration");

    worklists::claim(pool, second_item, "user:bob", LEASE).await.unwrap();
    let second_done = submit_read(pool, &read(second_item, "user:bob", second), policy).await.unwrap();
    second_done.arbitration.map(|a| a.id)
}

#[tokio::test]
async fn disagreement_on_recall_opens_arbitration_for_a_third_reader() {
    let db = db("triage_arbitration").await;
    let pool = db.pool();
    let policy = Policy::parse(EU_POLICY).unwrap();
    let arbitration = double_read(pool, &policy, "1.2.7.1", BiRads::Incomplete, BiRads::Benign).await.unwrap();
    let item = worklists::get(pool, arbitration).await.unwrap().unwrap();
    assert_eq!((item.queue.as_str(), item.read_role), ("arbitration", ReadRole::Arbitration));
    assert_eq!(item.rule_fired.as_deref(), Some(ARBITRATION_RULE));
    assert!(item.reason.as_deref().is_some_and(|r| r.contains("first read: recall (BI-RADS 0)")), "{:?}", item.reason);
    // Neither reader of the pair may arbitrate; a third reader may.
    for reader in ["user:alice", "user:bob"] {
        let refused = worklists::claim(pool, arbitration, reader, LEASE).await;
        assert!(matches!(refused, Err(WorklistError::Blinded { .. })), "{reader}: {refused:?}");
    }
    let carol = worklists::claim_next(pool, "arbitration", "user:carol", LEASE).await.unwrap().unwrap();
    assert_eq!(carol.id, arbitration);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn agreement_opens_no_arbitration() {
    let db = db("triage_agreement").await;
    let pool = db.pool();
    let policy = Policy::parse(EU_POLICY).unwrap();
    assert_eq!(double_read(pool, &policy, "1.2.8.1", BiRads::Negative, BiRads::Benign).await, None);
    assert_eq!(double_read(pool, &policy, "1.2.8.2", BiRads::Incomplete, BiRads::LowSuspicion).await, None);
    let open = worklists::list_queue(pool, "arbitration", 10).await.unwrap();
    assert!(open.is_empty());
    db.drop_database().await.unwrap();
}
