//! Policy validation: everything that would make a decision impossible or ambiguous is refused on
//! load, with a message naming the rule or queue, so a bad policy never reaches a study.

use crate::policy::{Mode, Policy, PolicyFile, Reads, Rule};

/// Largest absolute base priority or boost; keeps every computed priority far inside `i32`.
const MAX_PRIORITY: i32 = 10_000;
/// Largest SLA: one year.
const MAX_SLA_HOURS: f64 = 24.0 * 366.0;

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("reading triage policy {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("triage policy {path}: {source}")]
    InFile {
        path: String,
        #[source]
        source: Box<PolicyError>,
    },
    #[error("triage policy is not valid TOML for the policy format: {0}")]
    Syntax(String),
    #[error("invalid triage policy: {0}")]
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> PolicyError {
    PolicyError::Invalid(message.into())
}

/// Queue and rule names become URL parts and metric labels: `^[a-z][a-z0-9-]*$`, as the
/// `queues.name` column requires.
fn is_slug(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && s.len() <= 64
}

fn check_fraction(name: &str, value: f64) -> Result<(), PolicyError> {
    if !(0.0..=1.0).contains(&value) {
        return Err(invalid(format!("thresholds.{name} is {value}; it must be between 0 and 1")));
    }
    Ok(())
}

pub(crate) fn validate(mut file: PolicyFile, text: &str) -> Result<Policy, PolicyError> {
    let version = file.version.trim();
    if version.is_empty() || version.len() > 64 || version.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(format!(
            "version {:?} must be 1-64 characters without spaces",
            file.version
        )));
    }
    let t = &file.thresholds;
    check_fraction("high_malignancy_probability", t.high_malignancy_probability)?;
    if t.high_malignancy_probability == 0.0 {
        return Err(invalid("thresholds.high_malignancy_probability is 0; every study would be high probability"));
    }
    check_fraction("low_confidence", t.low_confidence)?;
    if !(0.0..=1000.0).contains(&t.probability_priority_weight) {
        return Err(invalid(format!(
            "thresholds.probability_priority_weight is {}; it must be between 0 and 1000",
            t.probability_priority_weight
        )));
    }
    if file.queues.is_empty() {
        return Err(invalid("no [queues.<name>] declared"));
    }
    for (name, queue) in &file.queues {
        if !is_slug(name) {
            return Err(invalid(format!("queue name {name:?} must match ^[a-z][a-z0-9-]*$")));
        }
        if !(queue.sla_hours > 0.0 && queue.sla_hours <= MAX_SLA_HOURS) {
            return Err(invalid(format!(
                "queues.{name}.sla_hours is {}; it must be above 0 and at most {MAX_SLA_HOURS}",
                queue.sla_hours
            )));
        }
        if queue.priority.abs() > MAX_PRIORITY {
            return Err(invalid(format!("queues.{name}.priority must be within ±{MAX_PRIORITY}")));
        }
    }
    match (file.mode, &file.double_reading) {
        (Mode::DoubleReading, None) => {
            return Err(invalid("mode double_reading needs a [double_reading] section (arbitration_queue, ...)"))
        }
        (Mode::SingleReorder, Some(_)) => {
            return Err(invalid("a [double_reading] section is given but mode is single_reorder"))
        }
        (_, Some(spec)) if !file.queues.contains_key(&spec.arbitration_queue) => {
            return Err(invalid(format!(
                "double_reading.arbitration_queue {:?} is not a declared queue",
                spec.arbitration_queue
            )))
        }
        _ => {}
    }
    let mut rules = std::mem::take(&mut file.rules);
    let Some(catch_all) = rules.pop() else {
        return Err(invalid("no [[rules]]: a policy needs at least the final catch-all rule"));
    };
    if !catch_all.when.is_empty() {
        return Err(invalid(format!(
            "the last rule {:?} has conditions; the last rule must be a catch-all without [rules.when]",
            catch_all.name
        )));
    }
    let mut names = std::collections::BTreeSet::new();
    for (index, rule) in rules.iter().chain(std::iter::once(&catch_all)).enumerate() {
        check_rule(rule, &file, index == rules.len())?;
        if !names.insert(rule.name.as_str()) {
            return Err(invalid(format!("rule name {:?} is used twice", rule.name)));
        }
    }
    Ok(Policy {
        version: version.to_string(),
        mode: file.mode,
        description: file.description,
        thresholds: file.thresholds,
        queues: file.queues,
        double_reading: file.double_reading,
        rules,
        catch_all,
        text: text.to_string(),
    })
}

fn check_rule(rule: &Rule, file: &PolicyFile, is_last: bool) -> Result<(), PolicyError> {
    let name = &rule.name;
    if !is_slug(name) {
        return Err(invalid(format!("rule name {name:?} must match ^[a-z][a-z0-9-]*$")));
    }
    if !file.queues.contains_key(&rule.queue) {
        let known: Vec<&str> = file.queues.keys().map(String::as_str).collect();
        return Err(invalid(format!(
            "rule {name:?} routes to unknown queue {:?}; declared queues: {}",
            rule.queue,
            known.join(", ")
        )));
    }
    if rule.reason.trim().is_empty() {
        return Err(invalid(format!("rule {name:?} has an empty reason")));
    }
    if rule.priority_boost.abs() > MAX_PRIORITY {
        return Err(invalid(format!("rule {name:?}: priority_boost must be within ±{MAX_PRIORITY}")));
    }
    if let Some(flag) = rule.flags.iter().find(|f| !is_slug(f)) {
        return Err(invalid(format!("rule {name:?}: flag {flag:?} must match ^[a-z][a-z0-9-]*$")));
    }
    if file.mode == Mode::SingleReorder && rule.reads == Some(Reads::Double) {
        return Err(invalid(format!("rule {name:?} asks for double reads but mode is single_reorder")));
    }
    if !is_last && rule.when.is_empty() {
        return Err(invalid(format!(
            "rule {name:?} has no conditions, so the rules after it could never fire; only the last rule may be a catch-all"
        )));
    }
    let w = &rule.when;
    let empty_list = [
        ("exam_birads", w.exam_birads.as_ref().map(Vec::len)),
        ("any_side_birads", w.any_side_birads.as_ref().map(Vec::len)),
        ("positive_findings", w.positive_findings.as_ref().map(Vec::len)),
    ]
    .into_iter()
    .find(|(_, len)| *len == Some(0));
    if let Some((field, _)) = empty_list {
        return Err(invalid(format!("rule {name:?}: when.{field} is an empty list, which matches nothing")));
    }
    Ok(())
}
