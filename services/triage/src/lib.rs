//! The triage stage.
//!
//! Consumes `mammo.report.parsed.v1` and puts every study on a radiologist worklist according to a
//! versioned TOML policy (see `deploy/policies/`): the first rule whose conditions hold picks the
//! queue; the queue gives the due time and base priority; the malignancy probability orders studies
//! within a queue. Items store the policy, model and parser versions and the rule that fired, and
//! `mammo.triage.assigned.v1` goes out through the outbox in the same transaction.
//!
//! Clinical safety: no decision removes a read. Every study gets at least one reading item (one
//! in `single_reorder` mode, first and second in `double_reading` mode); studies without a usable
//! AI report go to `human-full-read`, and problem flags ride along whichever queue is chosen.

mod args;
mod arbitration;
mod decide;
mod facts;
mod handler;
mod metrics;
mod policy;
mod spawn;
mod validate;

pub use arbitration::{is_recall, read_category, recall_disagreement, ARBITRATION_RULE};
pub use args::TriageArgs;
pub use decide::{decide, first_match, matches, Decision};
pub use facts::Facts;
pub use handler::{TriageHandler, CONSUMER_GROUP, UNREGISTERED_MODEL_FLAG};
pub use metrics::TriageMetrics;
pub use policy::{Conditions, DoubleReadingSpec, Mode, Policy, QueueSpec, Reads, Rule, Thresholds, DEFAULT_POLICY_TOML};
pub use spawn::{spawn_lease_sweeper, spawn_triage, store_policy, TriageError};
pub use validate::PolicyError;

#[cfg(test)]
mod tests;
