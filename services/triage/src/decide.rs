//! The triage decision: a pure function of the policy, the parsed report and the time.

use chrono::{DateTime, Duration, Utc};
use mammoflow_events::ReportParsed;
use mammoflow_store::worklists::ReadRole;

use crate::facts::Facts;
use crate::policy::{Conditions, Mode, Policy, Reads, Rule};

/// Where a study goes and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub queue: String,
    /// Higher is read sooner: the queue's base priority, the rule's boost and the weighted
    /// malignancy probability.
    pub priority: i32,
    pub due_at: DateTime<Utc>,
    /// The rule that fired.
    pub rule: String,
    pub reason: String,
    /// The rule's flags and the problem flags of the report, sorted, without duplicates.
    pub flags: Vec<String>,
    /// The worklist items to create: never empty, so no study goes unread.
    pub read_roles: Vec<ReadRole>,
}

/// Whether every condition the rule states holds.
pub fn matches(when: &Conditions, facts: &Facts) -> bool {
    let flag = |wanted: Option<bool>, actual: bool| wanted.is_none_or(|w| w == actual);
    flag(when.no_report, facts.no_report)
        && flag(when.human_read_required, facts.human_read_required)
        && flag(when.high_malignancy_probability, facts.high_malignancy_probability)
        && flag(when.low_confidence, facts.low_confidence)
        && flag(when.discordant, facts.discordant)
        && flag(when.no_category, facts.no_category)
        && when.exam_birads.as_ref().is_none_or(|l| facts.exam_birads.is_some_and(|c| l.contains(&c)))
        && when.any_side_birads.as_ref().is_none_or(|l| {
            [facts.right_birads, facts.left_birads].into_iter().flatten().any(|c| l.contains(&c))
        })
        && when.positive_findings.as_ref().is_none_or(|l| l.iter().any(|t| facts.positive_findings.contains(t)))
}

/// The first rule whose conditions hold (the catch-all when none does).
pub fn first_match<'p>(policy: &'p Policy, facts: &Facts) -> &'p Rule {
    policy.rules.iter().find(|rule| matches(&rule.when, facts)).unwrap_or(&policy.catch_all)
}

/// Decides queue, priority, due time, flags and reads for one parsed report.
pub fn decide(policy: &Policy, parsed: &ReportParsed, now: DateTime<Utc>) -> Decision {
    let facts = Facts::of(parsed, &policy.thresholds);
    let rule = first_match(policy, &facts);
    // Validation guarantees the queue exists; the fallback only keeps this function total.
    let (base, sla_hours) = policy.queue(&rule.queue).map_or((0, 24.0), |q| (q.priority, q.sla_hours));
    let probability_points =
        (facts.malignancy_probability.unwrap_or(0.0) * policy.thresholds.probability_priority_weight).round();
    // Bounded by validation (|base|, |boost| <= 10 000, weight <= 1000), so the cast is exact.
    let priority = base + rule.priority_boost + probability_points as i32;
    let mut flags: Vec<String> = rule.flags.iter().cloned().chain(facts.flags().into_iter().map(String::from)).collect();
    flags.sort();
    flags.dedup();
    let read_roles = match (policy.mode, rule.reads) {
        (Mode::DoubleReading, None | Some(Reads::Double)) => vec![ReadRole::First, ReadRole::Second],
        (Mode::SingleReorder, _) | (Mode::DoubleReading, Some(Reads::Single)) => vec![ReadRole::Single],
    };
    Decision {
        queue: rule.queue.clone(),
        priority,
        due_at: now + sla(sla_hours),
        rule: rule.name.clone(),
        reason: format!("{} ({})", rule.reason, facts.summary()),
        flags,
        read_roles,
    }
}

/// An SLA in hours as a duration (whole seconds; validated to at most a year).
pub(crate) fn sla(hours: f64) -> Duration {
    Duration::seconds((hours * 3600.0).round() as i64)
}
