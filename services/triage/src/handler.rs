use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use mammoflow_bus::{Handler, HandlerError, MessageMeta};
use mammoflow_events::{Envelope, Event, ReportParsed, TriageAssigned};
use mammoflow_store::studies::{self, StudyStatus};
use mammoflow_store::worklists::{self, InsertItems, NewItems};
use mammoflow_store::{outbox, Tx};

use crate::decide::decide;
use crate::metrics::TriageMetrics;
use crate::Policy;

/// Kafka consumer group (and inbox scope) of the triage stage.
pub const CONSUMER_GROUP: &str = "mammoflow-triage";

/// Flag of items whose event named a model version the registry does not know: the item is
/// stored without a model version rather than dead-lettered, because a study must never miss
/// its read over missing provenance.
pub const UNREGISTERED_MODEL_FLAG: &str = "unregistered-model-version";

#[derive(Debug, Clone)]
pub struct TriageHandler {
    policy: Arc<Policy>,
    metrics: TriageMetrics,
}

impl TriageHandler {
    pub fn new(policy: Arc<Policy>, metrics: TriageMetrics) -> Self {
        TriageHandler { policy, metrics }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}

impl Handler for TriageHandler {
    type Event = ReportParsed;

    fn consumer_group(&self) -> &str {
        CONSUMER_GROUP
    }

    async fn handle(
        &self,
        tx: &mut Tx<'_>,
        envelope: &Envelope<ReportParsed>,
        _meta: &MessageMeta,
    ) -> Result<(), HandlerError> {
        let started = Instant::now();
        let parsed = &envelope.payload;
        let uid = parsed.study_instance_uid.as_str();
        let decision = decide(&self.policy, parsed, Utc::now());

        let model_version = parsed.model.version.as_str();
        let model_known = worklists::model_version_known(tx, model_version).await?;
        let mut flags = decision.flags.clone();
        if !model_known {
            tracing::warn!(study = uid, model_version, "report names an unregistered model version; stored without it");
            flags.push(UNREGISTERED_MODEL_FLAG.to_string());
        }
        let items = NewItems {
            study_uid: uid.to_string(),
            queue: decision.queue.clone(),
            roles: decision.read_roles.clone(),
            priority: f64::from(decision.priority),
            due_at: decision.due_at,
            policy_version: self.policy.version().to_string(),
            model_version: model_known.then(|| model_version.to_string()),
            parser_version: Some(parsed.parser_version.clone()),
            rule_fired: decision.rule.clone(),
            reason: decision.reason.clone(),
            flags,
        };
        match worklists::insert_items(tx, &items).await? {
            InsertItems::Inserted(_) => {}
            InsertItems::AlreadyTriaged => {
                // A re-delivery (or a second report) for a study on a worklist: it stays as it is.
                tracing::info!(study = uid, event = %envelope.event_id, "study already on a worklist; nothing changed");
                self.metrics.already_triaged.inc();
                return Ok(());
            }
            InsertItems::UnknownStudy => {
                return Err(HandlerError::permanent(
                    "unknown_study",
                    format!("parsed report for study {uid}, which was never stored"),
                ));
            }
        }
        let status_reason = format!("{} by rule {}", decision.queue, decision.rule);
        studies::update_status(&mut **tx, uid, StudyStatus::Triaged, Some(&status_reason)).await?;
        if let Some(age) = studies::age_seconds(&mut **tx, uid).await? {
            self.metrics.arrival_to_worklist_seconds.observe(age.max(0.0));
        }

        let assigned = TriageAssigned {
            study_instance_uid: parsed.study_instance_uid.clone(),
            site: parsed.site.clone(),
            queue: decision.queue.clone(),
            priority: decision.priority,
            due_at: decision.due_at,
            rule: decision.rule.clone(),
            policy_version: self.policy.version().to_string(),
            model_version: items.model_version.clone(),
            parser_version: items.parser_version.clone(),
        };
        let event = Envelope::caused_by(envelope, "triage", assigned);
        outbox::enqueue(tx, &TriageAssigned::topic(), event.key(), event.event_id, &event.to_json_bytes()).await?;
        self.metrics.assigned.with_label_values(&[decision.queue.as_str(), decision.rule.as_str()]).inc();
        self.metrics.decision_seconds.observe(started.elapsed().as_secs_f64());
        tracing::info!(study = uid, queue = %decision.queue, rule = %decision.rule, priority = decision.priority,
            reads = decision.read_roles.len(), "study triaged");
        Ok(())
    }
}
