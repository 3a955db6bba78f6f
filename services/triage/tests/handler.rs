//! The triage handler against a real Postgres: queues, provenance, outbox, idempotency.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod common;

use common::{add_study, assigned_events, db, deliver, handler, parsed, MODEL, PARSER};
use mammoflow_bus::{Handler, HandlerError, MessageMeta};
use mammoflow_domain::BiRads;
use mammoflow_events::Envelope;
use mammoflow_store::studies::{self, StudyStatus};
use mammoflow_store::worklists::{self, ItemStatus, ReadRole};
use mammoflow_store::triage_policies;
use mammoflow_triage::{DEFAULT_POLICY_TOML, UNREGISTERED_MODEL_FLAG};

const EU_POLICY: &str = include_str!("../../../deploy/policies/eu-double-reading.toml");

#[tokio::test]
async fn every_default_rule_lands_in_its_queue_with_versions() {
    let db = db("triage_rules").await;
    let pool = db.pool();
    let handler = handler(pool, DEFAULT_POLICY_TOML).await;
    let mut high_probability = parsed("1.2.3.2", Some(BiRads::Benign));
    high_probability.malignancy_probability = Some(0.93);
    let mut low_confidence = parsed("1.2.3.8", Some(BiRads::Benign));
    low_confidence.confidence = Some(0.2);
    let mut upstream = parsed("1.2.3.9", Some(BiRads::Benign));
    upstream.human_read_reasons = vec!["parser: unreadable sentence".into()];
    let mut failed = parsed("1.2.3.10", None);
    failed.human_read_reasons = vec!["study ineligible: missing LMLO".into()];
    failed.malignancy_probability = None;
    let cases = [
        (parsed("1.2.3.1", Some(BiRads::ModerateSuspicion)), "suspicious", "suspicious-birads"),
        (high_probability, "suspicious", "suspicious-probability"),
        (parsed("1.2.3.3", Some(BiRads::Incomplete)), "recall-review", "recall-review"),
        (parsed("1.2.3.4", Some(BiRads::ProbablyBenign)), "short-interval", "short-interval"),
        (parsed("1.2.3.5", Some(BiRads::Negative)), "routine", "routine"),
        (parsed("1.2.3.6", Some(BiRads::Benign)), "routine", "routine"),
        (parsed("1.2.3.7", Some(BiRads::KnownMalignancy)), "known-cancer", "known-cancer"),
        (low_confidence, "human-full-read", "low-confidence"),
        (upstream, "human-full-read", "upstream-human-read"),
        (failed, "human-full-read", "no-ai-report"),
    ];
    for (payload, queue, rule) in cases {
        let uid = payload.study_instance_uid.to_string();
        let status = if payload.structured.is_none() { StudyStatus::Ineligible } else { StudyStatus::Parsed };
        add_study(pool, &uid, status).await;
        deliver(pool, &handler, payload).await;
        let items = worklists::for_study(pool, &uid).await.unwrap();
        assert_eq!(items.len(), 1, "{uid}: exactly one reading item");
        let item = &items[0];
        assert_eq!((item.queue.as_str(), item.rule_fired.as_deref()), (queue, Some(rule)), "{uid}");
        assert_eq!(item.read_role, ReadRole::Single);
        assert_eq!(item.status, ItemStatus::Pending);
        assert_eq!(item.policy_version.as_deref(), Some("us-single-reading-2026.1"));
        assert_eq!(item.model_version.as_deref(), Some(MODEL));
        assert_eq!(item.parser_version.as_deref(), Some(PARSER));
        assert!(item.reason.as_deref().is_some_and(|r| !r.is_empty()));
        assert!(item.due_at.is_some());
        let study = studies::get(pool, &uid).await.unwrap().unwrap();
        assert_eq!(study.status, StudyStatus::Triaged);
    }
    let events = assigned_events(pool).await;
    assert_eq!(events.len(), 10);
    let first = &events[0].payload;
    assert_eq!((first.queue.as_str(), first.rule.as_str()), ("suspicious", "suspicious-birads"));
    assert_eq!(first.model_version.as_deref(), Some(MODEL));
    assert_eq!(first.parser_version.as_deref(), Some(PARSER));
    // Queue order: the suspicious study comes before the routine ones.
    let suspicious = worklists::list_queue(pool, "suspicious", 10).await.unwrap();
    assert_eq!(suspicious.len(), 2);
    assert!(suspicious[0].priority >= suspicious[1].priority);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn redelivery_with_a_new_event_id_creates_nothing() {
    let db = db("triage_redelivery").await;
    let pool = db.pool();
    let handler = handler(pool, DEFAULT_POLICY_TOML).await;
    add_study(pool, "1.2.4.1", StudyStatus::Parsed).await;
    let first = deliver(pool, &handler, parsed("1.2.4.1", Some(BiRads::Incomplete))).await;
    // The same report again under a new event id, and a different one for the same study.
    let again = deliver(pool, &handler, parsed("1.2.4.1", Some(BiRads::Incomplete))).await;
    assert_ne!(first.event_id, again.event_id);
    deliver(pool, &handler, parsed("1.2.4.1", Some(BiRads::HighlySuggestive))).await;
    let items = worklists::for_study(pool, "1.2.4.1").await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].queue, "recall-review");
    let events = assigned_events(pool).await;
    assert_eq!(events.len(), 1, "only the first delivery emits");
    assert_eq!(events[0].correlation_id, first.correlation_id);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn double_reading_policy_creates_first_and_second_reads() {
    let db = db("triage_double").await;
    let pool = db.pool();
    let handler = handler(pool, EU_POLICY).await;
    add_study(pool, "1.2.5.1", StudyStatus::Parsed).await;
    deliver(pool, &handler, parsed("1.2.5.1", Some(BiRads::Benign))).await;
    let items = worklists::for_study(pool, "1.2.5.1").await.unwrap();
    let roles: Vec<_> = items.iter().map(|i| i.read_role).collect();
    assert_eq!(roles, [ReadRole::First, ReadRole::Second]);
    assert!(items.iter().all(|i| i.queue == "routine" && i.policy_version.as_deref() == Some("eu-double-reading-2026.1")));
    assert_eq!(assigned_events(pool).await.len(), 1, "one event per study, not per read");
    let active = triage_policies::active(pool).await.unwrap().unwrap();
    assert_eq!((active.version.as_str(), active.mode.as_str()), ("eu-double-reading-2026.1", "double_reading"));
    assert_eq!(active.policy_toml, EU_POLICY);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn unknown_study_is_a_permanent_error_and_unknown_model_is_flagged() {
    let db = db("triage_unknown").await;
    let pool = db.pool();
    let handler = handler(pool, DEFAULT_POLICY_TOML).await;
    let envelope = Envelope::new("parser", parsed("1.2.6.1", Some(BiRads::Benign)));
    let meta = MessageMeta { topic: "t".into(), partition: 0, offset: 0, key: None, timestamp_ms: None };
    let mut tx = pool.begin().await.unwrap();
    let refused = handler.handle(&mut tx, &envelope, &meta).await;
    assert!(matches!(refused, Err(HandlerError::Permanent { kind: "unknown_study", .. })), "{refused:?}");
    tx.rollback().await.unwrap();

    add_study(pool, "1.2.6.2", StudyStatus::Parsed).await;
    let mut payload = parsed("1.2.6.2", Some(BiRads::Benign));
    payload.model.version = "never-registered".into();
    deliver(pool, &handler, payload).await;
    let items = worklists::for_study(pool, "1.2.6.2").await.unwrap();
    assert_eq!(items[0].model_version, None);
    assert!(items[0].flags.contains(&UNREGISTERED_MODEL_FLAG.to_string()));
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_policy_version_names_one_text_forever() {
    let db = db("triage_policy_store").await;
    let pool = db.pool();
    handler(pool, DEFAULT_POLICY_TOML).await;
    // Loading the same text again is fine and keeps it active.
    handler(pool, DEFAULT_POLICY_TOML).await;
    let changed = DEFAULT_POLICY_TOML.replace("probability_priority_weight = 20", "probability_priority_weight = 30");
    let policy = mammoflow_triage::Policy::parse(&changed).unwrap();
    let refused = mammoflow_triage::store_policy(pool, &policy).await;
    assert!(refused.unwrap_err().to_string().contains("already stored with different text"));
    // Switching to another version makes it the only active one.
    handler(pool, EU_POLICY).await;
    let all = triage_policies::list(pool).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all.iter().filter(|p| p.active).map(|p| p.version.as_str()).collect::<Vec<_>>(), ["eu-double-reading-2026.1"]);
    db.drop_database().await.unwrap();
}
