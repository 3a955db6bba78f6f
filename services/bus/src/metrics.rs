//! Prometheus metrics of the event backbone. One [`BusMetrics`] per process, shared (cheaply
//! cloned) by every consumer, publisher and relay.

use std::time::Duration;

use prometheus::{
    Gauge, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
};

/// Outcome label of `mammoflow_bus_events_consumed_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumeOutcome {
    /// Handled and committed.
    Processed,
    /// Already in the inbox for this group: committed without running the handler.
    Duplicate,
    /// Stored as a dead letter; the offset moved on.
    DeadLettered,
}

impl ConsumeOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsumeOutcome::Processed => "processed",
            ConsumeOutcome::Duplicate => "duplicate",
            ConsumeOutcome::DeadLettered => "dead_lettered",
        }
    }
}

#[derive(Debug, Clone)]
pub struct BusMetrics {
    consumed: IntCounterVec,
    published: IntCounterVec,
    dead_letters: IntCounterVec,
    retries: IntCounterVec,
    processing: HistogramVec,
    lag: IntGaugeVec,
    outbox_backlog: IntGauge,
    outbox_oldest_age: Gauge,
}

impl BusMetrics {
    /// Creates the metrics and registers them in `registry`.
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let metrics = BusMetrics::new()?;
        registry.register(Box::new(metrics.consumed.clone()))?;
        registry.register(Box::new(metrics.published.clone()))?;
        registry.register(Box::new(metrics.dead_letters.clone()))?;
        registry.register(Box::new(metrics.retries.clone()))?;
        registry.register(Box::new(metrics.processing.clone()))?;
        registry.register(Box::new(metrics.lag.clone()))?;
        registry.register(Box::new(metrics.outbox_backlog.clone()))?;
        registry.register(Box::new(metrics.outbox_oldest_age.clone()))?;
        Ok(metrics)
    }

    fn new() -> Result<Self, prometheus::Error> {
        Ok(BusMetrics {
            consumed: IntCounterVec::new(
                Opts::new(
                    "mammoflow_bus_events_consumed_total",
                    "Records consumed, by outcome",
                ),
                &["group", "topic", "outcome"],
            )?,
            published: IntCounterVec::new(
                Opts::new(
                    "mammoflow_bus_events_published_total",
                    "Events confirmed by the broker",
                ),
                &["topic"],
            )?,
            dead_letters: IntCounterVec::new(
                Opts::new(
                    "mammoflow_bus_dead_letters_total",
                    "Records dead-lettered, by error kind",
                ),
                &["group", "topic", "kind"],
            )?,
            retries: IntCounterVec::new(
                Opts::new(
                    "mammoflow_bus_retries_total",
                    "Transient failures retried (kind: database, handler, broker)",
                ),
                &["group", "kind"],
            )?,
            processing: HistogramVec::new(
                HistogramOpts::new(
                    "mammoflow_bus_processing_seconds",
                    "Time from receiving a record to its commit, retries included",
                )
                .buckets(vec![
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0, 30.0,
                ]),
                &["group"],
            )?,
            lag: IntGaugeVec::new(
                Opts::new(
                    "mammoflow_bus_consumer_lag_messages",
                    "High watermark minus the consumer's position, per assigned partition",
                ),
                &["group", "topic", "partition"],
            )?,
            outbox_backlog: IntGauge::new(
                "mammoflow_outbox_backlog_messages",
                "Outbox rows not yet published",
            )?,
            outbox_oldest_age: Gauge::new(
                "mammoflow_outbox_oldest_age_seconds",
                "Age of the oldest unpublished outbox row (0 when empty)",
            )?,
        })
    }

    pub(crate) fn consumed(&self, group: &str, topic: &str, outcome: ConsumeOutcome) {
        self.consumed
            .with_label_values(&[group, topic, outcome.as_str()])
            .inc();
    }

    pub(crate) fn published(&self, topic: &str, count: u64) {
        self.published.with_label_values(&[topic]).inc_by(count);
    }

    pub(crate) fn dead_lettered(&self, group: &str, topic: &str, kind: &str) {
        self.dead_letters
            .with_label_values(&[group, topic, kind])
            .inc();
    }

    /// Creates `group`'s retry series at zero, so `rate()` and alerts see them before the first
    /// retry (a labelled counter is exported only once a series exists).
    pub(crate) fn announce_group(&self, group: &str) {
        for kind in ["database", "handler", "broker"] {
            self.retries.with_label_values(&[group, kind]);
        }
    }

    pub(crate) fn retried(&self, group: &str, kind: &str) {
        self.retries.with_label_values(&[group, kind]).inc();
    }

    pub(crate) fn processing_time(&self, group: &str, elapsed: Duration) {
        self.processing
            .with_label_values(&[group])
            .observe(elapsed.as_secs_f64());
    }

    pub(crate) fn set_lag(&self, group: &str, topic: &str, partition: i32, lag: i64) {
        self.lag
            .with_label_values(&[group, topic, &partition.to_string()])
            .set(lag);
    }

    pub(crate) fn forget_lag(&self, group: &str, topic: &str, partition: i32) {
        // Only fails when the series does not exist, which is the desired end state anyway.
        let _ = self
            .lag
            .remove_label_values(&[group, topic, &partition.to_string()]);
    }

    pub(crate) fn set_outbox_backlog(&self, rows: i64, oldest_age: Duration) {
        self.outbox_backlog.set(rows);
        self.outbox_oldest_age.set(oldest_age.as_secs_f64());
    }

    /// Records consumed by `group` from `topic` with `outcome` so far.
    pub fn consumed_count(&self, group: &str, topic: &str, outcome: ConsumeOutcome) -> u64 {
        self.consumed
            .with_label_values(&[group, topic, outcome.as_str()])
            .get()
    }

    /// Events published to `topic` so far.
    pub fn published_count(&self, topic: &str) -> u64 {
        self.published.with_label_values(&[topic]).get()
    }

    /// Transient failures of `group` of `kind` retried so far.
    pub fn retry_count(&self, group: &str, kind: &str) -> u64 {
        self.retries.with_label_values(&[group, kind]).get()
    }

    /// Records of `group` from `topic` dead-lettered with error `kind` so far.
    pub fn dead_letter_count(&self, group: &str, topic: &str, kind: &str) -> u64 {
        self.dead_letters
            .with_label_values(&[group, topic, kind])
            .get()
    }

    /// Last reported lag of one partition (0 when never reported).
    pub fn lag(&self, group: &str, topic: &str, partition: i32) -> i64 {
        self.lag
            .with_label_values(&[group, topic, &partition.to_string()])
            .get()
    }

    /// Last reported outbox backlog (rows).
    pub fn outbox_backlog(&self) -> i64 {
        self.outbox_backlog.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_every_metric_under_its_name() {
        let registry = Registry::new();
        let m = BusMetrics::register(&registry).expect("register");
        m.consumed("g", "t", ConsumeOutcome::Processed);
        m.published("t", 2);
        m.dead_lettered("g", "t", "malformed");
        m.retried("g", "database");
        m.processing_time("g", Duration::from_millis(3));
        m.set_lag("g", "t", 0, 5);
        m.set_outbox_backlog(1, Duration::from_secs(2));
        let names: Vec<String> = registry
            .gather()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        for expected in [
            "mammoflow_bus_events_consumed_total",
            "mammoflow_bus_events_published_total",
            "mammoflow_bus_dead_letters_total",
            "mammoflow_bus_retries_total",
            "mammoflow_bus_processing_seconds",
            "mammoflow_bus_consumer_lag_messages",
            "mammoflow_outbox_backlog_messages",
            "mammoflow_outbox_oldest_age_seconds",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} missing from {names:?}"
            );
        }
        assert_eq!(m.published_count("t"), 2);
        assert_eq!(m.lag("g", "t", 0), 5);
        m.forget_lag("g", "t", 0);
        assert_eq!(m.consumed_count("g", "t", ConsumeOutcome::Processed), 1);
    }

    #[test]
    fn registering_twice_in_one_registry_fails() {
        let registry = Registry::new();
        BusMetrics::register(&registry).expect("first");
        assert!(BusMetrics::register(&registry).is_err());
    }
}
