use crate::assess::{assess_study, EventIds};
use crate::metrics::IngestMetrics;
use mammoflow_bus::{Handler, HandlerError, MessageMeta};
use mammoflow_dicom::HeaderLimits;
use mammoflow_events::{Envelope, Event, StudyArrived, StudyReady};
use mammoflow_store::studies::{insert_ingested, InsertOutcome};
use mammoflow_store::{outbox, Tx};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Kafka consumer group (and inbox scope) of the ingest stage.
pub const CONSUMER_GROUP: &str = "mammoflow-ingest";

#[derive(Debug, Clone, Default)]
pub struct IngestConfig {
    /// Only files under these folders are opened (a path elsewhere makes the study ineligible).
    pub dicom_roots: Vec<PathBuf>,
    pub header_limits: HeaderLimits,
}

#[derive(Debug, Clone)]
pub struct IngestHandler {
    config: Arc<IngestConfig>,
    metrics: IngestMetrics,
}

impl IngestHandler {
    pub fn new(config: IngestConfig, metrics: IngestMetrics) -> Self {
        IngestHandler { config: Arc::new(config), metrics }
    }
}

impl Handler for IngestHandler {
    type Event = StudyArrived;

    fn consumer_group(&self) -> &str {
        CONSUMER_GROUP
    }

    async fn handle(
        &self,
        tx: &mut Tx<'_>,
        envelope: &Envelope<StudyArrived>,
        _meta: &MessageMeta,
    ) -> Result<(), HandlerError> {
        let started = Instant::now();
        let arrived = envelope.payload.clone();
        let config = Arc::clone(&self.config);
        // Header reads are blocking file IO: keep them off the async worker threads.
        let assessment = tokio::task::spawn_blocking(move || {
            assess_study(&arrived, &config.dicom_roots, &config.header_limits)
        })
        .await
        .map_err(|e| HandlerError::transient(format!("header reading task failed: {e}")))?;
        self.metrics.assess_seconds.observe(started.elapsed().as_secs_f64());

        let ids = EventIds { event_id: envelope.event_id, correlation_id: envelope.correlation_id };
        let study = assessment.new_study(&envelope.payload, ids);
        let uid = study.study_uid.as_str();
        if insert_ingested(tx, &study, &assessment.instances).await? == InsertOutcome::AlreadyExists {
            // Another arrival event for a stored study: the first one wins and already went on.
            tracing::info!(study = uid, event = %envelope.event_id, "study already stored; nothing changed");
            self.metrics.studies.with_label_values(&["already_stored"]).inc();
            return Ok(());
        }

        let ready = Envelope::caused_by(envelope, "ingest", assessment.ready.clone());
        outbox::enqueue(tx, &StudyReady::topic(), ready.key(), ready.event_id, &ready.to_json_bytes()).await?;
        if assessment.is_eligible() {
            self.metrics.studies.with_label_values(&["eligible"]).inc();
        } else {
            self.metrics.studies.with_label_values(&["ineligible"]).inc();
            for problem in &assessment.problems {
                self.metrics.problems.with_label_values(&[problem.kind()]).inc();
            }
            tracing::warn!(study = uid, reason = study.status_reason.as_deref().unwrap_or(""),
                "study stored as ineligible; routed to a human read");
        }
        Ok(())
    }
}
