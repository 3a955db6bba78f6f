use clap::Args;
use std::path::PathBuf;

use crate::{Policy, PolicyError};

/// Triage's settings; each flag has an environment variable.
#[derive(Debug, Clone, Args)]
pub struct TriageArgs {
    /// Triage policy file (TOML); the built-in US single-reading policy when unset.
    #[arg(long = "triage-policy", env = "MAMMOFLOW_TRIAGE_POLICY")]
    pub policy: Option<PathBuf>,
    /// Consumer loops of the triage group in this process (at most the topic's partitions help).
    #[arg(long, env = "MAMMOFLOW_TRIAGE_WORKERS", default_value_t = 1)]
    pub triage_workers: usize,
    /// Seconds between sweeps that return expired worklist leases to their queues.
    #[arg(long, env = "MAMMOFLOW_LEASE_SWEEP_SECS", default_value_t = 30)]
    pub lease_sweep_secs: u64,
}

impl TriageArgs {
    /// The configured policy, parsed and validated.
    pub fn load_policy(&self) -> Result<Policy, PolicyError> {
        Policy::load(self.policy.as_deref())
    }
}
