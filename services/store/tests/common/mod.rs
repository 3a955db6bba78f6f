//! Shared by the integration tests: a fresh migrated database per test on the process's server.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use mammoflow_store::local::{fresh_database, test_server_url, TestDatabase};

pub async fn db(prefix: &str) -> TestDatabase {
    let server = test_server_url()
        .await
        .expect("a Postgres server for tests");
    fresh_database(&server, prefix)
        .await
        .expect("fresh test database")
}
