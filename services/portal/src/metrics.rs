//! The portal's Prometheus metrics and the middleware that records them.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use mammoflow_reports::DriftMetrics;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct PortalMetrics {
    /// Requests by route template (not the raw path: UIDs would explode the series) and status.
    pub requests: IntCounterVec,
    pub request_seconds: HistogramVec,
    /// Sign-ins by outcome: `ok`, `wrong_password`, `rate_limited`.
    pub signins: IntCounterVec,
    /// The drift watch's gauges (the portal runs the watch).
    pub drift: DriftMetrics,
}

impl PortalMetrics {
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let requests = IntCounterVec::new(
            Opts::new("mammoflow_portal_requests_total", "Portal HTTP requests by route and status"),
            &["route", "status"],
        )?;
        let request_seconds = HistogramVec::new(
            HistogramOpts::new("mammoflow_portal_request_duration_seconds", "Portal HTTP request duration by route")
                .buckets(vec![0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["route"],
        )?;
        let signins = IntCounterVec::new(
            Opts::new("mammoflow_portal_signins_total", "Portal sign-in attempts by outcome"),
            &["outcome"],
        )?;
        for outcome in ["ok", "wrong_password", "rate_limited"] {
            signins.with_label_values(&[outcome]);
        }
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(request_seconds.clone()))?;
        registry.register(Box::new(signins.clone()))?;
        let drift = DriftMetrics::register(registry)?;
        Ok(PortalMetrics { requests, request_seconds, signins, drift })
    }
}

/// Counts and times every request under its route template.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.request_seconds.with_label_values(&[route.as_str()]).observe(started.elapsed().as_secs_f64());
    state.metrics.requests.with_label_values(&[route.as_str(), response.status().as_str()]).inc();
    response
}
