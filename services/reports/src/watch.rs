//! The drift watch: every few minutes, the audit's drift section over a trailing window of exam
//! days, published as Prometheus gauges so an alert rule can page someone when the model's
//! output or its inputs shift (the portal pages show the details). One pass is one
//! [`build_drift`] call: the alarm logic is the audit's, not a second implementation.

use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use mammoflow_store::PgPool;
use prometheus::{GaugeVec, IntGauge, IntGaugeVec, Opts, Registry};
use tokio_util::sync::CancellationToken;

use crate::audit::{build_drift, AuditRequest, Program};
use crate::ReportError;

#[derive(Debug, Clone)]
pub struct DriftMetrics {
    /// 1 while the series' latest period or the current window as a whole raises an alarm.
    pub alarm: IntGaugeVec,
    /// PSI of the current window against the reference window.
    pub psi: GaugeVec,
    /// When the last pass finished (Unix seconds); a stale value means the watch stopped.
    pub last_run: IntGauge,
}

impl DriftMetrics {
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let alarm = IntGaugeVec::new(
            Opts::new("mammoflow_audit_drift_alarm", "1 while the audit's drift check alarms on the series (trailing window)"),
            &["series"],
        )?;
        let psi = GaugeVec::new(
            Opts::new("mammoflow_audit_drift_psi", "Population stability index of the current window against the reference window"),
            &["series"],
        )?;
        let last_run = IntGauge::new("mammoflow_audit_drift_last_run_timestamp_seconds", "When the drift watch last finished a pass")?;
        // Every series the audit computes, so its gauges exist from the first scrape on.
        for (series, _, _) in crate::drift::SERIES {
            alarm.with_label_values(&[series]);
            psi.with_label_values(&[series]);
        }
        registry.register(Box::new(alarm.clone()))?;
        registry.register(Box::new(psi.clone()))?;
        registry.register(Box::new(last_run.clone()))?;
        Ok(DriftMetrics { alarm, psi, last_run })
    }
}

/// What the drift watch looks at: the last `window_days` exam days, scoring only periods with at
/// least `min_volume` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriftWatch {
    pub window_days: u64,
    pub min_volume: usize,
}

/// One pass over the watched exam days up to `today`: sets the gauges and returns the series
/// that alarm.
pub async fn check_drift(pool: &PgPool, metrics: &DriftMetrics, today: NaiveDate, watch: DriftWatch) -> Result<Vec<String>, ReportError> {
    let to = today + Days::new(1);
    let from = to - Days::new(watch.window_days.max(2));
    let request = AuditRequest { from, to, by: Vec::new(), min_volume: watch.min_volume, program: Program::Us, model: None };
    let drift = build_drift(pool, &request).await?;
    let mut alarming = Vec::new();
    for series in &drift.series {
        let latest = series.points.iter().rev().find(|p| p.report.is_some());
        let alarm = [Some(&series.overall), latest].into_iter().flatten().any(|p| p.report.as_ref().is_some_and(|r| r.alarm.is_some()));
        metrics.alarm.with_label_values(&[series.name.as_str()]).set(i64::from(alarm));
        let psi = series.overall.report.as_ref().map_or(0.0, |r| r.psi);
        metrics.psi.with_label_values(&[series.name.as_str()]).set(psi);
        if alarm {
            alarming.push(series.name.clone());
        }
    }
    metrics.last_run.set(Utc::now().timestamp());
    Ok(alarming)
}

/// Runs [`check_drift`] every `every` until `shutdown`; a failed pass is logged and the next
/// one tries again (the stale `last_run` gauge shows a watch that keeps failing).
pub async fn watch_drift(pool: PgPool, metrics: DriftMetrics, every: Duration, watch: DriftWatch, shutdown: CancellationToken) {
    loop {
        match check_drift(&pool, &metrics, Utc::now().date_naive(), watch).await {
            Ok(alarming) if !alarming.is_empty() => tracing::warn!(series = ?alarming, "drift alarm"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "drift check failed; trying again next interval"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
