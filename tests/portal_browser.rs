//! The portal in a real browser (headless Chromium over the DevTools protocol): a radiologist
//! signs in, opens a worklist, claims a study, sees its four thumbnails, submits a read, and the
//! item leaves the queue. Screenshots of the worklist, the study page and the program summary
//! are written to `$MAMMOFLOW_SCREENSHOTS` (default `target/screenshots`).
#![allow(clippy::unwrap_used)]

use mammoflow_browser::{Browser, LaunchOptions};
use mammoflow_e2e::PortalRun;
use mammoflow_store::worklists;
use std::path::PathBuf;

fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("MAMMOFLOW_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_radiologist_reads_a_study_in_the_browser() {
    let run = PortalRun::start("e2e_browser", 3, None).await;
    let password = run.account("rosa", "radiologist").await;
    let operator_password = run.account("otto", "operator").await;
    let pool = run.harness.db.pool().clone();
    let shots = screenshot_dir();

    eprintln!("step: launching the browser");
    let browser = Browser::launch(LaunchOptions::default()).await.unwrap();
    let page = browser.new_page().await.unwrap();
    eprintln!("step: sign-in page");
    page.goto(&format!("{}/", run.base)).await.unwrap();
    assert!(page.url().await.unwrap().ends_with("/signin"), "anonymous visitors land on the sign-in page");
    page.fill("#username", "rosa").await.unwrap();
    page.fill("#password", &password).await.unwrap();
    page.submit_and_wait("#signin").await.unwrap();
    assert!(page.count("#queues tbody tr").await.unwrap() > 0, "the worklists are listed");

    eprintln!("step: signed in");
    // Open the queue of the first study and claim its item from the queue page.
    let uid = run.studies[0].study_instance_uid.as_str().to_string();
    let item = worklists::for_study(&pool, &uid).await.unwrap().remove(0);
    page.goto(&format!("{}/queues/{}", run.base, item.queue)).await.unwrap();
    page.screenshot_png(&shots.join("worklist.png")).await.unwrap();
    page.submit_and_wait(&format!("tr[data-item=\"{}\"] form[action$=\"/claim\"] button", item.id)).await.unwrap();
    assert!(page.url().await.unwrap().ends_with(&format!("/studies/{uid}")), "claiming opens the study");

    eprintln!("step: claimed");
    // Four thumbnails, decoded by the browser from the portal's PNGs.
    for view in ["RCC", "LCC", "RMLO", "LMLO"] {
        page.wait_for(&format!("#view-{view}"), std::time::Duration::from_secs(20)).await.unwrap();
        assert!(page.image_loaded(&format!("#view-{view}")).await.unwrap(), "{view} thumbnail loaded");
    }
    assert!(!page.text("#ai-report").await.unwrap().is_empty(), "the AI draft is shown");
    page.screenshot_png(&shots.join("study.png")).await.unwrap();

    eprintln!("step: reading");
    page.select("#birads_right", "1").await.unwrap();
    page.select("#birads_left", "2").await.unwrap();
    page.select("#density", "b").await.unwrap();
    page.fill("#free_text", "No suspicious findings. Benign calcifications left. BI-RADS 2.").await.unwrap();
    page.submit_and_wait("#submit-read").await.unwrap();
    assert!(page.url().await.unwrap().ends_with(&format!("/queues/{}", item.queue)), "back on the queue after the read");
    assert_eq!(page.count(&format!("tr[data-item=\"{}\"]", item.id)).await.unwrap(), 0, "the read item left the queue");
    let done = worklists::get(&pool, item.id).await.unwrap().unwrap();
    assert_eq!(done.status.as_str(), "done");
    assert_eq!(done.completed_by.as_deref(), Some("user:rosa"));

    eprintln!("step: read submitted");
    // Sign out (the header's form), then an operator opens the program summary.
    page.submit_and_wait("header form button").await.unwrap();
    assert!(page.url().await.unwrap().ends_with("/signin"));
    page.fill("#username", "otto").await.unwrap();
    page.fill("#password", &operator_password).await.unwrap();
    page.submit_and_wait("#signin").await.unwrap();
    page.goto(&format!("{}/reports/period", run.base)).await.unwrap();
    page.screenshot_png(&shots.join("program-summary.png")).await.unwrap();
    assert!(page.count("svg").await.unwrap() > 0, "the program summary has its charts");
    // The audit over the simulated exams' dates (2025 on): per-site cells and charts.
    let today = chrono::Utc::now().date_naive();
    page.goto(&format!("{}/reports/audit?from={}&to={}&by=site&min_volume=1", run.base, today - chrono::Days::new(800), today + chrono::Days::new(1)))
        .await
        .unwrap();
    page.screenshot_png(&shots.join("audit.png")).await.unwrap();
    assert!(page.count("#cells tr").await.unwrap() > 1, "the audit shows its per-site cells");
    // Three studies a day apart fall in one period: confusion matrix and trend, no drift to chart.
    assert!(page.count("svg").await.unwrap() >= 2, "confusion matrix and trend charts");
    for name in ["worklist.png", "study.png", "program-summary.png", "audit.png"] {
        let bytes = std::fs::read(shots.join(name)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000, "{name} is a real screenshot");
    }
    run.stop().await;
}
