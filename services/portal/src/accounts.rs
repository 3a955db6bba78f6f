//! Creating accounts and machine tokens, validated once for the admin page, the API and the
//! `mammoflow` CLI's demo sign-in.

use mammoflow_store::accounts::{self, Role, User};
use mammoflow_store::{audit, PgPool};

use crate::auth::secrets;
use crate::error::{FieldError, PortalError};

/// Shortest password an account may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Creates (or resets) an account after checking every field.
pub async fn create_user(pool: &PgPool, actor: &str, username: &str, display_name: &str, role: &str, password: &str) -> Result<User, PortalError> {
    let username = username.trim().to_ascii_lowercase();
    let mut problems = Vec::new();
    let valid_name = (2..=63).contains(&username.len())
        && username.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !valid_name {
        problems.push(FieldError::new("username", "2 to 63 of a-z, 0-9, '.', '_', '-', starting with a letter or digit"));
    }
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 100 {
        problems.push(FieldError::new("display_name", "1 to 100 characters"));
    }
    let role = role.parse::<Role>().map_err(|_| problems.push(FieldError::new("role", "one of admin, operator, radiologist, auditor"))).ok();
    if password.chars().count() < MIN_PASSWORD_CHARS {
        problems.push(FieldError::new("password", format!("at least {MIN_PASSWORD_CHARS} characters")));
    }
    let Some(role) = role.filter(|_| problems.is_empty()) else {
        return Err(PortalError::Invalid(problems));
    };
    let hash = secrets::hash_password(password).map_err(PortalError::internal)?;
    let user = accounts::upsert_user(pool, &username, display_name, role, &hash).await?;
    audit::record(pool, actor, "account.saved", &user.actor(), &serde_json::json!({"role": user.role.as_str()})).await?;
    Ok(user)
}

/// Issues a machine token acting as `username`; returns the secret, shown once and never stored.
pub async fn create_token(pool: &PgPool, actor: &str, name: &str, username: &str) -> Result<String, PortalError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(PortalError::invalid("name", "1 to 100 characters"));
    }
    if accounts::user_by_name(pool, username.trim()).await?.is_none() {
        return Err(PortalError::invalid("username", format!("no account named {username:?}")));
    }
    let secret = secrets::new_secret();
    accounts::create_api_token(pool, &secrets::secret_hash(&secret), name, username.trim(), None).await?;
    audit::record(pool, actor, "api_token.issued", &format!("user:{}", username.trim()), &serde_json::json!({"name": name})).await?;
    Ok(secret)
}
