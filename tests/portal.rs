//! The portal over HTTP against a real pipeline run (broker, Postgres, demo checkpoint): access
//! rules, sign-in and its rate limit, CSRF, reading a study end to end, validation, escaping,
//! blinding, API tokens and the audit of views.
#![allow(clippy::unwrap_used)]

use mammoflow_e2e::PortalRun;
use mammoflow_store::{audit, worklists};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, Client, StatusCode};
use serde_json::{json, Value};

fn client() -> Client {
    Client::builder().redirect(redirect::Policy::none()).build().unwrap()
}

/// A signed-in browser-like session: its cookie and CSRF token.
struct Session {
    base: String,
    cookie: String,
    csrf: String,
}

async fn sign_in(base: &str, username: &str, password: &str) -> Session {
    let response = client().post(format!("{base}/signin")).form(&[("username", username), ("password", password)]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "sign-in of {username}");
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    assert!(response.headers()[SET_COOKIE].to_str().unwrap().contains("HttpOnly"));
    let home = client().get(format!("{base}/")).header(COOKIE, &cookie).send().await.unwrap().text().await.unwrap();
    let csrf = home.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    Session { base: base.to_string(), cookie, csrf }
}

impl Session {
    async fn get(&self, path: &str) -> reqwest::Response {
        client().get(format!("{}{path}", self.base)).header(COOKIE, &self.cookie).send().await.unwrap()
    }

    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        all.extend_from_slice(fields);
        client().post(format!("{}{path}", self.base)).header(COOKIE, &self.cookie).form(&all).send().await.unwrap()
    }

    async fn api_post(&self, path: &str, body: &Value) -> reqwest::Response {
        client().post(format!("{}{path}", self.base)).header(COOKIE, &self.cookie).header("x-csrf-token", &self.csrf).json(body).send().await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_portal_serves_reading_safely() {
    let run = PortalRun::start("e2e_portal", 4, None).await;
    let base = run.base.clone();
    let pool = run.harness.db.pool().clone();
    let reader_password = run.account("rita", "radiologist").await;
    let admin_password = run.account("adam", "admin").await;

    // Anonymous: only the sign-in page and /healthz.
    let anon = client();
    assert_eq!(anon.get(format!("{base}/healthz")).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(anon.get(format!("{base}/signin")).send().await.unwrap().status(), StatusCode::OK);
    for path in ["/", "/queues/routine", "/admin", "/operator/dead-letters", "/no-such-page"] {
        let response = anon.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[LOCATION], "/signin", "{path}");
    }
    for path in ["/api/v1/queues", "/api/v1/me", "/api/v1/nothing"] {
        let response = anon.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(response.json::<Value>().await.unwrap()["error"], "unauthenticated");
    }
    let bearer = anon.get(format!("{base}/api/v1/queues")).bearer_auth("not-a-token").send().await.unwrap();
    assert_eq!(bearer.status(), StatusCode::UNAUTHORIZED);

    // A radiologist sees the worklists but not admin or operator pages.
    let rita = sign_in(&base, "rita", &reader_password).await;
    let home = rita.get("/").await.text().await.unwrap();
    assert!(home.contains("id=\"queues\""), "{home}");
    assert_eq!(rita.get("/admin").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(rita.get("/operator/dead-letters").await.status(), StatusCode::FORBIDDEN);

    // Claim the first item of the queue holding the first study.
    let uid = run.studies[0].study_instance_uid.as_str().to_string();
    let item = worklists::for_study(&pool, &uid).await.unwrap().remove(0);
    let no_csrf = client().post(format!("{base}/items/{}/claim", item.id)).header(COOKIE, &rita.cookie).form(&[("csrf", "forged")]).send().await.unwrap();
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN, "a form without the session's CSRF token is refused");
    let claimed = rita.post_form(&format!("/items/{}/claim", item.id), &[]).await;
    assert_eq!(claimed.status(), StatusCode::SEE_OTHER);
    assert_eq!(claimed.headers()[LOCATION].to_str().unwrap(), format!("/studies/{uid}"));

    // The study page: four thumbnails (real PNGs rendered from the DICOM pixels), the read form.
    let page = rita.get(&format!("/studies/{uid}")).await.text().await.unwrap();
    for view in ["RCC", "LCC", "RMLO", "LMLO"] {
        assert!(page.contains(&format!("/studies/{uid}/views/{view}.png")), "{view} thumbnail on the page");
        let png = rita.get(&format!("/studies/{uid}/views/{view}.png")).await;
        assert_eq!(png.headers()["content-type"], "image/png");
        assert!(png.bytes().await.unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));
    }
    assert!(page.contains("id=\"read-form\""));
    assert!(audit::for_subject(&pool, &format!("study:{uid}"), 50).await.unwrap().iter().any(|e| e.actor == "user:rita" && e.action == "study.viewed"),
        "the view is in the audit log");

    // Invalid reads are refused with every problem named; nothing is stored.
    let bad = rita.post_form(&format!("/items/{}/read", item.id), &[("birads_right", "7"), ("density", "z")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = bad.text().await.unwrap();
    assert!(text.contains("birads_right") && text.contains("density"), "{text}");

    // A valid read (its text tries to inject a script) completes the item.
    let read = rita
        .post_form(&format!("/items/{}/read", item.id), &[
            ("birads_right", "1"), ("birads_left", "2"), ("density", "b"), ("finding", "left:calcification"),
            ("free_text", "Benign calcifications left. <script>alert('x')</script> BI-RADS 2."),
        ])
        .await;
    assert_eq!(read.status(), StatusCode::SEE_OTHER, "{:?}", read.text().await);
    let open: Vec<_> = worklists::list_queue(&pool, &item.queue, 100).await.unwrap();
    assert!(open.iter().all(|i| i.id != item.id), "the read item left its queue");
    let page = rita.get(&format!("/studies/{uid}")).await.text().await.unwrap();
    // askama escapes < and > as numeric references.
    assert!(page.contains("&#60;script&#62;alert(") && !page.contains("<script>alert("), "report text is escaped");
    let summary = rita.get(&format!("/reports/studies/{uid}")).await;
    assert_eq!(summary.status(), StatusCode::OK);
    assert!(summary.text().await.unwrap().contains("Final read"));

    // Admin issues an API token over the API (session + CSRF header); the token reads the API.
    let adam = sign_in(&base, "adam", &admin_password).await;
    let refused = client().post(format!("{base}/api/v1/tokens")).header(COOKIE, &adam.cookie).json(&json!({"name": "x", "username": "adam"})).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "cookie-authenticated API changes need the CSRF header");
    let token = adam.api_post("/api/v1/tokens", &json!({"name": "outcomes-feed", "username": "adam"})).await.json::<Value>().await.unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    let queues = client().get(format!("{base}/api/v1/queues")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(queues.status(), StatusCode::OK);
    assert!(queues.json::<Value>().await.unwrap()["queues"].as_array().unwrap().iter().any(|q| q["queue"] == item.queue.as_str()));
    let outcomes = client().post(format!("{base}/api/v1/outcomes")).bearer_auth(&token)
        .json(&json!([{"study_uid": uid, "side": "left", "kind": "biopsy", "result": "maybe", "outcome_date": "2026-11-01"},
                      {"study_uid": "1.2.3.999", "kind": "biopsy", "result": "benign", "outcome_date": "2026-11-01"}]))
        .send().await.unwrap();
    assert_eq!(outcomes.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problems = outcomes.json::<Value>().await.unwrap()["fields"].to_string();
    assert!(problems.contains("result") && problems.contains("1.2.3.999"), "{problems}");
    let good = client().post(format!("{base}/api/v1/outcomes")).bearer_auth(&token)
        .json(&json!([{"study_uid": uid, "side": "left", "kind": "biopsy", "result": "benign", "outcome_date": "2026-11-01"}]))
        .send().await.unwrap();
    assert_eq!(good.json::<Value>().await.unwrap()["inserted"], 1);

    // The program-period summary: volumes, queue SLAs, program metrics and agreement.
    assert_eq!(rita.get("/reports/period").await.status(), StatusCode::FORBIDDEN, "radiologists do not see program reports");
    let report = adam.get("/reports/period").await.text().await.unwrap();
    assert!(report.contains("4 studies stored"), "all four studies of today are counted");
    for table in ["id=\"statuses\"", "id=\"queue-sla\"", "id=\"program-metrics\"", "<svg"] {
        assert!(report.contains(table), "{table} in the program summary");
    }
    // How many of the four studies share this queue depends on what the model wrote for them.
    let created = open.len() + 1;
    let queue_row = report.split(&format!("<td>{}</td>", item.queue)).nth(1).unwrap();
    assert!(queue_row.starts_with(&format!("<td class=\"num\">{created}</td><td class=\"num\">1</td><td>100.0% (1/1)</td>")),
        "{created} items created in the window, 1 read, on time: {}", &queue_row[..120.min(queue_row.len())]);
    assert_eq!(adam.get("/reports/period?from=2026-12-01&to=2026-11-01").await.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The audit (the simulated exams are dated from 2025-01-01): cells by site, trend, drift; the
    // printable download; the JSON twin; bad fields named.
    assert_eq!(rita.get("/reports/audit").await.status(), StatusCode::FORBIDDEN, "radiologists do not see the audit");
    let today = chrono::Utc::now().date_naive();
    let window = format!("from={}&to={}", today - chrono::Days::new(800), today + chrono::Days::new(1));
    let audit = adam.get(&format!("/reports/audit?{window}&by=site&min_volume=1")).await.text().await.unwrap();
    for part in ["id=\"cells\"", "id=\"trend\"", "id=\"drift\"", "<svg", "AI: the champion model"] {
        assert!(audit.contains(part), "{part} in the audit page");
    }
    let download = adam.get(&format!("/reports/audit.html?{window}&by=site")).await;
    assert!(download.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert!(download.text().await.unwrap().starts_with("<!DOCTYPE html>"));
    let bad = adam.get("/reports/audit?by=colour&min_volume=0").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let message = bad.text().await.unwrap();
    assert!(message.contains("colour") && message.contains("min_volume"), "both bad fields are named");
    let json: Value = client().get(format!("{base}/api/v1/audit?{window}&by=site&min_volume=1")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert!(json["cells"].as_array().is_some_and(|c| !c.is_empty()) && json["drift"]["series"].is_array(), "{json}");

    // Sign-in is rate limited: after 5 failures the account is refused even with its password.
    for _ in 0..5 {
        let wrong = client().post(format!("{base}/signin")).form(&[("username", "rita"), ("password", "wrong")]).send().await.unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = client().post(format!("{base}/signin")).form(&[("username", "rita"), ("password", reader_password.as_str())]).send().await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn double_reading_hides_the_first_read_from_the_second_reader() {
    let run = PortalRun::start("e2e_portal_blind", 2, Some("eu-double-reading.toml")).await;
    let base = run.base.clone();
    let pool = run.harness.db.pool().clone();
    let (pa, pb) = (run.account("first", "radiologist").await, run.account("second", "radiologist").await);
    let (first, second) = (sign_in(&base, "first", &pa).await, sign_in(&base, "second", &pb).await);
    let uid = run.studies[0].study_instance_uid.as_str().to_string();
    let items = worklists::for_study(&pool, &uid).await.unwrap();
    assert_eq!(items.len(), 2, "double reading: two items");

    let claim = first.api_post(&format!("/api/v1/items/{}/claim", items[0].id), &json!({})).await;
    assert_eq!(claim.status(), StatusCode::OK);
    let blinded = first.api_post(&format!("/api/v1/items/{}/claim", items[1].id), &json!({})).await;
    assert_eq!(blinded.status(), StatusCode::CONFLICT, "one reader cannot take both blinded reads");
    let read = first.api_post(&format!("/api/v1/items/{}/read", items[0].id), &json!({"birads_right": "4B", "birads_left": "1", "free_text": "Right mass. BI-RADS 4B."})).await;
    assert_eq!(read.status(), StatusCode::OK, "{:?}", read.text().await);

    assert_eq!(second.api_post(&format!("/api/v1/items/{}/claim", items[1].id), &json!({})).await.status(), StatusCode::OK);
    let seen = second.get(&format!("/api/v1/studies/{uid}")).await.json::<Value>().await.unwrap();
    assert_eq!(seen["reads"].as_array().unwrap().len(), 0, "the second reader does not see the first read");
    assert_eq!(seen["withheld_reads"], 1);
    let page = second.get(&format!("/studies/{uid}")).await.text().await.unwrap();
    assert!(!page.contains("BI-RADS 4B") && page.contains("id=\"withheld\""));

    // Disagreement on recall opens arbitration once the second read is in.
    let read = second.api_post(&format!("/api/v1/items/{}/read", items[1].id), &json!({"birads_right": "1", "birads_left": "1"})).await;
    let body = read.json::<Value>().await.unwrap();
    assert_eq!(body["arbitration"]["read_role"], "arbitration", "{body}");
    run.stop().await;
}
