//! Its own test binary (own process), because it sets DATABASE_URL for the whole process.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use mammoflow_store::local::{discover_or_start, LocalPgOptions, PgSource};

#[tokio::test]
async fn discover_or_start_honours_database_url() {
    // Nothing listens on port 1: if discovery connected, probed, or started anything, it would
    // fail or return another source; DATABASE_URL must be taken as given.
    let url = "postgres://someone:secret@127.0.0.1:1/app_db";
    std::env::set_var("DATABASE_URL", url);
    let opts = LocalPgOptions {
        data_dir: "/nonexistent/never-used".into(),
        ..LocalPgOptions::default()
    };
    let pg = discover_or_start(opts)
        .await
        .expect("DATABASE_URL is used without probing");
    assert_eq!(pg.source(), &PgSource::Env);
    assert_eq!(pg.url(), url);
    assert_eq!(pg.server_url(), url);
    assert!(!pg.cluster_running().await.unwrap());
    pg.stop()
        .await
        .expect("stopping an env-provided server is a no-op");
    std::env::remove_var("DATABASE_URL");
}
