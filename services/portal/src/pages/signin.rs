//! Sign-in and sign-out. Failed sign-ins are rate limited per account and per client address.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, State};
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use mammoflow_store::accounts;
use serde::Deserialize;

use super::{field, render, Nav};
use crate::auth::{cookie, secrets, Person, SESSION_COOKIE};
use crate::error::{PageError, PortalError};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "signin.html")]
struct SignInPage {
    title: &'static str,
    nav: Option<Nav>,
    error: Option<String>,
    username: String,
}

pub async fn page() -> Result<Response, PageError> {
    Ok(render(&SignInPage { title: "Sign in", nav: None, error: None, username: String::new() })?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct SignIn {
    username: String,
    password: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Result<Response, PageError> {
    let client = client_address(&state, peer, &headers);
    let username = form.username.trim().to_ascii_lowercase();
    let refuse = |status, message: String| -> Result<Response, PageError> {
        let page = SignInPage { title: "Sign in", nav: None, error: Some(message), username: username.clone() };
        Ok((status, render(&page)?).into_response())
    };
    if let Err(wait) = state.limiter.check(&username, client) {
        state.metrics.signins.with_label_values(&["rate_limited"]).inc();
        let error = PortalError::TooManyRequests(wait.as_secs().max(1));
        return refuse(error.status(), error.to_string());
    }
    let user = accounts::user_by_name(&state.pool, &username).await?.filter(|u| !u.disabled);
    let valid = match &user {
        Some(u) => secrets::verify_password(&form.password, &u.password_hash),
        None => {
            secrets::burn_verification(&form.password);
            false
        }
    };
    let Some(user) = user.filter(|_| valid) else {
        state.limiter.record_failure(&username, client);
        state.metrics.signins.with_label_values(&["wrong_password"]).inc();
        // One message for unknown accounts and wrong passwords: no account enumeration.
        return refuse(axum::http::StatusCode::UNAUTHORIZED, "Unknown username or wrong password.".into());
    };
    state.limiter.record_success(&username);
    state.metrics.signins.with_label_values(&["ok"]).inc();
    let secret = secrets::new_secret();
    let expires = Utc::now() + chrono::Duration::hours(i64::from(state.args.session_hours.max(1)));
    accounts::create_session(&state.pool, &secrets::secret_hash(&secret), user.id, &secrets::new_secret(), expires).await?;
    mammoflow_store::audit::record(&state.pool, &user.actor(), "session.signed_in", &user.actor(), &serde_json::json!({"client": client.to_string()})).await?;
    let max_age = i64::from(state.args.session_hours.max(1)) * 3600;
    let secure = if state.args.secure_cookies { "; Secure" } else { "" };
    let set_cookie = format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    Ok(([(SET_COOKIE, set_cookie)], Redirect::to("/")).into_response())
}

/// The address the rate limit counts: the peer, or behind a trusted proxy the first
/// `X-Forwarded-For` entry (behind a proxy every peer is the proxy, and one shared count would
/// let anyone lock everyone out).
fn client_address(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    let forwarded = || headers.get("x-forwarded-for")?.to_str().ok()?.split(',').next()?.trim().parse().ok();
    if state.args.trust_forwarded_for { forwarded().unwrap_or(peer.ip()) } else { peer.ip() }
}

pub async fn sign_out(State(state): State<AppState>, Person(who): Person, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Result<Response, PageError> {
    who.check_csrf(field(&fields, "csrf"))?;
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        accounts::delete_session(&state.pool, &secrets::secret_hash(secret)).await?;
    }
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    Ok(([(SET_COOKIE, expired)], Redirect::to("/signin")).into_response())
}
