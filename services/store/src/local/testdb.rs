//! Databases for tests: one server per test process, one fresh migrated database per test.

use std::path::PathBuf;

use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;

use super::{discover_or_start, LocalPgOptions};
use crate::{connect, migrate, urls, PgPool, StoreError};

/// Pool size of a test database: enough for concurrency tests, small enough that many tests
/// in parallel stay under the server's connection limit.
const TEST_POOL_SIZE: u32 = 8;
/// Postgres truncates longer identifiers, which would make the URL name another database.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// A database created for one test, migrated, with a pool on it.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    server_url: String,
    pool: PgPool,
}

impl TestDatabase {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes the pool and drops the database (forcing out any connection still open).
    pub async fn drop_database(self) -> Result<(), StoreError> {
        self.pool.close().await;
        let mut conn = admin_connection(&self.server_url).await?;
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&self.name)
        ))
        .execute(&mut conn)
        .await
        .map_err(|source| query_err("local.drop_database", &self.name, source))?;
        let _ = conn.close().await;
        Ok(())
    }
}

/// The server every test in this process uses, found or started once: `DATABASE_URL`, else
/// 127.0.0.1:5432, else a private cluster in `$MAMMOFLOW_TEST_PG_DIR` (default
/// `<tmp>/mammoflow-test-pg`) that is left running so later test runs reuse it
/// (`pg_ctl -D <dir> stop` ends it). `MAMMOFLOW_TEST_PG_PRIVATE=1` skips the first two, to
/// exercise a fresh machine's path where a server exists.
pub async fn test_server_url() -> Result<String, StoreError> {
    static SERVER: OnceCell<String> = OnceCell::const_new();
    SERVER
        .get_or_try_init(|| async {
            let data_dir = std::env::var_os("MAMMOFLOW_TEST_PG_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| std::env::temp_dir().join("mammoflow-test-pg"));
            let private_only = std::env::var("MAMMOFLOW_TEST_PG_PRIVATE").is_ok_and(|v| v == "1");
            let opts = LocalPgOptions {
                data_dir,
                database: None,
                keep_running: true,
                use_env: !private_only,
                probe_default_server: !private_only,
                ..LocalPgOptions::default()
            };
            // Dropping it leaves the server running (keep_running); only the URL is kept, so
            // nothing tied to this test's runtime outlives it.
            let pg = discover_or_start(opts).await?;
            Ok(pg.server_url().to_string())
        })
        .await
        .cloned()
}

/// Creates a uniquely named database `<prefix>_<uuid>` on the server of `server_url`, applies
/// the migrations, and returns it with a pool. Drop it with [`TestDatabase::drop_database`].
pub async fn fresh_database(server_url: &str, prefix: &str) -> Result<TestDatabase, StoreError> {
    let mut clean: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(MAX_IDENTIFIER_BYTES - 33)
        .collect();
    if clean.is_empty() {
        clean.push_str("test");
    }
    let name = format!("{clean}_{}", uuid::Uuid::now_v7().simple());
    create_database(server_url, &name, false).await?;
    let url = urls::with_database(server_url, &name)?;
    let pool = connect(&url, TEST_POOL_SIZE).await?;
    migrate(&pool).await?;
    Ok(TestDatabase {
        name,
        url,
        server_url: server_url.to_string(),
        pool,
    })
}

/// Creates database `name`; with `if_missing`, an existing one (even one created concurrently by
/// another process) is fine.
pub(super) async fn create_database(
    server_url: &str,
    name: &str,
    if_missing: bool,
) -> Result<(), StoreError> {
    if name.is_empty() || name.len() > MAX_IDENTIFIER_BYTES {
        return Err(StoreError::InvalidUrl {
            url: urls::redact(server_url),
            reason: format!("database name {name:?} must be 1 to {MAX_IDENTIFIER_BYTES} bytes"),
        });
    }
    let mut conn = admin_connection(server_url).await?;
    if if_missing {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(name)
                .fetch_one(&mut conn)
                .await
                .map_err(|source| query_err("local.create_database: lookup", name, source))?;
        if exists {
            return Ok(());
        }
    }
    // Identifiers cannot be bound as parameters; the name is quoted instead.
    let created = sqlx::query(&format!("CREATE DATABASE {}", quote_ident(name)))
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
    match created {
        Ok(_) => Ok(()),
        Err(source) => {
            let code = source
                .as_database_error()
                .and_then(|e| e.code())
                .map(|c| c.into_owned());
            // 42P04 duplicate_database; 23505 when two creations race on pg_database.
            if if_missing && matches!(code.as_deref(), Some("42P04" | "23505")) {
                Ok(())
            } else {
                Err(query_err("local.create_database", name, source))
            }
        }
    }
}

async fn admin_connection(server_url: &str) -> Result<PgConnection, StoreError> {
    PgConnection::connect(server_url)
        .await
        .map_err(|source| StoreError::Connect {
            target: urls::redact(server_url),
            source,
        })
}

fn query_err(op: &'static str, database: &str, source: sqlx::Error) -> StoreError {
    StoreError::Query {
        op,
        subject: Some(format!("database {database}")),
        source,
    }
}

/// SQL identifier quoting: wrap in double quotes, double any inside.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_identifiers() {
        assert_eq!(super::quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
