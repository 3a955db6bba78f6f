//! Starts real private clusters with initdb/pg_ctl (a few seconds each).
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use mammoflow_store::local::{discover_or_start, LocalPgOptions, PgSource};
use mammoflow_store::{connect, migrate, StoreError};

/// A temporary parent folder the `postgres` user can enter when the tests run as root.
fn parent() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

async fn answers(url: &str) -> bool {
    match connect(url, 1).await {
        Ok(pool) => {
            let one: i32 = sqlx::query_scalar("SELECT 1")
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            one == 1
        }
        Err(_) => false,
    }
}

fn port_of(source: &PgSource) -> u16 {
    match source {
        PgSource::PrivateCluster { port, .. } => *port,
        other => panic!("expected a private cluster, got {other:?}"),
    }
}

#[tokio::test]
async fn starts_reuses_and_stops_a_private_cluster() {
    let tmp = parent();
    let data_dir = tmp.path().join("pg");
    let pg = discover_or_start(LocalPgOptions::private_cluster(&data_dir))
        .await
        .expect("private cluster");
    let port = port_of(pg.source());
    assert_ne!(port, 5432, "must not take the default port");
    assert!(matches!(
        pg.source(),
        PgSource::PrivateCluster { started: true, .. }
    ));
    assert!(data_dir.join("PG_VERSION").is_file());
    assert!(pg.url().ends_with("/mammoflow"), "{}", pg.url());
    assert!(pg.cluster_running().await.unwrap());

    // The application database exists and migrates.
    let pool = connect(pg.url(), 2).await.unwrap();
    migrate(&pool).await.unwrap();
    pool.close().await;

    // A second discovery on the same folder reuses the running server and does not own it.
    let again = discover_or_start(LocalPgOptions::private_cluster(&data_dir))
        .await
        .expect("reuse");
    assert_eq!(
        again.source(),
        &PgSource::PrivateCluster {
            data_dir: data_dir.clone(),
            port,
            started: false
        }
    );
    drop(again);
    assert!(
        answers(pg.url()).await,
        "dropping a reusing handle must not stop the server"
    );

    let url = pg.url().to_string();
    pg.stop().await.expect("stop");
    assert!(!answers(&url).await, "server still answers after stop");
}

#[tokio::test]
async fn dropping_stops_a_cluster_started_here() {
    let tmp = parent();
    let pg = discover_or_start(LocalPgOptions {
        database: None,
        ..LocalPgOptions::private_cluster(tmp.path().join("pg"))
    })
    .await
    .expect("private cluster");
    let url = pg.url().to_string();
    assert!(
        url.ends_with("/postgres"),
        "no application database requested: {url}"
    );
    assert!(answers(&url).await);
    drop(pg);
    assert!(!answers(&url).await, "server still answers after drop");
}

#[tokio::test]
async fn clear_error_without_binaries() {
    let tmp = parent();
    let opts = LocalPgOptions {
        bin_dir: Some(tmp.path().to_path_buf()),
        ..LocalPgOptions::private_cluster(tmp.path().join("pg"))
    };
    let err = discover_or_start(opts).await.unwrap_err();
    assert!(matches!(err, StoreError::NoPostgres { .. }), "{err:?}");
    assert!(err.to_string().contains("initdb/pg_ctl"), "{err}");
    assert!(
        !Path::new(&tmp.path().join("pg")).exists(),
        "nothing created"
    );
}
