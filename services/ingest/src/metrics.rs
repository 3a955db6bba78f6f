use prometheus::{Histogram, HistogramOpts, IntCounterVec, Opts, Registry};

/// Ingest's own metrics; the consumer loop's (consumed, dead-lettered, lag) are the bus's.
#[derive(Debug, Clone)]
pub struct IngestMetrics {
    /// Studies by outcome: `eligible`, `ineligible`, `already_stored`.
    pub studies: IntCounterVec,
    /// Problems that made studies ineligible, by kind.
    pub problems: IntCounterVec,
    /// Time to resolve, read and select one study's headers.
    pub assess_seconds: Histogram,
}

impl IngestMetrics {
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let studies = IntCounterVec::new(
            Opts::new("mammoflow_ingest_studies_total", "Studies handled by ingest, by outcome"),
            &["outcome"],
        )?;
        let problems = IntCounterVec::new(
            Opts::new("mammoflow_ingest_problems_total", "Reasons studies were stored as ineligible"),
            &["problem"],
        )?;
        let assess_seconds = Histogram::with_opts(
            HistogramOpts::new("mammoflow_ingest_assess_seconds", "Header reading and view selection per study")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0]),
        )?;
        registry.register(Box::new(studies.clone()))?;
        registry.register(Box::new(problems.clone()))?;
        registry.register(Box::new(assess_seconds.clone()))?;
        Ok(IngestMetrics { studies, problems, assess_seconds })
    }
}
