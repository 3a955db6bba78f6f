//! One error type for every store operation, carrying what was being done and to which subject,
//! plus the classification the consumer loop needs: retry (transient) or dead-letter (permanent).

use std::path::PathBuf;

/// Error of a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Could not open a pool or connection. `target` never contains a password.
    #[error("connecting to Postgres at {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: sqlx::Error,
    },
    /// Applying the embedded migrations failed.
    #[error("applying migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A statement failed; `op` names the operation, `subject` the study/event/id it concerned.
    #[error("{op}{}: {source}", subject.as_ref().map(|s| format!(" ({s})")).unwrap_or_default())]
    Query {
        op: &'static str,
        subject: Option<String>,
        #[source]
        source: sqlx::Error,
    },
    /// A value could not be turned into JSON for a jsonb column.
    #[error("{op}: encoding JSON: {source}")]
    Json {
        op: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// A database URL that cannot be used.
    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// Neither DATABASE_URL, nor a server on the default port, nor installed binaries.
    #[error(
        "no Postgres available: DATABASE_URL is unset, no usable server answers on {probed}, and \
         no initdb/pg_ctl were found (searched PATH and {searched:?}); install Debian's \
         `postgresql` package or set DATABASE_URL"
    )]
    NoPostgres {
        probed: String,
        searched: Vec<PathBuf>,
    },
    /// Starting, stopping or preparing a private cluster failed.
    #[error("local Postgres cluster in {data_dir}: {what}")]
    Cluster { data_dir: PathBuf, what: String },
}

impl StoreError {
    /// True when retrying the same operation later may succeed: the database is unreachable,
    /// restarting, overloaded, or the transaction lost a serialization/deadlock race. Everything
    /// else (constraint violations, bad data, bugs) will fail again the same way.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Connect { source, .. } | StoreError::Query { source, .. } => {
                sqlx_is_transient(source)
            }
            StoreError::Migrate(sqlx::migrate::MigrateError::Execute(e)) => sqlx_is_transient(e),
            _ => false,
        }
    }

    /// SQLSTATE of the underlying database error, if there is one.
    pub fn sqlstate(&self) -> Option<String> {
        match self {
            StoreError::Connect { source, .. } | StoreError::Query { source, .. } => source
                .as_database_error()
                .and_then(|e| e.code())
                .map(|c| c.into_owned()),
            _ => None,
        }
    }

    /// A unique or exclusion constraint refused the row (SQLSTATE 23505).
    pub fn is_unique_violation(&self) -> bool {
        self.sqlstate().as_deref() == Some("23505")
    }
}

fn sqlx_is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception; 53: insufficient resources; 57P01-03: admin shutdown,
            // crash shutdown, cannot connect now; 40001/40P01: serialization failure, deadlock.
            code.starts_with("08")
                || code.starts_with("53")
                || matches!(&*code, "57P01" | "57P02" | "57P03" | "40001" | "40P01")
        }),
        _ => false,
    }
}

/// Attaches operation context to sqlx results.
pub(crate) trait Context<T> {
    fn op(self, op: &'static str) -> Result<T, StoreError>;
    fn op_on(self, op: &'static str, subject: impl std::fmt::Display) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, sqlx::Error> {
    fn op(self, op: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Query {
            op,
            subject: None,
            source,
        })
    }

    fn op_on(self, op: &'static str, subject: impl std::fmt::Display) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Query {
            op,
            subject: Some(subject.to_string()),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_operation_and_subject() {
        let e = StoreError::Query {
            op: "studies.insert_ingested",
            subject: Some("study 1.2.3".into()),
            source: sqlx::Error::PoolTimedOut,
        };
        let text = e.to_string();
        assert!(
            text.starts_with("studies.insert_ingested (study 1.2.3): "),
            "{text}"
        );
        assert!(e.is_transient());
    }

    #[test]
    fn row_not_found_is_permanent() {
        let e = StoreError::Query {
            op: "x",
            subject: None,
            source: sqlx::Error::RowNotFound,
        };
        assert!(!e.is_transient());
        assert_eq!(e.sqlstate(), None);
    }
}
