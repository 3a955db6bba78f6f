//! Operators' pages: queue health, reprioritisation, dead letters (view and replay).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use mammoflow_store::dead_letters::{self, DeadLetter, DeadLetterFilter};
use mammoflow_store::worklists::{self, QueueStats};
use serde::Deserialize;

use super::{age, field, render, Nav};
use crate::actions;
use crate::auth::{Permission, Person};
use crate::error::{PageError, PortalError};
use crate::state::AppState;

/// Dead letters per page.
const DEAD_LETTER_PAGE: i64 = 100;
/// Bytes of a dead letter's payload shown on the page (the API returns all of it).
const PAYLOAD_PREVIEW_BYTES: usize = 600;

#[derive(askama::Template)]
#[template(path = "operator.html")]
struct Overview {
    title: &'static str,
    nav: Option<Nav>,
    queues: Vec<(QueueStats, String)>,
    studies_by_status: Vec<(String, i64)>,
    dead_letters_pending: i64,
}

pub async fn overview(State(state): State<AppState>, Person(who): Person) -> Result<Response, PageError> {
    who.require(Permission::Operate)?;
    let queues = worklists::queue_stats(&state.pool).await?.into_iter().map(|q| {
        let oldest = q.oldest_age_seconds.map_or("-".into(), age);
        (q, oldest)
    }).collect();
    let (_, dead_letters_pending) = dead_letters::count(&state.pool).await?;
    let page = Overview {
        title: "Operations",
        nav: Nav::of(&who),
        queues,
        studies_by_status: mammoflow_store::studies::count_by_status(&state.pool).await?,
        dead_letters_pending,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct DeadLetterQuery {
    #[serde(default)]
    all: bool,
    before: Option<i64>,
}

/// A dead letter as listed: the payload as text where it is UTF-8, shortened.
#[derive(Debug)]
struct Letter {
    letter: DeadLetter,
    preview: String,
}

#[derive(askama::Template)]
#[template(path = "dead_letters.html")]
struct DeadLetters {
    title: &'static str,
    nav: Option<Nav>,
    letters: Vec<Letter>,
    all: bool,
    next_before: Option<i64>,
}

pub async fn dead_letters(State(state): State<AppState>, Person(who): Person, Query(q): Query<DeadLetterQuery>) -> Result<Response, PageError> {
    who.require(Permission::Operate)?;
    let filter = DeadLetterFilter { pending_only: !q.all, before_id: q.before, limit: DEAD_LETTER_PAGE, ..DeadLetterFilter::default() };
    let letters: Vec<Letter> = dead_letters::list(&state.pool, &filter)
        .await?
        .into_iter()
        .map(|letter| {
            let text = String::from_utf8_lossy(&letter.payload);
            let preview = text.chars().take(PAYLOAD_PREVIEW_BYTES).collect();
            Letter { letter, preview }
        })
        .collect();
    let next_before = (letters.len() as i64 == DEAD_LETTER_PAGE).then(|| letters.last().map(|l| l.letter.id)).flatten();
    Ok(render(&DeadLetters { title: "Dead letters", nav: Nav::of(&who), letters, all: q.all, next_before })?.into_response())
}

pub async fn replay(State(state): State<AppState>, Person(who): Person, Path(id): Path<i64>, Form(fields): Form<Vec<(String, String)>>) -> Result<Response, PageError> {
    who.check_csrf(field(&fields, "csrf"))?;
    actions::replay_dead_letter(&state, &who, id).await?;
    Ok(Redirect::to("/operator/dead-letters").into_response())
}

pub async fn reprioritise(State(state): State<AppState>, Person(who): Person, Path(id): Path<i64>, Form(fields): Form<Vec<(String, String)>>) -> Result<Response, PageError> {
    who.check_csrf(field(&fields, "csrf"))?;
    let priority = field(&fields, "priority")
        .unwrap_or_default()
        .trim()
        .parse::<f64>()
        .map_err(|_| PortalError::invalid("priority", "give a number from 0 to 1000"))?;
    let item = actions::reprioritise(&state, &who, id, priority, field(&fields, "reason").unwrap_or_default()).await?;
    Ok(Redirect::to(&format!("/queues/{}", item.queue)).into_response())
}
