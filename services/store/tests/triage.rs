//! Triage policies in the store: one text per version, one active policy, queues added.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod common;

use mammoflow_store::triage_policies::{self, NewPolicy, PolicyQueue, PolicyStoreError};
use mammoflow_store::{audit, worklists};

fn policy(version: &str, text: &str, queues: &[&str]) -> NewPolicy {
    NewPolicy {
        version: version.into(),
        mode: "single_reorder".into(),
        policy_toml: text.into(),
        queues: queues
            .iter()
            .map(|q| PolicyQueue { name: (*q).into(), title: format!("Queue {q}"), sla_seconds: 3600.0 })
            .collect(),
    }
}

#[tokio::test]
async fn activation_stores_text_once_and_keeps_one_policy_active() {
    let db = common::db("triage_policies").await;
    let pool = db.pool();
    assert_eq!(triage_policies::active(pool).await.unwrap(), None);

    let v1 = triage_policies::activate(pool, &policy("v1", "text 1", &["routine", "second-look"]), "service:triage")
        .await
        .unwrap();
    assert!(v1.active);
    assert_eq!(v1.policy_toml, "text 1");
    // The new queue exists now; the seeded one kept its title.
    let stats = worklists::queue_stats(pool).await.unwrap();
    let titles: Vec<(&str, &str)> = stats.iter().map(|s| (s.queue.as_str(), s.title.as_str())).collect();
    assert!(titles.contains(&("second-look", "Queue second-look")), "{titles:?}");
    assert!(titles.contains(&("routine", "Routine")), "{titles:?}");

    // Same version, same text: fine. Same version, other text: refused, nothing changed.
    triage_policies::activate(pool, &policy("v1", "text 1", &[]), "service:triage").await.unwrap();
    let refused = triage_policies::activate(pool, &policy("v1", "text 1 changed", &[]), "service:triage").await;
    assert!(matches!(refused, Err(PolicyStoreError::TextMismatch { .. })), "{refused:?}");
    assert_eq!(triage_policies::get(pool, "v1").await.unwrap().unwrap().policy_toml, "text 1");

    // A new version takes over; the old one stays stored, inactive.
    triage_policies::activate(pool, &policy("v2", "text 2", &[]), "service:triage").await.unwrap();
    assert_eq!(triage_policies::active(pool).await.unwrap().unwrap().version, "v2");
    let all = triage_policies::list(pool).await.unwrap();
    assert_eq!(all.iter().filter(|p| p.active).count(), 1);
    assert_eq!(all.len(), 2);
    // Back to v1: activated again and audited again.
    triage_policies::activate(pool, &policy("v1", "text 1", &[]), "service:triage").await.unwrap();
    assert_eq!(triage_policies::active(pool).await.unwrap().unwrap().version, "v1");
    let v1_audit = audit::for_subject(pool, "triage_policy:v1", 10).await.unwrap();
    assert_eq!(v1_audit.len(), 2, "activated twice, re-loading while active is not an activation");
    db.drop_database().await.unwrap();
}
