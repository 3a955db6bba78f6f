//! Why a request failed, said once and shown two ways: an HTML page for people
//! ([`PageError`]) and a JSON body for machines ([`ApiError`]).

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use mammoflow_store::worklists::WorklistError;
use mammoflow_store::StoreError;
use serde::Serialize;

/// One invalid form or API field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError { field: field.to_string(), message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("sign in first")]
    Unauthenticated,
    #[error("your role may not {0}")]
    Forbidden(&'static str),
    #[error("the form has expired or did not come from this portal; reload the page and try again")]
    Csrf,
    #[error("{0} not found")]
    NotFound(String),
    #[error("{}", .0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("too many failed sign-ins; try again in {0} s")]
    TooManyRequests(u64),
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    #[error("internal error ({0}); it has been logged")]
    Internal(String),
}

impl PortalError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        PortalError::Invalid(vec![FieldError::new(field, message)])
    }

    /// Logs the cause and returns an error that shows the person only a reference to it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let reference = format!("ref {}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f"));
        tracing::error!(%reference, error = %cause, "portal request failed");
        PortalError::Internal(reference)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            PortalError::Unauthenticated => StatusCode::UNAUTHORIZED,
            PortalError::Forbidden(_) | PortalError::Csrf => StatusCode::FORBIDDEN,
            PortalError::NotFound(_) => StatusCode::NOT_FOUND,
            PortalError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            PortalError::Conflict(_) => StatusCode::CONFLICT,
            PortalError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            PortalError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            PortalError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            PortalError::Unauthenticated => "unauthenticated",
            PortalError::Forbidden(_) => "forbidden",
            PortalError::Csrf => "csrf",
            PortalError::NotFound(_) => "not_found",
            PortalError::Invalid(_) => "invalid",
            PortalError::Conflict(_) => "conflict",
            PortalError::TooManyRequests(_) => "too_many_requests",
            PortalError::Unavailable => "unavailable",
            PortalError::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for PortalError {
    fn from(e: StoreError) -> Self {
        if e.is_transient() {
            tracing::warn!(error = %e, "database unavailable");
            PortalError::Unavailable
        } else {
            PortalError::internal(e)
        }
    }
}

impl From<WorklistError> for PortalError {
    fn from(e: WorklistError) -> Self {
        match e {
            WorklistError::Store(e) => e.into(),
            WorklistError::NotFound(id) => PortalError::NotFound(format!("worklist item {id}")),
            WorklistError::Invalid { field, reason } => PortalError::invalid(field, reason),
            other @ (WorklistError::NotPending { .. }
            | WorklistError::NotHolder { .. }
            | WorklistError::Closed { .. }
            | WorklistError::Blinded { .. }) => PortalError::Conflict(other.to_string()),
        }
    }
}

impl From<mammoflow_reports::ReportError> for PortalError {
    fn from(e: mammoflow_reports::ReportError) -> Self {
        use mammoflow_reports::ReportError;
        match e {
            ReportError::Store(e) => e.into(),
            ReportError::Invalid(message) => PortalError::invalid("from", message),
            ReportError::Render(e) => e.into(),
        }
    }
}

impl From<askama::Error> for PortalError {
    fn from(e: askama::Error) -> Self {
        PortalError::internal(format!("rendering a template: {e}"))
    }
}

/// A failed page request: an error page, or the sign-in page for an anonymous visitor.
#[derive(Debug)]
pub struct PageError(pub PortalError);

impl<E: Into<PortalError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    reason: &'a str,
    message: String,
    fields: &'a [FieldError],
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, PortalError::Unauthenticated) {
            return Redirect::to("/signin").into_response();
        }
        let status = self.0.status();
        let fields = match &self.0 {
            PortalError::Invalid(fields) => fields.as_slice(),
            _ => &[],
        };
        let page = ErrorPage { status: status.as_u16(), reason: status.canonical_reason().unwrap_or("error"), message: self.0.to_string(), fields };
        let body = askama::Template::render(&page).unwrap_or_else(|_| self.0.to_string());
        (status, Html(body)).into_response()
    }
}

/// A failed API request: `{"error": code, "message": ..., "fields": [...]}`.
#[derive(Debug)]
pub struct ApiError(pub PortalError);

impl<E: Into<PortalError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let fields = match &self.0 {
            PortalError::Invalid(fields) => fields.clone(),
            _ => Vec::new(),
        };
        let body = serde_json::json!({"error": self.0.code(), "message": self.0.to_string(), "fields": fields});
        let mut response = (self.0.status(), axum::Json(body)).into_response();
        if matches!(self.0, PortalError::Unauthenticated) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}
