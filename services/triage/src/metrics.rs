use mammoflow_store::worklists::QueueStats;
use prometheus::{GaugeVec, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry};

/// Triage's own metrics; the consumer loop's (consumed, dead-lettered, lag) are the bus's.
#[derive(Debug, Clone)]
pub struct TriageMetrics {
    /// Studies put on a worklist, by queue and the rule that fired.
    pub assigned: IntCounterVec,
    /// Time to decide and store one study's triage (the handler's own work).
    pub decision_seconds: Histogram,
    /// Parsed reports for studies already on a worklist (re-deliveries): nothing created.
    pub already_triaged: IntCounter,
    /// Claimed items returned to their queue because the lease ran out.
    pub leases_expired: IntCounter,
    /// From the study's storage by ingest to its worklist item(s).
    pub arrival_to_worklist_seconds: Histogram,
    /// Open items per queue and status (`pending`, `claimed`), refreshed by the sweeper.
    pub open_items: IntGaugeVec,
    pub oldest_item_age_seconds: GaugeVec,
    pub overdue_items: IntGaugeVec,
}

impl TriageMetrics {
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let assigned = IntCounterVec::new(
            Opts::new("mammoflow_triage_assigned_total", "Studies put on a worklist, by queue and rule"),
            &["queue", "rule"],
        )?;
        let decision_seconds = Histogram::with_opts(
            HistogramOpts::new("mammoflow_triage_decision_seconds", "Deciding and storing one study's triage")
                .buckets(vec![0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5]),
        )?;
        let already_triaged = IntCounter::new(
            "mammoflow_triage_already_triaged_total",
            "Parsed reports for studies already on a worklist; nothing was created",
        )?;
        let leases_expired = IntCounter::new(
            "mammoflow_worklist_leases_expired_total",
            "Claimed worklist items returned to their queue when the lease ran out",
        )?;
        let arrival_to_worklist_seconds = Histogram::with_opts(
            HistogramOpts::new("mammoflow_pipeline_arrival_to_worklist_seconds", "From ingest storing a study to its worklist item")
                .buckets(vec![0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0]),
        )?;
        let open_items = IntGaugeVec::new(
            Opts::new("mammoflow_worklist_open_items", "Open worklist items per queue and status"),
            &["queue", "status"],
        )?;
        let oldest_item_age_seconds = GaugeVec::new(
            Opts::new("mammoflow_worklist_oldest_item_age_seconds", "Age of the oldest open item per queue (0 when empty)"),
            &["queue"],
        )?;
        let overdue_items = IntGaugeVec::new(
            Opts::new("mammoflow_worklist_overdue_items", "Open items past their due time per queue"),
            &["queue"],
        )?;
        registry.register(Box::new(arrival_to_worklist_seconds.clone()))?;
        registry.register(Box::new(open_items.clone()))?;
        registry.register(Box::new(oldest_item_age_seconds.clone()))?;
        registry.register(Box::new(overdue_items.clone()))?;
        registry.register(Box::new(assigned.clone()))?;
        registry.register(Box::new(decision_seconds.clone()))?;
        registry.register(Box::new(already_triaged.clone()))?;
        registry.register(Box::new(leases_expired.clone()))?;
        Ok(TriageMetrics {
            assigned,
            decision_seconds,
            already_triaged,
            leases_expired,
            arrival_to_worklist_seconds,
            open_items,
            oldest_item_age_seconds,
            overdue_items,
        })
    }

    /// Publishes the queue gauges from one read of the worklists.
    pub fn set_queue_stats(&self, stats: &[QueueStats]) {
        for q in stats {
            self.open_items.with_label_values(&[q.queue.as_str(), "pending"]).set(q.pending);
            self.open_items.with_label_values(&[q.queue.as_str(), "claimed"]).set(q.claimed);
            self.oldest_item_age_seconds.with_label_values(&[q.queue.as_str()]).set(q.oldest_age_seconds.unwrap_or(0.0));
            self.overdue_items.with_label_values(&[q.queue.as_str()]).set(q.overdue);
        }
    }
}
