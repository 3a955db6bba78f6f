//! Double reading: when do a first and a second read need a third reader? The one place the
//! recall-disagreement rule lives; `mammoflow_store::reads::submit_read` applies it through
//! [`ArbitrationRule`], implemented here by the policy.

use chrono::{DateTime, Utc};
use mammoflow_domain::{BiRads, PerBreast};
use mammoflow_store::reads::{ArbitrationRule, NewArbitration, ReadRow};

use crate::decide::sla;
use crate::policy::Policy;

/// Rule name stored on arbitration items.
pub const ARBITRATION_RULE: &str = "recall-disagreement";
/// Queue used when a single-reading policy meets a pair of reads (only after a policy switch).
const FALLBACK_QUEUE: &str = "arbitration";
const FALLBACK_SLA_HOURS: f64 = 48.0;

/// Whether a screening read with this exam category recalls the woman: 0, 4, 4A–4C and 5 always;
/// 3 when the programme says so (UK: any abnormality is a recall to assessment).
pub fn is_recall(category: BiRads, probably_benign_is_recall: bool) -> bool {
    category.is_recall() && (probably_benign_is_recall || category != BiRads::ProbablyBenign)
}

/// A read's exam category: the more severe of its two sides.
pub fn read_category(read: &ReadRow) -> Option<BiRads> {
    PerBreast { overall: None, left: read.birads_left, right: read.birads_right }.exam_category()
}

/// Why two blinded reads need arbitration, or None when they agree on recall. A read without a
/// category cannot be shown to agree, so it goes to arbitration too.
pub fn recall_disagreement(
    first: Option<BiRads>,
    second: Option<BiRads>,
    probably_benign_is_recall: bool,
) -> Option<String> {
    let describe = |b: BiRads| {
        let verdict = if is_recall(b, probably_benign_is_recall) { "recall" } else { "no recall" };
        format!("{verdict} (BI-RADS {b})")
    };
    match (first, second) {
        (Some(f), Some(s)) if is_recall(f, probably_benign_is_recall) == is_recall(s, probably_benign_is_recall) => None,
        (Some(f), Some(s)) => Some(format!("first read: {}; second read: {}", describe(f), describe(s))),
        (None, _) | (_, None) => Some("a read states no BI-RADS category; agreement on recall cannot be shown".into()),
    }
}

impl ArbitrationRule for Policy {
    fn arbitration(&self, first: &ReadRow, second: &ReadRow, now: DateTime<Utc>) -> Option<NewArbitration> {
        let (queue, three_is_recall) = match &self.double_reading {
            Some(spec) => (spec.arbitration_queue.as_str(), spec.probably_benign_is_recall),
            None => (FALLBACK_QUEUE, true),
        };
        let reason = recall_disagreement(read_category(first), read_category(second), three_is_recall)?;
        let (priority, sla_hours) = self.queue(queue).map_or((0, FALLBACK_SLA_HOURS), |q| (q.priority, q.sla_hours));
        Some(NewArbitration {
            queue: queue.to_string(),
            priority: f64::from(priority),
            due_at: now + sla(sla_hours),
            policy_version: Some(self.version.clone()),
            rule_fired: ARBITRATION_RULE.to_string(),
            reason,
            flags: vec![ARBITRATION_RULE.to_string()],
        })
    }
}
