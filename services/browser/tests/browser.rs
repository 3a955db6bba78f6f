//! Drives a real headless Chromium against a local HTTP server. Chromium is a hard requirement
//! (CI installs it via deploy/local/prerequisites.sh): without it these tests fail, not skip.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use mammoflow_browser::{Browser, BrowserError, LaunchOptions};

async fn launch() -> Browser {
    Browser::launch(LaunchOptions::default())
        .await
        .unwrap_or_else(|e| panic!("the browser tests need headless Chromium: {e}"))
}

#[tokio::test]
async fn form_submission_keeps_cookie_loads_image_and_screenshots() {
    let server = support::start().await;
    let browser = launch().await;
    assert!(browser.version().await.expect("version").contains("Chrome"));
    let page = browser.new_page().await.expect("new page");

    page.goto(&format!("{}/", server.base))
        .await
        .expect("open the form");
    assert_eq!(page.text("h1").await.expect("heading"), "Sign in");
    assert_eq!(page.count("input").await.expect("count"), 1);

    // Markup, quotes and non-ASCII must come back verbatim: the server escapes, the DOM unescapes.
    let value = r#"Zoë <b>&</b> "O'Neil""#;
    page.fill("#name", value).await.expect("fill");
    page.select("#colour", "Blue")
        .await
        .expect("select by label");
    page.submit_and_wait("#go").await.expect("submit");

    assert!(page.url().await.expect("url").ends_with("/submit"));
    assert_eq!(page.text("#echo").await.expect("echo"), value);
    assert_eq!(page.text("#colour").await.expect("colour"), "blue");
    assert!(
        page.image_loaded("#logo").await.expect("logo"),
        "the PNG should load and decode"
    );
    assert!(
        !page.image_loaded("#broken").await.expect("broken"),
        "a 404 image is not loaded"
    );

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mammoflow-browser-submit.png");
    let bytes = page.screenshot_png(&shot).await.expect("screenshot");
    let written = std::fs::read(&shot).expect("read the screenshot back");
    assert_eq!(written, bytes);
    assert!(
        written.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG: {:?}",
        &written[..8.min(written.len())]
    );
    assert!(
        written.len() > 1000,
        "suspiciously small screenshot: {} bytes",
        written.len()
    );

    // The session cookie set by the POST travels with the next navigation in the same browser.
    page.submit_and_wait("#next")
        .await
        .expect("follow the link");
    page.wait_for("#cookie", Duration::from_secs(5))
        .await
        .expect("cookie page");
    assert_eq!(
        page.text("#cookie").await.expect("cookie"),
        format!("session={}", support::SESSION)
    );

    // A second tab shares the default context, hence the cookie too.
    let other = browser.new_page().await.expect("second page");
    other
        .goto(&format!("{}/cookie", server.base))
        .await
        .expect("open cookie page");
    assert!(other
        .text("#cookie")
        .await
        .expect("cookie")
        .contains(support::SESSION));
    other.close().await.expect("close tab");

    browser.close().await.expect("clean shutdown");
}

#[tokio::test]
async fn errors_name_the_selector_the_script_and_the_url() {
    let server = support::start().await;
    let browser = launch().await;
    let page = browser.new_page().await.expect("new page");
    page.goto(&format!("{}/", server.base))
        .await
        .expect("open the form");

    assert_eq!(
        page.eval("Promise.resolve(41).then(x => x + 1)")
            .await
            .expect("eval"),
        42
    );

    let err = page.text("#nope").await.expect_err("missing element");
    assert!(
        matches!(err, BrowserError::NoElement { .. }) && err.to_string().contains("#nope"),
        "{err}"
    );

    let err = page
        .eval("throw new Error('boom')")
        .await
        .expect_err("exception");
    assert!(
        matches!(err, BrowserError::Js { .. }) && err.to_string().contains("boom"),
        "{err}"
    );

    let err = page
        .wait_for("#never", Duration::from_millis(300))
        .await
        .expect_err("timeout");
    assert!(
        matches!(err, BrowserError::Timeout { .. }) && err.to_string().contains("#never"),
        "{err}"
    );

    let err = page
        .select("#colour", "green")
        .await
        .expect_err("no such option");
    let msg = err.to_string();
    assert!(
        msg.contains("#colour") && msg.contains("green") && msg.contains("red, blue"),
        "{msg}"
    );

    let err = page.fill("h1", "x").await.expect_err("not an input");
    assert!(err.to_string().contains("fill `h1`"), "{err}");

    // A port nobody listens on: Chromium reports the network error in Page.navigate's reply.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let dead = format!("http://{}/", closed.local_addr().expect("addr"));
    drop(closed);
    let err = page.goto(&dead).await.expect_err("refused");
    assert!(
        matches!(err, BrowserError::Navigation { .. }) && err.to_string().contains("ERR_"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_executable_is_a_clear_error() {
    let options = LaunchOptions {
        executable: Some(Path::new("/nonexistent/chromium").into()),
        ..Default::default()
    };
    let err = Browser::launch(options).await.expect_err("no such browser");
    assert!(err.to_string().contains("/nonexistent/chromium"), "{err}");
}
