//! Who is asking: a person signed in with a session cookie, or a machine with an API token;
//! what their role permits; CSRF checks for cookie-authenticated changes.

mod limiter;
pub mod secrets;

pub use limiter::SignInLimiter;

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use mammoflow_store::accounts::{self, Role, User};

use crate::error::{ApiError, PageError, PortalError};
use crate::state::AppState;

/// Name of the session cookie (HttpOnly, SameSite=Lax).
pub const SESSION_COOKIE: &str = "mammoflow_session";
/// Header carrying the CSRF token on cookie-authenticated API changes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What a role may do. The one place the portal's access rules live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See queues, worklist items and study pages.
    ViewWorklists,
    /// Claim, release and read worklist items.
    Read,
    /// Reprioritise, replay dead letters, record outcomes.
    Operate,
    /// Program reports and audit figures.
    Audit,
    /// Accounts and API tokens.
    Administer,
}

impl Permission {
    pub fn allows(self, role: Role) -> bool {
        use Role::*;
        match self {
            Permission::ViewWorklists => true,
            Permission::Read => role == Radiologist,
            Permission::Operate => matches!(role, Admin | Operator),
            Permission::Audit => matches!(role, Admin | Operator | Auditor),
            Permission::Administer => role == Admin,
        }
    }

    fn action(self) -> &'static str {
        match self {
            Permission::ViewWorklists => "view worklists",
            Permission::Read => "read studies (radiologists only)",
            Permission::Operate => "operate the program (operators and admins only)",
            Permission::Audit => "see program reports and audit figures",
            Permission::Administer => "administer accounts (admins only)",
        }
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Session { csrf_token: String },
    Token { name: String },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user: User,
    pub via: Via,
}

impl Identity {
    /// The name leases, reads and the audit log record (`user:alice`).
    pub fn actor(&self) -> String {
        self.user.actor()
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn may(&self, permission: Permission) -> bool {
        permission.allows(self.user.role)
    }

    pub fn require(&self, permission: Permission) -> Result<(), PortalError> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(PortalError::Forbidden(permission.action()))
        }
    }

    /// A cookie-authenticated change must echo the session's CSRF token (a token-authenticated
    /// one carries no ambient credential a third-party page could borrow).
    pub fn check_csrf(&self, submitted: Option<&str>) -> Result<(), PortalError> {
        match &self.via {
            Via::Token { .. } => Ok(()),
            Via::Session { csrf_token } => match submitted {
                Some(s) if secrets::same_secret(s, csrf_token) => Ok(()),
                _ => Err(PortalError::Csrf),
            },
        }
    }

    pub fn csrf_token(&self) -> &str {
        match &self.via {
            Via::Session { csrf_token } => csrf_token,
            Via::Token { .. } => "",
        }
    }
}

/// The value of cookie `name` in the request, if any.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

async fn identify(parts: &Parts, state: &AppState) -> Result<Identity, PortalError> {
    if let Some(header) = parts.headers.get(AUTHORIZATION) {
        let token = header.to_str().ok().and_then(|h| h.strip_prefix("Bearer ")).ok_or(PortalError::Unauthenticated)?;
        let (user, name) = accounts::api_token_user(&state.pool, &secrets::secret_hash(token.trim()))
            .await?
            .ok_or(PortalError::Unauthenticated)?;
        return Ok(Identity { user, via: Via::Token { name } });
    }
    let secret = cookie(&parts.headers, SESSION_COOKIE).ok_or(PortalError::Unauthenticated)?;
    let session = accounts::session(&state.pool, &secrets::secret_hash(secret)).await?.ok_or(PortalError::Unauthenticated)?;
    Ok(Identity { user: session.user, via: Via::Session { csrf_token: session.csrf_token } })
}

/// A signed-in person on a page; anonymous visitors are sent to the sign-in page.
#[derive(Debug, Clone)]
pub struct Person(pub Identity);

impl FromRequestParts<AppState> for Person {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        Ok(Person(identify(parts, state).await?))
    }
}

/// An authenticated API caller; anonymous requests get 401.
#[derive(Debug, Clone)]
pub struct Caller(pub Identity);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let identity = identify(parts, state).await?;
        // Changes through a browser session must carry the CSRF header.
        if !parts.method.is_safe() {
            let submitted = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            identity.check_csrf(submitted)?;
        }
        Ok(Caller(identity))
    }
}
