use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, Opts, Registry};

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
        registry.register(Box::new(assigned.clone()))?;
        registry.register(Box::new(decision_seconds.clone()))?;
        registry.register(Box::new(already_triaged.clone()))?;
        registry.register(Box::new(leases_expired.clone()))?;
        Ok(TriageMetrics { assigned, decision_seconds, already_triaged, leases_expired })
    }
}
