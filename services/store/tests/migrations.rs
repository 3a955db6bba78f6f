#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod common;

use mammoflow_domain::{BiRads, Density, View};
use mammoflow_store::studies::{InstanceRole, StudyStatus};
use mammoflow_store::{migrate, MIGRATOR};

const TABLES: [&str; 14] = [
    "studies",
    "study_instances",
    "model_versions",
    "ai_reports",
    "parsed_reports",
    "queues",
    "worklist_items",
    "reads",
    "outcomes",
    "audit_log",
    "inbox",
    "outbox",
    "dead_letters",
    "triage_policies",
];

#[tokio::test]
async fn migrations_apply_from_scratch_and_are_idempotent() {
    let db = common::db("migrations").await;
    let pool = db.pool();
    // fresh_database already migrated once; a second and third run must change nothing.
    migrate(pool).await.expect("second run");
    migrate(pool).await.expect("third run");

    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(pool)
            .await
            .unwrap();
    let embedded: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
    assert_eq!(applied, embedded, "each migration applied exactly once");
    assert!(embedded.len() >= 5);

    for table in TABLES {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(format!("public.{table}"))
            .fetch_one(pool)
            .await
            .unwrap();
        assert!(exists, "table {table} missing");
    }
    let queues: Vec<String> = sqlx::query_scalar("SELECT name FROM queues ORDER BY display_order")
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(
        queues,
        [
            "suspicious",
            "known-cancer",
            "recall-review",
            "human-full-read",
            "arbitration",
            "short-interval",
            "routine"
        ]
    );
    db.drop_database().await.unwrap();
}

async fn constraint(pool: &sqlx::PgPool, name: &str) -> String {
    sqlx::query_scalar("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1")
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("constraint {name}: {e}"))
}

/// The schema's CHECK lists and the Rust enums name the same codes.
#[tokio::test]
async fn enumerations_match_the_rust_types() {
    let db = common::db("enums").await;
    let pool = db.pool();
    for b in BiRads::ALL {
        let ok: bool = sqlx::query_scalar("SELECT is_birads_code($1)")
            .bind(b.code())
            .fetch_one(pool)
            .await
            .unwrap();
        assert!(ok, "{} rejected by the schema", b.code());
    }
    let bad: bool = sqlx::query_scalar("SELECT is_birads_code('4D')")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(!bad);

    let checks = [
        (
            "reads_density_check",
            Density::ALL.iter().map(|d| d.code()).collect::<Vec<_>>(),
        ),
        (
            "study_instances_view_check",
            View::ALL.iter().map(|v| v.code()).collect(),
        ),
        (
            "study_instances_role_check",
            InstanceRole::ALL.iter().map(|r| r.as_str()).collect(),
        ),
        (
            "studies_status_check",
            StudyStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ),
    ];
    for (name, codes) in checks {
        let def = constraint(pool, name).await;
        let quoted = def.matches("'").count() / 2;
        assert_eq!(quoted, codes.len(), "{name}: {def}");
        for code in codes {
            assert!(
                def.contains(&format!("'{code}'")),
                "{name} lacks {code}: {def}"
            );
        }
    }
    db.drop_database().await.unwrap();
}
