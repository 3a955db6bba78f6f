//! mammoflow's web portal: worklists, study pages with thumbnails, reading (claim, release,
//! submit), operator pages (queues, reprioritisation, dead letters), accounts, printable summary
//! reports and the JSON API under `/api/v1/` (see `openapi.yaml`).
//!
//! Server-rendered with askama, usable without JavaScript. Everything but `/signin` and
//! `/healthz` needs a signed-in person (session cookie) or a machine token (bearer); every view
//! of a study's data by a person is written to the audit log.

pub mod accounts;
mod actions;
mod api;
pub mod args;
pub mod auth;
pub mod error;
mod highlight;
pub mod metrics;
mod pages;
mod report_query;
pub mod state;
mod study_view;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::header::{CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use axum::http::HeaderValue;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use mammoflow_bus::{Publisher, PublisherOptions};
use mammoflow_runtime::Platform;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use args::PortalArgs;
pub use metrics::PortalMetrics;
use state::{AppState, Shared};

/// How often expired sessions are deleted.
const SESSION_PURGE_INTERVAL: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("registering the portal's metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("creating the Kafka publisher for dead-letter replays: {0}")]
    Publisher(#[from] mammoflow_bus::BusError),
    #[error("loading the report parser: {0}")]
    Parser(String),
    #[error("listening on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
}

/// Starts the portal on its own address; returns the bound address and the server task, which
/// ends when `shutdown` is cancelled.
pub async fn spawn_portal(
    platform: &Platform,
    args: &PortalArgs,
    metrics: PortalMetrics,
    shutdown: CancellationToken,
) -> Result<(SocketAddr, JoinHandle<()>), StartError> {
    let state = AppState(Arc::new(Shared {
        pool: platform.pool.clone(),
        publisher: Publisher::new(&platform.kafka, &PublisherOptions::default())?,
        parser: mammorgtool::Parser::new().map_err(|e| StartError::Parser(e.to_string()))?,
        dicom_roots: platform.dicom_roots.clone(),
        limiter: auth::SignInLimiter::new(args.signin_attempts, Duration::from_secs(args.signin_window_secs)),
        metrics,
        args: args.clone(),
    }));
    let listener = tokio::net::TcpListener::bind(args.addr).await.map_err(|source| StartError::Listen { addr: args.addr, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen { addr: args.addr, source })?;
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let drift = (args.drift_check_secs > 0).then(|| {
        let every = Duration::from_secs(args.drift_check_secs);
        let metrics = state.metrics.drift.clone();
        let watch = mammoflow_reports::DriftWatch { window_days: args.drift_window_days, min_volume: args.drift_min_volume };
        tokio::spawn(mammoflow_reports::watch_drift(state.pool.clone(), metrics, every, watch, shutdown.clone()))
    });
    let purge = tokio::spawn(purge_sessions(state, shutdown.clone()));
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(shutdown.cancelled_owned()).await;
        if let Err(error) = served {
            tracing::error!(%error, "portal server stopped");
        }
        purge.abort();
        if let Some(drift) = drift {
            drift.abort();
        }
    });
    Ok((addr, task))
}

/// Every route, with metrics and security headers.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .merge(api::routes())
        .route("/healthz", get(healthz))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::record))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Alive and able to reach Postgres.
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    match mammoflow_store::ping(&state.pool).await {
        Ok(()) => "ok\n".into_response(),
        Err(e) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, format!("database: {e}\n")).into_response(),
    }
}

async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    // No scripts at all; inline styles only from our own templates.
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

async fn purge_sessions(state: AppState, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(SESSION_PURGE_INTERVAL) => {}
        }
        if let Err(error) = mammoflow_store::accounts::purge_expired_sessions(&state.pool).await {
            tracing::warn!(%error, "purging expired sessions");
        }
    }
}
