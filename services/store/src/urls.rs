//! Small helpers on Postgres connection URLs.

use crate::StoreError;
use url::Url;

fn parse(url: &str) -> Result<Url, StoreError> {
    let parsed = Url::parse(url).map_err(|e| StoreError::InvalidUrl {
        url: redact(url),
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        return Err(StoreError::InvalidUrl {
            url: redact(url),
            reason: "scheme must be postgres:// or postgresql://".into(),
        });
    }
    Ok(parsed)
}

/// The same server and credentials, another database.
pub(crate) fn with_database(url: &str, database: &str) -> Result<String, StoreError> {
    let mut parsed = parse(url)?;
    parsed.set_path(&format!("/{database}"));
    Ok(parsed.into())
}

/// `postgres://user@host:port/database`, with the user name percent-encoded as needed.
pub(crate) fn server(
    host: &str,
    port: u16,
    user: &str,
    database: &str,
) -> Result<String, StoreError> {
    let mut parsed = parse(&format!("postgres://{host}:{port}/{database}"))?;
    parsed
        .set_username(user)
        .map_err(|()| StoreError::InvalidUrl {
            url: parsed.to_string(),
            reason: format!("cannot carry user name {user:?}"),
        })?;
    Ok(parsed.into())
}

/// The URL without its password, for messages and logs.
pub(crate) fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                // Only fails for URLs that cannot have credentials, which then have none.
                let _ = parsed.set_password(Some("***"));
            }
            parsed.into()
        }
        Err(_) => "<unparseable url>".into(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn replaces_database_and_keeps_query() {
        let url = "postgres://u:p@127.0.0.1:5433/postgres?sslmode=disable";
        assert_eq!(
            with_database(url, "t_1").unwrap(),
            "postgres://u:p@127.0.0.1:5433/t_1?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h", "x").unwrap(),
            "postgres://u@h/x"
        );
    }

    #[test]
    fn builds_server_urls() {
        assert_eq!(
            server("127.0.0.1", 5432, "postgres", "postgres").unwrap(),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(
            server("h", 1, "a b", "d").unwrap(),
            "postgres://a%20b@h:1/d"
        );
    }

    #[test]
    fn rejects_other_schemes_and_hides_passwords() {
        assert!(with_database("mysql://h/db", "x").is_err());
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
