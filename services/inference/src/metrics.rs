use crate::run::{StudyFailure, StudyPaths, StudyResult};
use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry};
use std::time::Duration;

/// The inference stage's metrics; the consumer loop's (consumed, dead-lettered, lag) are the
/// bus's.
#[derive(Debug, Clone)]
pub struct InferenceMetrics {
    /// Studies by outcome: `generated`, `ineligible`, `unreadable_images`, `model_failure`,
    /// `already_generated`.
    pub studies: IntCounterVec,
    pub batch_size: Histogram,
    /// Model time per batch (preprocessing, encoding, decoding).
    pub batch_seconds: Histogram,
    /// Time a study waited for a batch slot.
    pub queue_seconds: Histogram,
    pub generated_tokens: IntCounter,
    /// Studies waiting, per lane.
    pub queue_depth: IntGaugeVec,
    /// 1 for each model this process serves, labelled with its identity.
    pub model_info: IntGaugeVec,
}

impl InferenceMetrics {
    /// Registers the metrics; once per registry.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let seconds = |name: &str, help: &str, buckets: Vec<f64>| {
            Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
        };
        let m = InferenceMetrics {
            studies: IntCounterVec::new(
                Opts::new("mammoflow_inference_studies_total", "Studies handled by inference, by outcome"),
                &["outcome"],
            )?,
            batch_size: Histogram::with_opts(
                HistogramOpts::new("mammoflow_inference_batch_size_studies", "Studies per model batch")
                    .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]),
            )?,
            batch_seconds: seconds(
                "mammoflow_inference_batch_duration_seconds",
                "Model time per batch",
                vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0],
            )?,
            queue_seconds: seconds(
                "mammoflow_inference_queue_wait_seconds",
                "Time a study waited for a batch slot",
                vec![0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0],
            )?,
            generated_tokens: IntCounter::new(
                "mammoflow_inference_generated_tokens_total",
                "Report tokens generated",
            )?,
            queue_depth: IntGaugeVec::new(
                Opts::new("mammoflow_inference_queue_depth_studies", "Studies waiting for the model, per lane"),
                &["lane"],
            )?,
            model_info: IntGaugeVec::new(
                Opts::new("mammoflow_inference_model_info", "The model served by this process"),
                &["name", "version", "device"],
            )?,
        };
        registry.register(Box::new(m.studies.clone()))?;
        registry.register(Box::new(m.batch_size.clone()))?;
        registry.register(Box::new(m.batch_seconds.clone()))?;
        registry.register(Box::new(m.queue_seconds.clone()))?;
        registry.register(Box::new(m.generated_tokens.clone()))?;
        registry.register(Box::new(m.queue_depth.clone()))?;
        registry.register(Box::new(m.model_info.clone()))?;
        Ok(m)
    }

    pub(crate) fn observe_batch(&self, size: usize, took: Duration, studies: &[(StudyPaths, Duration)], results: &[StudyResult]) {
        self.batch_size.observe(size as f64);
        self.batch_seconds.observe(took.as_secs_f64());
        for (_, waited) in studies {
            self.queue_seconds.observe(waited.as_secs_f64());
        }
        for result in results {
            let outcome = match result {
                Ok(study) => {
                    self.generated_tokens.inc_by(u64::from(study.generated_tokens));
                    "generated"
                }
                Err(StudyFailure::UnreadableImages(_)) => "unreadable_images",
                Err(StudyFailure::ModelFailure(_)) => "model_failure",
            };
            self.studies.with_label_values(&[outcome]).inc();
        }
    }
}
