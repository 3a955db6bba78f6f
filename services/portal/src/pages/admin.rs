//! Accounts and machine tokens (admins only).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Form;
use mammoflow_store::accounts::{self, User};

use super::{field, render, Nav};
use crate::auth::{Identity, Permission, Person};
use crate::error::PageError;
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "admin.html")]
struct AdminPage {
    title: &'static str,
    nav: Option<Nav>,
    users: Vec<User>,
    message: Option<String>,
    /// A just-issued token, shown once.
    token: Option<String>,
}

async fn show(state: &AppState, who: &Identity, message: Option<String>, token: Option<String>) -> Result<Response, PageError> {
    let users = accounts::list_users(&state.pool).await?;
    Ok(render(&AdminPage { title: "Accounts", nav: Nav::of(who), users, message, token })?.into_response())
}

pub async fn page(State(state): State<AppState>, Person(who): Person) -> Result<Response, PageError> {
    who.require(Permission::Administer)?;
    show(&state, &who, None, None).await
}

pub async fn create_user(State(state): State<AppState>, Person(who): Person, Form(fields): Form<Vec<(String, String)>>) -> Result<Response, PageError> {
    who.require(Permission::Administer)?;
    who.check_csrf(field(&fields, "csrf"))?;
    let get = |name| field(&fields, name).unwrap_or_default();
    let user = crate::accounts::create_user(&state.pool, &who.actor(), get("username"), get("display_name"), get("role"), get("password")).await?;
    show(&state, &who, Some(format!("Account {} saved.", user.username)), None).await
}

pub async fn create_token(State(state): State<AppState>, Person(who): Person, Form(fields): Form<Vec<(String, String)>>) -> Result<Response, PageError> {
    who.require(Permission::Administer)?;
    who.check_csrf(field(&fields, "csrf"))?;
    let (name, username) = (field(&fields, "name").unwrap_or_default(), field(&fields, "username").unwrap_or_default());
    let token = crate::accounts::create_token(&state.pool, &who.actor(), name, username).await?;
    show(&state, &who, Some(format!("Token {name:?} issued for {username}; copy it now, it is not shown again.")), Some(token)).await
}
