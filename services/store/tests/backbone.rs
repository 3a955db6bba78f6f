//! Inbox, outbox, dead letters and audit log against a real Postgres.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod common;

use mammoflow_store::dead_letters::{self, DeadLetterFilter, NewDeadLetter};
use mammoflow_store::{audit, inbox, outbox};
use uuid::Uuid;

#[tokio::test]
async fn inbox_dedupes_per_consumer_group_and_only_on_commit() {
    let db = common::db("inbox").await;
    let pool = db.pool();
    let event = Uuid::now_v7();

    // A handler that rolls back leaves the event unhandled.
    let mut tx = pool.begin().await.unwrap();
    assert!(
        inbox::record(&mut tx, "ingest", event, "mammo.study.arrived.v1", 0, 7)
            .await
            .unwrap()
    );
    tx.rollback().await.unwrap();
    assert!(!inbox::contains(pool, "ingest", event).await.unwrap());

    let mut tx = pool.begin().await.unwrap();
    assert!(
        inbox::record(&mut tx, "ingest", event, "mammo.study.arrived.v1", 0, 7)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert!(inbox::contains(pool, "ingest", event).await.unwrap());

    // Redelivery (even at another offset) is recognised; another group sees it as new.
    let mut tx = pool.begin().await.unwrap();
    assert!(
        !inbox::record(&mut tx, "ingest", event, "mammo.study.arrived.v1", 1, 99)
            .await
            .unwrap()
    );
    assert!(
        inbox::record(&mut tx, "audit", event, "mammo.study.arrived.v1", 0, 7)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();

    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(rows, 2);
    assert_eq!(
        inbox::prune(pool, chrono::Utc::now() + chrono::Duration::seconds(1))
            .await
            .unwrap(),
        2
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn outbox_publishes_in_id_order_with_one_relay_at_a_time() {
    let db = common::db("outbox").await;
    let pool = db.pool();
    assert_eq!(outbox::backlog(pool).await.unwrap(), (0, None));

    let mut events = Vec::new();
    let mut tx = pool.begin().await.unwrap();
    for i in 0..3 {
        let id = Uuid::now_v7();
        outbox::enqueue(
            &mut tx,
            "mammo.study.ready.v1",
            "1.2.3",
            id,
            format!("e{i}").as_bytes(),
        )
        .await
        .unwrap();
        events.push(id);
    }
    tx.commit().await.unwrap();
    // Rolled back: never becomes visible to the relay.
    let mut tx = pool.begin().await.unwrap();
    outbox::enqueue(
        &mut tx,
        "mammo.study.ready.v1",
        "9.9",
        Uuid::now_v7(),
        b"lost",
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    let late = Uuid::now_v7();
    outbox::enqueue(&mut tx, "mammo.study.ready.v1", "4.5.6", late, b"e3")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    events.push(late);

    let (count, oldest) = outbox::backlog(pool).await.unwrap();
    assert_eq!(count, 4);
    assert!(oldest.is_some());

    let mut batch = outbox::claim_batch(pool, 3)
        .await
        .unwrap()
        .expect("lock is free");
    let got: Vec<Uuid> = batch.messages.iter().map(|m| m.event_id).collect();
    assert_eq!(got, events[..3]);
    assert!(batch.messages.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(batch.messages[1].payload, b"e1");
    assert_eq!(batch.messages[0].key, "1.2.3");

    // A second relay is excluded while the first holds its batch.
    assert!(outbox::claim_batch(pool, 10).await.unwrap().is_none());

    let ids: Vec<i64> = batch.messages.iter().take(2).map(|m| m.id).collect();
    assert_eq!(outbox::mark_published(&mut batch, &ids).await.unwrap(), 2);
    batch.commit().await.unwrap();

    // The lock is gone with the transaction; the rest comes next, still in order.
    let batch = outbox::claim_batch(pool, 10)
        .await
        .unwrap()
        .expect("lock released on commit");
    let got: Vec<Uuid> = batch.messages.iter().map(|m| m.event_id).collect();
    assert_eq!(got, events[2..]);
    // Rolling back publishes nothing and releases the lock at once.
    batch.rollback().await.unwrap();
    let batch = outbox::claim_batch(pool, 10)
        .await
        .unwrap()
        .expect("lock released on rollback");
    assert_eq!(batch.messages.len(), 2);
    // Dropping rolls back too, as soon as the pool recycles the connection.
    drop(batch);
    let reclaim = async {
        loop {
            if let Some(batch) = outbox::claim_batch(pool, 10).await.unwrap() {
                break batch;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    let mut batch = tokio::time::timeout(std::time::Duration::from_secs(30), reclaim)
        .await
        .expect("lock released after drop");
    assert_eq!(batch.messages.len(), 2);
    let ids: Vec<i64> = batch.messages.iter().map(|m| m.id).collect();
    outbox::mark_published(&mut batch, &ids).await.unwrap();
    batch.commit().await.unwrap();

    assert_eq!(outbox::backlog(pool).await.unwrap(), (0, None));
    let future = chrono::Utc::now() + chrono::Duration::seconds(1);
    assert_eq!(outbox::prune_published(pool, future).await.unwrap(), 4);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn dead_letters_keep_raw_bytes_and_count_redeliveries() {
    let db = common::db("deadletters").await;
    let pool = db.pool();
    // Not UTF-8, with a NUL: must come back byte for byte.
    let payload: &[u8] = &[0xff, 0xfe, 0x00, b'{', 0xc3, 0x28];
    let d = NewDeadLetter {
        consumer_group: "ingest",
        topic: "mammo.study.arrived.v1",
        partition: 2,
        offset: 41,
        key: Some("1.2.3"),
        event_id: None,
        event_type: None,
        payload,
        reason: "not JSON: invalid UTF-8 at byte 0",
        error_kind: "decode",
    };
    let id = dead_letters::insert(pool, &d).await.unwrap();
    // The same record dead-lettered again (consumer restarted before committing its offset).
    let again = dead_letters::insert(pool, &d).await.unwrap();
    assert_eq!(id, again);
    let other = dead_letters::insert(pool, &NewDeadLetter { offset: 42, ..d })
        .await
        .unwrap();
    assert_ne!(id, other);

    let row = dead_letters::get(pool, id).await.unwrap().expect("stored");
    assert_eq!(row.payload, payload);
    assert_eq!(row.seen_count, 2);
    assert_eq!((row.partition, row.offset), (2, 41));
    assert_eq!(row.key.as_deref(), Some("1.2.3"));
    assert_eq!(dead_letters::count(pool).await.unwrap(), (2, 2));

    assert!(dead_letters::mark_replayed(pool, id).await.unwrap());
    assert!(!dead_letters::mark_replayed(pool, -1).await.unwrap());
    assert_eq!(dead_letters::count(pool).await.unwrap(), (2, 1));

    let pending = dead_letters::list(
        pool,
        &DeadLetterFilter {
            pending_only: true,
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(pending.iter().map(|r| r.id).collect::<Vec<_>>(), [other]);
    let all = dead_letters::list(
        pool,
        &DeadLetterFilter {
            topic: Some("mammo.study.arrived.v1".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        all.iter().map(|r| r.id).collect::<Vec<_>>(),
        [other, id],
        "newest first"
    );
    assert_eq!(all[1].replay_count, 1);
    let none = dead_letters::list(
        pool,
        &DeadLetterFilter {
            consumer_group: Some("triage".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(none.is_empty());
    let page = dead_letters::list(
        pool,
        &DeadLetterFilter {
            before_id: Some(other),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(page.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);

    // error_kind must be a machine-readable code.
    let err = dead_letters::insert(
        pool,
        &NewDeadLetter {
            offset: 43,
            error_kind: "Bad Kind",
            ..d
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.sqlstate().as_deref(), Some("23514"));
    assert!(!err.is_transient());
    assert!(
        err.to_string()
            .starts_with("dead_letters.insert (ingest mammo.study.arrived.v1/2@43)"),
        "{err}"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn audit_log_is_append_only() {
    let db = common::db("audit").await;
    let pool = db.pool();
    let details = serde_json::json!({"page": "study"});
    let first = audit::record(pool, "user:alice", "view", "study:1.2.3", &details)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    let second = audit::record(
        &mut *tx,
        "user:bob",
        "claim",
        "study:1.2.3",
        &serde_json::json!({}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let entries = audit::for_subject(pool, "study:1.2.3", 10).await.unwrap();
    assert_eq!(
        entries.iter().map(|e| e.id).collect::<Vec<_>>(),
        [second, first]
    );
    assert_eq!(entries[1].details, details);

    let refused = sqlx::query("DELETE FROM audit_log").execute(pool).await;
    assert!(refused.is_err(), "audit rows must not be deletable");
    let refused = sqlx::query("UPDATE audit_log SET actor = 'x'")
        .execute(pool)
        .await;
    assert!(refused.is_err(), "audit rows must not be editable");
    db.drop_database().await.unwrap();
}
