//! Reports against a real Postgres: six hand-built studies with known figures.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::time::Duration as StdDuration;

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use mammoflow_audit::{Dimension, Undefined};
use mammoflow_domain::{BiRads, StructuredReport};
use mammoflow_reports::{build_audit, build_drift, build_period, check_drift, render_audit_html, render_period_html, AuditRequest, DriftMetrics, DriftWatch, Program};
use mammoflow_store::ai_reports::{self, ModelRole, NewAiReport};
use mammoflow_store::testing::model_version;
use mammoflow_store::local::{fresh_database, test_server_url, TestDatabase};
use mammoflow_store::outcomes::{self, NewOutcome};
use mammoflow_store::parsed_reports::{self, NewParse};
use mammoflow_store::reads::{submit_read, ArbitrationRule, NewArbitration, NewRead, ReadRow};
use mammoflow_store::studies::{insert_ingested, StudyStatus};
use mammoflow_store::worklists::{self, InsertItems, NewItems, ReadRole};
use mammoflow_store::triage_policies::{self, NewPolicy};
use mammoflow_store::PgPool;
use serde_json::json;

const HOSTILE: &str = "<script>alert('x')</script>";

async fn db(prefix: &str) -> TestDatabase {
    let server = test_server_url().await.expect("a Postgres server for tests");
    fresh_database(&server, prefix).await.expect("fresh test database")
}

/// Single reading: never arbitration.
struct NoArbitration;

impl ArbitrationRule for NoArbitration {
    fn arbitration(&self, _: &ReadRow, _: &ReadRow, _: DateTime<Utc>) -> Option<NewArbitration> {
        None
    }
}

/// One study: `ai` is the AI's exam category (None: no AI report), `read` the reader's
/// (None: no item read), `due_in` the item's due time from now (None: no item).
struct Case {
    uid: &'static str,
    status: StudyStatus,
    reason: Option<&'static str>,
    site: &'static str,
    ai: Option<BiRads>,
    read: Option<BiRads>,
    due_in: Option<Duration>,
}

async fn store(pool: &PgPool, cases: &[Case]) {
    ai_reports::register_model(pool, &model_version("m1", ModelRole::Champion), "test").await.unwrap();
    let policy = NewPolicy { version: "policy-1".into(), mode: "single_reorder".into(), policy_toml: "# test".into(), queues: vec![] };
    triage_policies::activate(pool, &policy, "test").await.unwrap();
    for c in cases {
        let mut tx = pool.begin().await.unwrap();
        let mut study = mammoflow_store::testing::study(c.uid, c.status);
        study.site = c.site.into();
        study.status_reason = c.reason.map(String::from);
        study.manufacturer = Some("PhantomCo".into());
        study.model = Some("P1".into());
        insert_ingested(&mut tx, &study, &[]).await.unwrap();
        if let Some(category) = c.ai {
            let report = NewAiReport {
                study_uid: c.uid.into(),
                model_version: "m1".into(),
                report_text: "text".into(),
                probabilities: json!({}),
                malignancy_probability: None,
                shadow: false,
                device: "cpu".into(),
                batch_size: 1,
                queue_ms: 0.0,
                inference_ms: 1.0,
                event_id: None,
            };
            ai_reports::insert(&mut tx, &report).await.unwrap();
            let mut structured = StructuredReport::default();
            structured.birads.right = Some(category);
            structured.birads.left = Some(BiRads::Negative);
            let parse = NewParse { parser_version: "p1", structured: &structured, warnings: &json!([]), confidence: Some(0.9) };
            parsed_reports::insert_for_ai_report(&mut tx, c.uid, "m1", &parse).await.unwrap();
        }
        let item = match c.due_in {
            Some(due_in) => {
                let items = NewItems {
                    study_uid: c.uid.into(),
                    queue: "routine".into(),
                    roles: vec![ReadRole::Single],
                    priority: 1.0,
                    due_at: Utc::now() + due_in,
                    policy_version: "policy-1".into(),
                    model_version: None,
                    parser_version: None,
                    rule_fired: "test".into(),
                    reason: "test".into(),
                    flags: vec![],
                };
                match worklists::insert_items(&mut tx, &items).await.unwrap() {
                    InsertItems::Inserted(ids) => ids.first().copied(),
                    other => panic!("{other:?}"),
                }
            }
            None => None,
        };
        tx.commit().await.unwrap();
        if let (Some(item), Some(category)) = (item, c.read) {
            worklists::claim(pool, item, "user:alice", StdDuration::from_secs(600)).await.unwrap();
            let read = NewRead {
                item_id: item,
                reader: "user:alice".into(),
                birads_right: Some(category),
                birads_left: Some(BiRads::Negative),
                density: None,
                findings: vec![],
                free_text: "read".into(),
                parsed: None,
                parser_version: None,
            };
            submit_read(pool, &read, &NoArbitration).await.unwrap();
        }
    }
}

fn cases() -> Vec<Case> {
    let day = Some(Duration::days(1));
    let case = |uid, ai, read, due_in| Case { uid, status: StudyStatus::Triaged, reason: None, site: "site-a", ai, read, due_in };
    vec![
        case("1.1", Some(BiRads::Negative), Some(BiRads::Negative), day),
        // The cancer: both recall it.
        case("1.2", Some(BiRads::ModerateSuspicion), Some(BiRads::Suspicious), day),
        // Disagreements: the reader recalls (0), the AI says benign; 2 vs 1, read after its due time.
        Case { site: HOSTILE, ..case("1.3", Some(BiRads::Benign), Some(BiRads::Incomplete), day) },
        case("1.4", Some(BiRads::Negative), Some(BiRads::Benign), Some(Duration::hours(-1))),
        // Not normal: to a human read, still pending and overdue; a failure with a hostile reason.
        Case { status: StudyStatus::Ineligible, reason: Some("missing view LMLO"), ..case("1.5", None, None, Some(Duration::hours(-2))) },
        Case { status: StudyStatus::Failed, reason: Some(HOSTILE), ..case("1.6", None, None, None) },
    ]
}

/// `REPORTS_DUMP=<dir>` keeps the rendered reports for a look in a browser.
fn dump(name: &str, html: &str) {
    if let Ok(dir) = std::env::var("REPORTS_DUMP") {
        std::fs::write(std::path::Path::new(&dir).join(name), html).unwrap();
    }
}

/// The hostile text as askama escapes it (numeric character references).
fn escaped(html: &str) -> bool {
    html.contains("&#60;script&#62;alert(&#39;x&#39;)")
}

fn today() -> (NaiveDate, NaiveDate) {
    let from = Utc::now().date_naive();
    (from, from + Days::new(1))
}

#[tokio::test]
async fn the_period_report_has_the_hand_computed_figures() {
    let db = db("reports_period").await;
    let pool = db.pool();
    store(pool, &cases()).await;
    let (from, to) = today();

    // Before any outcome: outcome-based figures are undefined with their reason.
    let before = build_period(pool, from, to, Program::Us).await.unwrap();
    assert_eq!(before.audit.overall.program.reader.ppv1.undefined, Some(Undefined::NoOutcomes));
    assert!(render_period_html(&before).unwrap().contains("undefined: no outcomes known yet"));

    let malignant = NewOutcome {
        study_uid: "1.2".into(),
        side: Some("right".into()),
        kind: "biopsy".into(),
        result: "malignant".into(),
        pathology: Some("IDC".into()),
        outcome_date: from,
    };
    outcomes::record_all(pool, &[malignant], "api", "test").await.unwrap();
    let r = build_period(pool, from, to, Program::Us).await.unwrap();

    assert_eq!(r.studies, 6);
    assert_eq!((r.with_status("ineligible"), r.with_status("failed"), r.with_status("triaged")), (1, 1, 4));
    assert_eq!(r.queues.len(), 1);
    let q = &r.queues[0];
    assert_eq!((q.queue.as_str(), q.created, q.completed, q.completed_on_time), ("routine", 5, 4, 3));
    assert_eq!((q.sla_compliance, q.open_now, q.overdue_now), (Some(0.75), 1, 1));
    // Readers recall 1.2 and 1.3 of the four read; the AI recalls 1.2 of the four it assessed.
    assert_eq!((r.reader_recall().numerator, r.reader_recall().denominator), (2, 4));
    assert_eq!((r.ai_recall().numerator, r.ai_recall().denominator), (1, 4));
    // Recall table [[2, 0], [1, 1]]: po = 3/4, pe = 1/2, kappa = 0.5.
    assert!((r.kappa_recall().unwrap() - 0.5).abs() < 1e-9);
    // PPV1 counts every positive screen: 1.2 (cancer) and 1.3 (no outcome yet) give 1/2.
    assert_eq!(r.audit.overall.program.reader.ppv1.value, Some(0.5));
    assert_eq!(r.audit.overall.agreement.matrix.total(), 4);

    let html = render_period_html(&r).unwrap();
    dump("period.html", &html);
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("@media print"));
    for expected in ["50.0% (", "; 2/4", "25.0% (", "; 1/4", "75.0% (3/4)", "0.50", "missing view LMLO", "<svg"] {
        assert!(html.contains(expected), "missing {expected:?}");
    }
    assert!(!html.contains(HOSTILE) && escaped(&html), "hostile reason must be escaped");
    assert!(!html.contains("<script"), "no scripts at all");

    // The audit by site names the hostile site, escaped; a cell of 1 is "too few" at min 2.
    let request = AuditRequest { from, to, by: vec![Dimension::Site], min_volume: 2, program: Program::Us, model: None };
    let audit = build_audit(pool, &request).await.unwrap();
    assert_eq!(audit.cells.len(), 2);
    let html = render_audit_html(&audit).unwrap();
    dump("audit.html", &html);
    assert!(!html.contains("<script") && escaped(&html));
    assert!(html.contains("too few (n 1 &#60; 2)"), "too-few cell shown");
    // The policy loaded in the window is a change marker, listed and drawn on the trend.
    assert_eq!(audit.changes.iter().map(|c| c.label()).collect::<Vec<_>>(), ["triage policy policy-1"]);
    assert!(html.contains("triage policy policy-1"));
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn an_empty_window_renders_and_says_so() {
    let db = db("reports_empty").await;
    let pool = db.pool();
    let from = NaiveDate::from_ymd_opt(2001, 1, 1).unwrap();
    let r = build_period(pool, from, from + Days::new(31), Program::Eu).await.unwrap();
    assert_eq!((r.studies, r.queues.len(), r.audit.studies), (0, 0, 0));
    assert_eq!(r.audit.trend.points.len(), 31);
    assert!(r.reader_recall().value.is_none() && r.kappa_recall().is_none());
    let html = render_period_html(&r).unwrap();
    assert!(html.contains("No studies were stored"));
    assert!(html.contains("no data"));
    let request = AuditRequest { from, to: from, by: vec![], min_volume: 1, program: Program::Us, model: None };
    assert!(build_audit(pool, &request).await.is_err(), "an empty interval is refused");
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn the_drift_watch_reads_the_audits_own_drift_section() {
    let db = db("reports_drift_watch").await;
    let pool = db.pool();
    store(pool, &cases()).await;
    let today = Utc::now().date_naive();
    let request = AuditRequest { from: today - Days::new(13), to: today + Days::new(1), by: vec![], min_volume: 2, program: Program::Us, model: None };
    let drift = build_drift(pool, &request).await.unwrap();
    assert_eq!(drift, build_audit(pool, &request).await.unwrap().drift, "the watch's section is the audit's");
    assert!(!drift.series.is_empty());

    let registry = prometheus::Registry::new();
    let metrics = DriftMetrics::register(&registry).unwrap();
    let alarming = check_drift(pool, &metrics, today, DriftWatch { window_days: 14, min_volume: 2 }).await.unwrap();
    // Every exam is from today: no reference window, so nothing can alarm.
    assert!(alarming.is_empty(), "{alarming:?}");
    assert!(metrics.last_run.get() > 0, "a pass stamps its time");
    for series in &drift.series {
        assert_eq!(metrics.alarm.with_label_values(&[series.name.as_str()]).get(), 0, "{}", series.name);
    }
    let backwards = AuditRequest { to: request.from, ..request };
    assert!(build_drift(pool, &backwards).await.is_err(), "an empty interval is refused");
    db.drop_database().await.unwrap();
}
