//! The worklists: every queue with its counts, and one queue's items in reading order.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use mammoflow_store::worklists::{self, QueueStats, WorklistItem};

use super::{age, field, render, Nav};
use crate::actions;
use crate::auth::{Permission, Person};
use crate::error::{PageError, PortalError};
use crate::state::AppState;

/// Items shown per queue page (the oldest, highest-priority ones come first).
const QUEUE_PAGE_ITEMS: i64 = 200;

#[derive(askama::Template)]
#[template(path = "worklists.html")]
struct Overview {
    title: &'static str,
    nav: Option<Nav>,
    queues: Vec<(QueueStats, String)>,
}

pub async fn overview(State(state): State<AppState>, Person(who): Person) -> Result<Response, PageError> {
    who.require(Permission::ViewWorklists)?;
    let queues = worklists::queue_stats(&state.pool).await?.into_iter().map(|q| {
        let oldest = q.oldest_age_seconds.map_or("-".to_string(), age);
        (q, oldest)
    }).collect();
    Ok(render(&Overview { title: "Worklists", nav: Nav::of(&who), queues })?.into_response())
}

/// One row of a queue page.
#[derive(Debug)]
struct Row {
    item: WorklistItem,
    waiting: String,
    due: String,
    overdue: bool,
}

#[derive(askama::Template)]
#[template(path = "queue.html")]
struct QueuePage {
    title: String,
    nav: Option<Nav>,
    queue: String,
    rows: Vec<Row>,
}

pub async fn queue(State(state): State<AppState>, Person(who): Person, Path(queue): Path<String>) -> Result<Response, PageError> {
    who.require(Permission::ViewWorklists)?;
    let now = Utc::now();
    let rows = worklists::list_queue(&state.pool, &queue, QUEUE_PAGE_ITEMS)
        .await?
        .into_iter()
        .map(|item| Row {
            waiting: age((now - item.created_at).num_seconds() as f64),
            due: item.due_at.map_or("-".into(), |d| d.format("%Y-%m-%d %H:%M").to_string()),
            overdue: item.due_at.is_some_and(|d| d < now),
            item,
        })
        .collect();
    let page = QueuePage { title: format!("Queue {queue}"), nav: Nav::of(&who), queue, rows };
    Ok(render(&page)?.into_response())
}

/// A radiologist takes the next item of the queue they may read and goes to its study.
pub async fn claim_next(
    State(state): State<AppState>,
    Person(who): Person,
    Path(queue): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    who.check_csrf(field(&fields, "csrf"))?;
    match actions::claim_next(&state, &who, &queue).await? {
        Some(item) => Ok(Redirect::to(&format!("/studies/{}", item.study_uid)).into_response()),
        None => Err(PortalError::Conflict(format!("queue {queue} has no item you may claim")).into()),
    }
}
