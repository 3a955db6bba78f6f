//! Every change a person or machine can make through the portal, validated and permission-checked
//! once here, whether it arrives from a page form or the JSON API.

use mammoflow_domain::{BiRads, Density, Finding, FindingStatus, FindingType, Side};
use mammoflow_store::reads::{self, NewRead, SubmittedRead};
use mammoflow_store::worklists::{self, WorklistItem};
use mammoflow_store::{triage_policies, PgPool};
use mammoflow_triage::Policy;
use serde::Deserialize;

use crate::auth::{Identity, Permission};
use crate::error::{FieldError, PortalError};
use crate::state::AppState;

pub async fn claim(state: &AppState, who: &Identity, item_id: i64) -> Result<WorklistItem, PortalError> {
    who.require(Permission::Read)?;
    Ok(worklists::claim(&state.pool, item_id, &who.actor(), state.lease()).await?)
}

/// Claims the first item of `queue` this reader may take; `None` when there is none.
pub async fn claim_next(state: &AppState, who: &Identity, queue: &str) -> Result<Option<WorklistItem>, PortalError> {
    who.require(Permission::Read)?;
    Ok(worklists::claim_next(&state.pool, queue, &who.actor(), state.lease()).await?)
}

pub async fn release(state: &AppState, who: &Identity, item_id: i64) -> Result<WorklistItem, PortalError> {
    who.require(Permission::Read)?;
    Ok(worklists::release(&state.pool, item_id, &who.actor()).await?)
}

/// A read as submitted, before validation: the page form and the API both produce this.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReadInput {
    #[serde(default)]
    pub birads_right: Option<String>,
    #[serde(default)]
    pub birads_left: Option<String>,
    #[serde(default)]
    pub density: Option<String>,
    /// `side:type`, e.g. `right:mass`, `left:calcification`.
    #[serde(default)]
    pub findings: Vec<String>,
    #[serde(default)]
    pub free_text: String,
}

impl ReadInput {
    /// From a form's fields; `finding` may repeat (one checkbox per finding).
    pub fn from_form(fields: &[(String, String)]) -> ReadInput {
        let one = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        ReadInput {
            birads_right: one("birads_right"),
            birads_left: one("birads_left"),
            density: one("density"),
            findings: fields.iter().filter(|(k, _)| k == "finding").map(|(_, v)| v.clone()).collect(),
            free_text: one("free_text").unwrap_or_default(),
        }
    }
}

/// The validated form values of a read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadValues {
    pub birads_right: Option<BiRads>,
    pub birads_left: Option<BiRads>,
    pub density: Option<Density>,
    pub findings: Vec<Finding>,
    pub free_text: String,
}

/// Checks every field and reports all problems at once.
pub fn validate_read(input: &ReadInput, max_text_bytes: usize) -> Result<ReadValues, PortalError> {
    let mut problems = Vec::new();
    let mut birads = |field: &str, value: &Option<String>| match value.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => v.parse::<BiRads>().map_err(|_| problems.push(FieldError::new(field, format!("{v:?} is not a BI-RADS category (0, 1, 2, 3, 4, 4A, 4B, 4C, 5, 6)")))).ok(),
    };
    let birads_right = birads("birads_right", &input.birads_right);
    let birads_left = birads("birads_left", &input.birads_left);
    if birads_right.is_none() && birads_left.is_none() && problems.is_empty() {
        problems.push(FieldError::new("birads", "give a BI-RADS category for at least one breast"));
    }
    let density = match input.density.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => v.parse::<Density>().map_err(|_| problems.push(FieldError::new("density", format!("{v:?} is not a density category (a, b, c, d)")))).ok(),
    };
    let mut findings = Vec::new();
    for value in &input.findings {
        match parse_finding(value) {
            Some(f) => findings.push(f),
            None => problems.push(FieldError::new("findings", format!("{value:?} is not side:type (e.g. right:mass)"))),
        }
    }
    if input.free_text.len() > max_text_bytes {
        problems.push(FieldError::new("free_text", format!("{} bytes is over the limit of {max_text_bytes}", input.free_text.len())));
    }
    if !problems.is_empty() {
        return Err(PortalError::Invalid(problems));
    }
    Ok(ReadValues { birads_right, birads_left, density, findings, free_text: input.free_text.trim().to_string() })
}

fn parse_finding(value: &str) -> Option<Finding> {
    let (side, kind) = value.split_once(':')?;
    let side = match side {
        "right" => Side::Right,
        "left" => Side::Left,
        "bilateral" => Side::Bilateral,
        _ => return None,
    };
    let finding_type = FindingType::ALL.into_iter().find(|t| t.name() == kind)?;
    Some(Finding {
        finding_type,
        side: Some(side),
        status: FindingStatus::Positive,
        descriptors: Vec::new(),
        locations: Vec::new(),
        size_mm: None,
        span: None,
    })
}

/// Stores the read of the item the caller holds (free text parsed by MammoRGTool alongside),
/// completes the item and, in double reading, opens arbitration when the pair disagrees.
pub async fn submit_read(state: &AppState, who: &Identity, item_id: i64, input: &ReadInput) -> Result<SubmittedRead, PortalError> {
    who.require(Permission::Read)?;
    let values = validate_read(input, state.args.max_read_text_bytes)?;
    let item = worklists::get(&state.pool, item_id).await?.ok_or_else(|| PortalError::NotFound(format!("worklist item {item_id}")))?;
    let policy = item_policy(&state.pool, &item).await?;
    let (parsed, parser_version) = if values.free_text.is_empty() {
        (None, None)
    } else {
        let parsed = state.parser.parse(&values.free_text);
        let version = parsed.parser_version.clone();
        (Some(serde_json::to_value(&parsed).map_err(PortalError::internal)?), Some(version))
    };
    let read = NewRead {
        item_id,
        reader: who.actor(),
        birads_right: values.birads_right,
        birads_left: values.birads_left,
        density: values.density,
        findings: values.findings,
        free_text: values.free_text,
        parsed,
        parser_version,
    };
    Ok(reads::submit_read(&state.pool, &read, &policy).await?)
}

/// The policy that put the item on its worklist decides arbitration (else the active one).
async fn item_policy(pool: &PgPool, item: &WorklistItem) -> Result<Policy, PortalError> {
    let stored = match &item.policy_version {
        Some(version) => triage_policies::get(pool, version).await?,
        None => None,
    };
    let row = match stored {
        Some(row) => row,
        None => triage_policies::active(pool).await?.ok_or_else(|| PortalError::Conflict("no triage policy is active".into()))?,
    };
    Policy::parse(&row.policy_toml).map_err(|e| PortalError::internal(format!("stored policy {}: {e}", row.version)))
}

/// An operator moves an open item up or down its queue.
pub async fn reprioritise(state: &AppState, who: &Identity, item_id: i64, priority: f64, reason: &str) -> Result<WorklistItem, PortalError> {
    who.require(Permission::Operate)?;
    if !(0.0..=1000.0).contains(&priority) {
        return Err(PortalError::invalid("priority", format!("{priority} is outside 0 to 1000")));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.len() > 500 {
        return Err(PortalError::invalid("reason", "say why, in 1 to 500 characters"));
    }
    Ok(worklists::reprioritise(&state.pool, item_id, &who.actor(), priority, None, reason).await?)
}

/// An operator sends a dead-lettered event back to its topic (unchanged); returns the topic.
pub async fn replay_dead_letter(state: &AppState, who: &Identity, id: i64) -> Result<String, PortalError> {
    who.require(Permission::Operate)?;
    mammoflow_bus::replay_dead_letter(&state.pool, &state.publisher, id, None, &who.actor())
        .await
        .map_err(|e| match e {
            mammoflow_bus::BusError::Store(e) => PortalError::from(e),
            // The broker did not take it: nothing changed, the letter stays pending.
            other => PortalError::internal(other),
        })?
        .ok_or_else(|| PortalError::NotFound(format!("dead letter {id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_reports_every_bad_field_at_once() {
        let input = ReadInput {
            birads_right: Some("7".into()),
            density: Some("e".into()),
            findings: vec!["middle:mass".into()],
            free_text: "x".repeat(11),
            ..ReadInput::default()
        };
        let Err(PortalError::Invalid(fields)) = validate_read(&input, 10) else { panic!("accepted") };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["birads_right", "density", "findings", "free_text"]);
    }

    #[test]
    fn a_read_needs_one_side_and_takes_form_fields() {
        assert!(validate_read(&ReadInput::default(), 100).is_err());
        let form = [("birads_left", "4a"), ("finding", "left:mass"), ("finding", "left:calcification"), ("density", "c")]
            .map(|(k, v)| (k.to_string(), v.to_string()));
        let values = validate_read(&ReadInput::from_form(&form), 100).expect("valid");
        assert_eq!(values.birads_left, Some(BiRads::LowSuspicion));
        assert_eq!(values.birads_right, None);
        assert_eq!(values.density, Some(Density::C));
        assert_eq!(values.findings.len(), 2);
    }
}
