//! Worklists and reads against a real Postgres: concurrent claims, leases, blinding, arbitration.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use mammoflow_domain::{BiRads, PerBreast};
use mammoflow_store::reads::{submit_read, ArbitrationRule, NewArbitration, NewRead, ReadRow};
use mammoflow_store::studies::{self, NewStudy, StudyStatus};
use mammoflow_store::worklists::{self, InsertItems, ItemStatus, NewItems, ReadRole, WorklistError};
use mammoflow_store::local::TestDatabase;
use mammoflow_store::triage_policies::{self, NewPolicy};
use mammoflow_store::{audit, PgPool};
use serde_json::json;

const LEASE: Duration = Duration::from_secs(600);

/// A fresh database with the policy the test items name (`worklist_items.policy_version`
/// references `triage_policies`).
async fn fresh(prefix: &str) -> TestDatabase {
    let db = common::db(prefix).await;
    let policy = NewPolicy {
        version: "test-policy".into(),
        mode: "double_reading".into(),
        policy_toml: "# test".into(),
        queues: vec![],
    };
    triage_policies::activate(db.pool(), &policy, "test").await.unwrap();
    db
}

async fn add_study(pool: &PgPool, uid: &str) {
    let study = NewStudy { status: StudyStatus::Parsed, ..common::study(uid) };
    let mut tx = pool.begin().await.unwrap();
    studies::insert_ingested(&mut tx, &study, &[]).await.unwrap();
    tx.commit().await.unwrap();
}

fn items(uid: &str, queue: &str, roles: &[ReadRole], priority: f64, due_in_hours: i64) -> NewItems {
    NewItems {
        study_uid: uid.into(),
        queue: queue.into(),
        roles: roles.to_vec(),
        priority,
        due_at: Utc::now() + chrono::Duration::hours(due_in_hours),
        policy_version: "test-policy".into(),
        model_version: None,
        parser_version: Some("parser-test".into()),
        rule_fired: "test-rule".into(),
        reason: "because".into(),
        flags: vec!["flag-a".into()],
    }
}

/// Stores a study and its items; returns the item ids.
async fn triaged(pool: &PgPool, new: &NewItems) -> Vec<i64> {
    add_study(pool, &new.study_uid).await;
    let mut tx = pool.begin().await.unwrap();
    let InsertItems::Inserted(ids) = worklists::insert_items(&mut tx, new).await.unwrap() else {
        panic!("items not inserted");
    };
    tx.commit().await.unwrap();
    ids
}

#[tokio::test]
async fn many_concurrent_claimers_claim_every_item_exactly_once() {
    let db = fresh("wl_concurrent").await;
    // More connections than claimers, so the claims really run at the same time in Postgres.
    let pool = mammoflow_store::connect(db.url(), 32).await.unwrap();
    let mut all = BTreeSet::new();
    for n in 0..240 {
        let ids = triaged(&pool, &items(&format!("1.2.9.{n}"), "routine", &[ReadRole::Single], f64::from(n % 7), n.into())).await;
        all.extend(ids);
    }
    let claimers: Vec<_> = (0..24)
        .map(|c| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let reader = format!("user:reader{c}");
                let mut got = Vec::new();
                while let Some(item) = worklists::claim_next(&pool, "routine", &reader, LEASE).await.unwrap() {
                    assert_eq!(item.lease_holder.as_deref(), Some(reader.as_str()));
                    got.push(item.id);
                }
                got
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for claimer in claimers {
        claimed.extend(claimer.await.unwrap());
    }
    let unique: BTreeSet<i64> = claimed.iter().copied().collect();
    assert_eq!(unique.len(), claimed.len(), "an item was claimed twice");
    assert_eq!(unique, all, "every item claimed");
    let stats = worklists::queue_stats(&pool).await.unwrap();
    let routine = stats.iter().find(|s| s.queue == "routine").unwrap();
    assert_eq!((routine.pending, routine.claimed), (0, 240));
    pool.close().await;
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn claims_follow_priority_then_due_time_and_inserts_are_idempotent() {
    let db = fresh("wl_order").await;
    let pool = db.pool();
    let low = triaged(pool, &items("1.3.1", "suspicious", &[ReadRole::Single], 10.0, 1)).await[0];
    let high_late = triaged(pool, &items("1.3.2", "suspicious", &[ReadRole::Single], 50.0, 48)).await[0];
    let high_soon = triaged(pool, &items("1.3.3", "suspicious", &[ReadRole::Single], 50.0, 2)).await[0];
    let order: Vec<i64> = worklists::list_queue(pool, "suspicious", 10).await.unwrap().iter().map(|i| i.id).collect();
    assert_eq!(order, [high_soon, high_late, low]);
    let next = worklists::claim_next(pool, "suspicious", "user:a", LEASE).await.unwrap().unwrap();
    assert_eq!(next.id, high_soon);
    assert_eq!(next.flags, ["flag-a"]);

    // A second triage of the same study, and one of an unknown study, change nothing.
    let mut tx = pool.begin().await.unwrap();
    let again = worklists::insert_items(&mut tx, &items("1.3.1", "routine", &[ReadRole::Single], 1.0, 1)).await.unwrap();
    assert_eq!(again, InsertItems::AlreadyTriaged);
    let unknown = worklists::insert_items(&mut tx, &items("9.9.9", "routine", &[ReadRole::Single], 1.0, 1)).await.unwrap();
    assert_eq!(unknown, InsertItems::UnknownStudy);
    tx.commit().await.unwrap();
    assert_eq!(worklists::for_study(pool, "1.3.1").await.unwrap().len(), 1);

    // An operator pushes the low item to the front.
    let moved = worklists::reprioritise(pool, low, "user:op", 99.0, None, "clinical call").await.unwrap();
    assert_eq!(moved.priority, 99.0);
    let next = worklists::claim_next(pool, "suspicious", "user:b", LEASE).await.unwrap().unwrap();
    assert_eq!(next.id, low);
    let actions: Vec<String> = audit::for_subject(pool, "study:1.3.1", 10).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["worklist.claimed", "worklist.reprioritised"]);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn expired_leases_return_items_and_renew_release_need_the_holder() {
    let db = fresh("wl_leases").await;
    let pool = db.pool();
    let id = triaged(pool, &items("1.4.1", "routine", &[ReadRole::Single], 1.0, 1)).await[0];
    let short = Duration::from_millis(300);
    worklists::claim(pool, id, "user:a", short).await.unwrap();
    assert!(matches!(worklists::claim(pool, id, "user:b", LEASE).await, Err(WorklistError::NotPending { .. })));
    assert_eq!(worklists::expire_leases(pool).await.unwrap(), 0, "lease still running");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(worklists::expire_leases(pool).await.unwrap(), 1);
    let item = worklists::get(pool, id).await.unwrap().unwrap();
    assert_eq!((item.status, item.lease_holder), (ItemStatus::Pending, None));

    let b = worklists::claim_next(pool, "routine", "user:b", short).await.unwrap().unwrap();
    assert_eq!(b.id, id);
    assert!(matches!(worklists::renew(pool, id, "user:a", LEASE).await, Err(WorklistError::NotHolder { .. })));
    let renewed = worklists::renew(pool, id, "user:b", LEASE).await.unwrap();
    assert!(renewed.lease_expires_at > b.lease_expires_at);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(worklists::expire_leases(pool).await.unwrap(), 0, "the renewed lease holds");
    assert!(matches!(worklists::release(pool, id, "user:a").await, Err(WorklistError::NotHolder { .. })));
    let released = worklists::release(pool, id, "user:b").await.unwrap();
    assert_eq!(released.status, ItemStatus::Pending);
    assert!(matches!(worklists::claim(pool, id, "", LEASE).await, Err(WorklistError::Invalid { .. })));
    let actions: Vec<String> = audit::for_subject(pool, "study:1.4.1", 10).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["worklist.released", "worklist.claimed", "worklist.claimed"]);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_first_reader_can_never_claim_the_second_read() {
    let db = fresh("wl_blinded").await;
    let pool = mammoflow_store::connect(db.url(), 16).await.unwrap();
    let ids = triaged(&pool, &items("1.5.1", "routine", &[ReadRole::First, ReadRole::Second], 1.0, 1)).await;
    let first = worklists::claim_next(&pool, "routine", "user:alice", LEASE).await.unwrap().unwrap();
    assert_eq!((first.id, first.read_role), (ids[0], ReadRole::First));
    // Neither by id nor from the queue, while holding the first read...
    assert!(matches!(worklists::claim(&pool, ids[1], "user:alice", LEASE).await, Err(WorklistError::Blinded { .. })));
    assert_eq!(worklists::claim_next(&pool, "routine", "user:alice", LEASE).await.unwrap(), None);
    // ...nor after reading it.
    submit_read(&pool, &read(ids[0], "user:alice", BiRads::Negative), &RecallRule).await.unwrap();
    assert!(matches!(worklists::claim(&pool, ids[1], "user:alice", LEASE).await, Err(WorklistError::Blinded { .. })));
    let bob = worklists::claim_next(&pool, "routine", "user:bob", LEASE).await.unwrap().unwrap();
    assert_eq!(bob.id, ids[1]);

    // Racing claims by one reader on many double-read studies never give them both reads.
    let mut studies = Vec::new();
    for n in 0..20 {
        let uid = format!("1.5.2.{n}");
        triaged(&pool, &items(&uid, "recall-review", &[ReadRole::First, ReadRole::Second], 1.0, 1)).await;
        studies.push(uid);
    }
    let racers: Vec<_> = (0..6)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                while worklists::claim_next(&pool, "recall-review", "user:carol", LEASE).await.unwrap().is_some() {}
            })
        })
        .collect();
    for racer in racers {
        racer.await.unwrap();
    }
    for uid in &studies {
        let held = worklists::for_study(&pool, uid).await.unwrap();
        let by_carol = held.iter().filter(|i| i.lease_holder.as_deref() == Some("user:carol")).count();
        assert_eq!(by_carol, 1, "{uid}: carol holds {by_carol} reads");
    }
    pool.close().await;
    db.drop_database().await.unwrap();
}

/// The recall comparison for these tests (the real one is the triage policy's).
struct RecallRule;

impl ArbitrationRule for RecallRule {
    fn arbitration(&self, first: &ReadRow, second: &ReadRow, now: DateTime<Utc>) -> Option<NewArbitration> {
        let recall = |r: &ReadRow| {
            PerBreast { overall: None, left: r.birads_left, right: r.birads_right }.exam_category().map(BiRads::is_recall)
        };
        (recall(first) != recall(second)).then(|| NewArbitration {
            queue: "arbitration".into(),
            priority: 5.0,
            due_at: now + chrono::Duration::hours(48),
            policy_version: None,
            rule_fired: "recall-disagreement".into(),
            reason: "first and second reads disagree on recall".into(),
            flags: vec![],
        })
    }
}

fn read(item_id: i64, reader: &str, category: BiRads) -> NewRead {
    NewRead {
        item_id,
        reader: reader.into(),
        birads_right: Some(category),
        birads_left: Some(BiRads::Negative),
        density: Some(mammoflow_domain::Density::B),
        findings: vec![],
        free_text: "text".into(),
        parsed: Some(json!({"birads": {"right": category.code()}})),
        parser_version: Some("mammorgtool-test".into()),
    }
}

/// First and second reads of a fresh study by alice and bob; returns the arbitration item id.
async fn pair(pool: &PgPool, uid: &str, first: BiRads, second: BiRads) -> Option<i64> {
    let ids = triaged(pool, &items(uid, "routine", &[ReadRole::First, ReadRole::Second], 1.0, 1)).await;
    worklists::claim(pool, ids[0], "user:alice", LEASE).await.unwrap();
    worklists::claim(pool, ids[1], "user:bob", LEASE).await.unwrap();
    let one = submit_read(pool, &read(ids[0], "user:alice", first), &RecallRule).await.unwrap();
    assert!(one.arbitration.is_none());
    assert_eq!((one.item.status, one.read.role), (ItemStatus::Done, ReadRole::First));
    let two = submit_read(pool, &read(ids[1], "user:bob", second), &RecallRule).await.unwrap();
    assert_eq!(two.item.completed_by.as_deref(), Some("user:bob"));
    two.arbitration.map(|a| a.id)
}

#[tokio::test]
async fn double_reading_disagreement_opens_arbitration_and_agreement_does_not() {
    let db = fresh("wl_arbitration").await;
    let pool = db.pool();
    let arbitration = pair(pool, "1.6.1", BiRads::LowSuspicion, BiRads::Benign).await.unwrap();
    let item = worklists::get(pool, arbitration).await.unwrap().unwrap();
    assert_eq!((item.queue.as_str(), item.read_role, item.status), ("arbitration", ReadRole::Arbitration, ItemStatus::Pending));
    assert_eq!(item.policy_version.as_deref(), Some("test-policy"), "provenance copied from the pair");
    assert!(worklists::claim(pool, arbitration, "user:alice", LEASE).await.is_err());
    let carol = worklists::claim(pool, arbitration, "user:carol", LEASE).await.unwrap();
    let third = submit_read(pool, &read(carol.id, "user:carol", BiRads::Incomplete), &RecallRule).await.unwrap();
    assert_eq!((third.read.role, third.arbitration), (ReadRole::Arbitration, None));

    assert_eq!(pair(pool, "1.6.2", BiRads::Negative, BiRads::Benign).await, None);
    assert_eq!(pair(pool, "1.6.3", BiRads::Incomplete, BiRads::HighlySuggestive).await, None);
    let reads = mammoflow_store::reads::for_study(pool, "1.6.1").await.unwrap();
    assert_eq!(reads.len(), 3);
    assert_eq!(reads[0].density, Some(mammoflow_domain::Density::B));
    let actions: Vec<String> = audit::for_subject(pool, "study:1.6.1", 20).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions.iter().filter(|a| *a == "read.submitted").count(), 3);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn only_the_holder_submits_and_only_once() {
    let db = fresh("wl_submit").await;
    let pool = db.pool();
    let id = triaged(pool, &items("1.7.1", "routine", &[ReadRole::Single], 1.0, -1)).await[0];
    let overdue = worklists::queue_stats(pool).await.unwrap().into_iter().find(|s| s.queue == "routine").unwrap();
    assert_eq!((overdue.pending, overdue.overdue), (1, 1));
    assert!(overdue.oldest_age_seconds.is_some());
    let unclaimed = submit_read(pool, &read(id, "user:a", BiRads::Benign), &RecallRule).await;
    assert!(matches!(unclaimed, Err(WorklistError::NotHolder { .. })));
    worklists::claim(pool, id, "user:a", LEASE).await.unwrap();
    let other = submit_read(pool, &read(id, "user:b", BiRads::Benign), &RecallRule).await;
    assert!(matches!(other, Err(WorklistError::NotHolder { .. })));
    let mut no_version = read(id, "user:a", BiRads::Benign);
    no_version.parser_version = None;
    assert!(matches!(submit_read(pool, &no_version, &RecallRule).await, Err(WorklistError::Invalid { .. })));
    let done = submit_read(pool, &read(id, "user:a", BiRads::Benign), &RecallRule).await.unwrap();
    assert_eq!(done.read.role, ReadRole::Single);
    let again = submit_read(pool, &read(id, "user:a", BiRads::Benign), &RecallRule).await;
    assert!(matches!(again, Err(WorklistError::Closed { status: ItemStatus::Done, .. })), "{again:?}");
    let stats = worklists::queue_stats(pool).await.unwrap().into_iter().find(|s| s.queue == "routine").unwrap();
    assert_eq!((stats.pending, stats.claimed, stats.overdue), (0, 0, 0));
    db.drop_database().await.unwrap();
}
