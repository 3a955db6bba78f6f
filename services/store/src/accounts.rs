//! Portal accounts (`users`), browser sessions (`sessions`) and machine tokens (`api_tokens`).
//!
//! Secrets never reach this module: callers pass the argon2 PHC string of a password and the
//! sha256 of a session cookie or API token, so nothing stored here lets anyone sign in.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;

use crate::codes::text_code;
use crate::error::Context;
use crate::{PgPool, StoreError};

/// What a person may do in the portal; each account has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages accounts and tokens, and everything an operator may.
    Admin,
    /// Runs the program: queues, reprioritisation, dead letters, outcomes, reports.
    Operator,
    /// Reads studies from the worklists.
    Radiologist,
    /// Reads audit figures and reports; changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Operator, Role::Radiologist, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Radiologist => "radiologist",
            Role::Auditor => "auditor",
        }
    }
}
text_code!(Role, "role");

/// An account as the portal sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl User {
    /// The actor name used in leases, reads and the audit log.
    pub fn actor(&self) -> String {
        format!("user:{}", self.username)
    }
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.password_hash, u.disabled, u.created_at";

impl<'r> sqlx::FromRow<'r, PgRow> for User {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        let role: String = row.try_get("role")?;
        Ok(User {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            role: role.parse().map_err(|e| sqlx::Error::ColumnDecode { index: "role".into(), source: Box::new(e) })?,
            password_hash: row.try_get("password_hash")?,
            disabled: row.try_get("disabled")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// Creates an account, or replaces the name, role and password of an existing one with the
/// same username (so a demo or a bootstrap script can be re-run). Returns the account.
pub async fn upsert_user(
    pool: &PgPool,
    username: &str,
    display_name: &str,
    role: Role,
    password_hash: &str,
) -> Result<User, StoreError> {
    sqlx::query_as(&format!(
        "INSERT INTO users AS u (username, display_name, role, password_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (username) DO UPDATE
             SET display_name = EXCLUDED.display_name, role = EXCLUDED.role,
                 password_hash = EXCLUDED.password_hash, disabled = false
         RETURNING {USER_COLUMNS}"
    ))
    .bind(username)
    .bind(display_name)
    .bind(role.as_str())
    .bind(password_hash)
    .fetch_one(pool)
    .await
    .op_on("accounts.upsert_user", username)
}

pub async fn user_by_name(pool: &PgPool, username: &str) -> Result<Option<User>, StoreError> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1"))
        .bind(username)
        .fetch_optional(pool)
        .await
        .op_on("accounts.user_by_name", username)
}

pub async fn list_users(pool: &PgPool) -> Result<Vec<User>, StoreError> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.username"))
        .fetch_all(pool)
        .await
        .op("accounts.list_users")
}

/// Disables or re-enables an account; a disabled account's sessions are ended at once.
pub async fn set_disabled(pool: &PgPool, username: &str, disabled: bool) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await.op("accounts.set_disabled")?;
    let id: Option<i64> = sqlx::query_scalar("UPDATE users SET disabled = $2 WHERE username = $1 RETURNING id")
        .bind(username)
        .bind(disabled)
        .fetch_optional(&mut *tx)
        .await
        .op_on("accounts.set_disabled", username)?;
    if let Some(id) = id.filter(|_| disabled) {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await.op_on("accounts.set_disabled", username)?;
    }
    tx.commit().await.op("accounts.set_disabled")?;
    Ok(id.is_some())
}

/// A signed-in browser session: the account and the session's CSRF token.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn create_session(
    pool: &PgPool,
    token_hash: &[u8],
    user_id: i64,
    csrf_token: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(expires_at)
        .execute(pool)
        .await
        .op_on("accounts.create_session", user_id)?;
    Ok(())
}

/// The live session with this cookie hash, if it has not expired and its account is enabled.
pub async fn session(pool: &PgPool, token_hash: &[u8]) -> Result<Option<Session>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled"
    ))
    .bind(token_hash)
    .fetch_optional(pool)
    .await
    .op("accounts.session")?;
    row.map(|row| {
        Ok(Session {
            user: sqlx::FromRow::from_row(&row)?,
            csrf_token: row.try_get("csrf_token")?,
            expires_at: row.try_get("expires_at")?,
        })
    })
    .transpose()
    .op("accounts.session")
}

pub async fn delete_session(pool: &PgPool, token_hash: &[u8]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await.op("accounts.delete_session")?;
    Ok(())
}

/// Removes expired sessions; returns how many.
pub async fn purge_expired_sessions(pool: &PgPool) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= now()").execute(pool).await.op("accounts.purge_expired_sessions")?;
    Ok(done.rows_affected())
}

/// Stores a machine token for `username`'s account; returns its id.
pub async fn create_api_token(
    pool: &PgPool,
    token_hash: &[u8],
    name: &str,
    username: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (token_hash, name, user_id, expires_at)
         SELECT $1, $2, id, $4 FROM users WHERE username = $3 RETURNING id",
    )
    .bind(token_hash)
    .bind(name)
    .bind(username)
    .bind(expires_at)
    .fetch_optional(pool)
    .await
    .op_on("accounts.create_api_token", username)?
    .ok_or_else(|| StoreError::Query {
        op: "accounts.create_api_token",
        subject: Some(username.to_string()),
        source: sqlx::Error::RowNotFound,
    })
}

/// The account a live (unexpired, unrevoked) token acts as, with the token's name.
pub async fn api_token_user(pool: &PgPool, token_hash: &[u8]) -> Result<Option<(User, String)>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, t.name AS token_name FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
           AND NOT u.disabled"
    ))
    .bind(token_hash)
    .fetch_optional(pool)
    .await
    .op("accounts.api_token_user")?;
    row.map(|row| Ok((sqlx::FromRow::from_row(&row)?, row.try_get("token_name")?))).transpose().op("accounts.api_token_user")
}

pub async fn revoke_api_token(pool: &PgPool, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .execute(pool)
        .await
        .op_on("accounts.revoke_api_token", id)?;
    Ok(done.rows_affected() == 1)
}
