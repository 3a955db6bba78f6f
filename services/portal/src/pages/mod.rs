//! Server-rendered pages (askama); they work without JavaScript. Every form that changes
//! something carries the session's CSRF token in a hidden `csrf` field.

mod admin;
mod audit;
mod operator;
mod period;
mod reports;
mod signin;
mod study;
mod worklists;

pub use study::thumbnail_response;

use axum::response::Html;
use axum::routing::{get, post};
use axum::Router;

use crate::auth::{Identity, Permission, Person};
use crate::error::PageError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin", get(signin::page).post(signin::submit))
        .route("/signout", post(signin::sign_out))
        .route("/", get(worklists::overview))
        .route("/queues/{queue}", get(worklists::queue))
        .route("/queues/{queue}/claim-next", post(worklists::claim_next))
        .route("/studies/{uid}", get(study::page))
        .route("/studies/{uid}/views/{view}", get(study::thumbnail))
        .route("/items/{id}/claim", post(study::claim))
        .route("/items/{id}/release", post(study::release))
        .route("/items/{id}/read", post(study::submit_read))
        .route("/items/{id}/priority", post(operator::reprioritise))
        .route("/operator", get(operator::overview))
        .route("/operator/dead-letters", get(operator::dead_letters))
        .route("/operator/dead-letters/{id}/replay", post(operator::replay))
        .route("/reports/studies/{uid}", get(reports::study))
        .route("/reports/period", get(period::period))
        .route("/reports/audit", get(audit::page))
        .route("/reports/audit.html", get(audit::document))
        .route("/admin", get(admin::page))
        .route("/admin/users", post(admin::create_user))
        .route("/admin/tokens", post(admin::create_token))
}

/// The header bar: who is signed in and which sections their role opens.
#[derive(Debug, Clone)]
pub struct Nav {
    pub display_name: String,
    pub role: &'static str,
    pub csrf: String,
    pub can_read: bool,
    pub can_operate: bool,
    pub can_audit: bool,
    pub can_admin: bool,
}

impl Nav {
    pub fn of(who: &Identity) -> Option<Nav> {
        Some(Nav {
            display_name: who.user.display_name.clone(),
            role: who.role().as_str(),
            csrf: who.csrf_token().to_string(),
            can_read: who.may(Permission::Read),
            can_operate: who.may(Permission::Operate),
            can_audit: who.may(Permission::Audit),
            can_admin: who.may(Permission::Administer),
        })
    }
}

pub fn render(page: &impl askama::Template) -> Result<Html<String>, PageError> {
    Ok(Html(page.render()?))
}

/// A form field's CSRF value from repeated-key form fields.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Human wording of an age in seconds ("3 h 20 min").
pub fn age(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86400 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d {} h", s / 86400, (s % 86400) / 3600),
    }
}

/// Unknown paths: 404 for the signed-in; anonymous visitors get the sign-in page, or 401 under
/// `/api/`.
pub async fn not_found(uri: axum::http::Uri, person: Result<Person, PageError>) -> axum::response::Response {
    use crate::error::{ApiError, PortalError};
    use axum::response::IntoResponse;
    let api = uri.path().starts_with("/api/");
    match (person, api) {
        (Ok(_), true) => ApiError(PortalError::NotFound("API route".into())).into_response(),
        (Ok(_), false) => PageError(PortalError::NotFound("page".into())).into_response(),
        (Err(_), true) => ApiError(PortalError::Unauthenticated).into_response(),
        (Err(e), false) => e.into_response(),
    }
}
