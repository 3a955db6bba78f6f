//! The triage policy: a versioned TOML file (format documented in
//! `deploy/policies/us-single-reading.toml`), validated once on load.

use std::collections::BTreeMap;
use std::path::Path;

use mammoflow_domain::{BiRads, FindingType};
use serde::Deserialize;

use crate::validate::{validate, PolicyError};

/// The built-in default policy: US single reading, reorder-only.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../../deploy/policies/us-single-reading.toml");

/// The reading programme the policy implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// US: one read per study; the AI only orders the worklist and flags studies.
    SingleReorder,
    /// EU/UK: two independent blinded reads, arbitration when they disagree on recall.
    DoubleReading,
}

impl Mode {
    /// The code stored in `triage_policies.mode`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::SingleReorder => "single_reorder",
            Mode::DoubleReading => "double_reading",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Malignancy probability at or above which a study counts as high probability.
    pub high_malignancy_probability: f64,
    /// Parse confidence below which the output counts as low confidence.
    pub low_confidence: f64,
    /// Priority points per unit of malignancy probability, ordering studies within a queue.
    #[serde(default)]
    pub probability_priority_weight: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    #[serde(default)]
    pub title: Option<String>,
    /// Time from triage to due.
    pub sla_hours: f64,
    /// Base priority of the queue's items; higher is read sooner.
    pub priority: i32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoubleReadingSpec {
    pub arbitration_queue: String,
    /// Whether BI-RADS 3 counts as a recall when first and second reads are compared.
    pub probably_benign_is_recall: bool,
}

/// How many reads a rule asks for (double_reading mode only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reads {
    Single,
    Double,
}

/// A rule's conditions; every one given must hold. None given: the catch-all.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    pub no_report: Option<bool>,
    pub human_read_required: Option<bool>,
    pub exam_birads: Option<Vec<BiRads>>,
    pub any_side_birads: Option<Vec<BiRads>>,
    pub positive_findings: Option<Vec<FindingType>>,
    pub high_malignancy_probability: Option<bool>,
    pub low_confidence: Option<bool>,
    pub discordant: Option<bool>,
    pub no_category: Option<bool>,
}

impl Conditions {
    pub fn is_empty(&self) -> bool {
        *self == Conditions::default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    pub queue: String,
    pub reason: String,
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub priority_boost: i32,
    #[serde(default)]
    pub reads: Option<Reads>,
    #[serde(default)]
    pub when: Conditions,
}

/// The file as written, before validation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyFile {
    pub version: String,
    pub mode: Mode,
    #[serde(default)]
    pub description: String,
    pub thresholds: Thresholds,
    pub queues: BTreeMap<String, QueueSpec>,
    #[serde(default)]
    pub double_reading: Option<DoubleReadingSpec>,
    pub rules: Vec<Rule>,
}

/// A validated policy: every rule routes to a declared queue, thresholds are in range, and the
/// last rule is an unconditional catch-all, so every study gets a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub(crate) version: String,
    pub(crate) mode: Mode,
    pub(crate) description: String,
    pub(crate) thresholds: Thresholds,
    pub(crate) queues: BTreeMap<String, QueueSpec>,
    pub(crate) double_reading: Option<DoubleReadingSpec>,
    /// Conditional rules in order.
    pub(crate) rules: Vec<Rule>,
    pub(crate) catch_all: Rule,
    /// The exact text loaded, stored with the version.
    pub(crate) text: String,
}

impl Policy {
    /// Parses and validates a policy file's text.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        validate(file, text)
    }

    /// The policy at `path`, or the built-in default when `path` is None.
    pub fn load(path: Option<&Path>) -> Result<Policy, PolicyError> {
        match path {
            None => Policy::parse(DEFAULT_POLICY_TOML),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| PolicyError::Read { path: path.display().to_string(), reason: e.to_string() })?;
                Policy::parse(&text).map_err(|e| PolicyError::InFile { path: path.display().to_string(), source: Box::new(e) })
            }
        }
    }

    /// The built-in default policy.
    pub fn builtin() -> Result<Policy, PolicyError> {
        Policy::parse(DEFAULT_POLICY_TOML)
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    pub fn queues(&self) -> &BTreeMap<String, QueueSpec> {
        &self.queues
    }

    pub fn queue(&self, name: &str) -> Option<&QueueSpec> {
        self.queues.get(name)
    }

    pub fn double_reading(&self) -> Option<&DoubleReadingSpec> {
        self.double_reading.as_ref()
    }

    /// Every rule in evaluation order, the catch-all last.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().chain(std::iter::once(&self.catch_all))
    }
}
