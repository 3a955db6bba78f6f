use std::sync::Arc;
use std::time::Duration;

use mammoflow_runtime::Platform;
use mammoflow_store::triage_policies::{self, NewPolicy, PolicyQueue, PolicyRow, PolicyStoreError};
use mammoflow_store::{worklists, PgPool};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{Policy, PolicyError, TriageArgs, TriageHandler, TriageMetrics};

/// Audit actor of the policy activation.
const SERVICE_ACTOR: &str = "service:triage";

#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("storing the triage policy: {0}")]
    Store(#[from] PolicyStoreError),
}

/// Stores `policy` in `triage_policies` (exact text, once per version), adds the queues it names,
/// and makes it the active policy. Loading a stored version with different text is an error.
pub async fn store_policy(pool: &PgPool, policy: &Policy) -> Result<PolicyRow, PolicyStoreError> {
    let new = NewPolicy {
        version: policy.version().to_string(),
        mode: policy.mode().as_str().to_string(),
        policy_toml: policy.text().to_string(),
        queues: policy
            .queues()
            .iter()
            .map(|(name, q)| PolicyQueue {
                name: name.clone(),
                title: q.title.clone().unwrap_or_else(|| name.clone()),
                sla_seconds: q.sla_hours * 3600.0,
            })
            .collect(),
    };
    triage_policies::activate(pool, &new, SERVICE_ACTOR).await
}

/// Loads and stores the configured policy, then starts `triage_workers` consumer loops of the
/// triage group and the lease sweeper on `platform`. `metrics` are registered once per process
/// (see [`TriageMetrics::register`]), so the stage can be restarted.
pub async fn spawn_triage(
    platform: &Platform,
    args: &TriageArgs,
    metrics: &TriageMetrics,
    shutdown: &CancellationToken,
) -> Result<Vec<JoinHandle<()>>, TriageError> {
    let policy = args.load_policy()?;
    store_policy(&platform.pool, &policy).await?;
    tracing::info!(version = policy.version(), mode = policy.mode().as_str(), "triage policy active");
    let handler = TriageHandler::new(Arc::new(policy), metrics.clone());
    let mut tasks: Vec<JoinHandle<()>> = (0..args.triage_workers.max(1))
        .map(|worker| platform.spawn_consumer(&format!("triage-{worker}"), handler.clone(), shutdown.clone()))
        .collect();
    let every = Duration::from_secs(args.lease_sweep_secs.max(1));
    tasks.push(spawn_lease_sweeper(platform.pool.clone(), every, metrics.clone(), shutdown.clone()));
    Ok(tasks)
}

/// Returns expired leases to their queues and refreshes the queue gauges every `every` until
/// `shutdown`. Several processes may
/// sweep at once; the update is idempotent.
pub fn spawn_lease_sweeper(
    pool: PgPool,
    every: Duration,
    metrics: TriageMetrics,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = ticks.tick() => {}
            }
            match worklists::expire_leases(&pool).await {
                Ok(0) => {}
                Ok(n) => {
                    metrics.leases_expired.inc_by(n);
                    tracing::info!(returned = n, "expired worklist leases returned to their queues");
                }
                // The next tick retries; a database outage must not stop the sweeper.
                Err(e) => tracing::warn!(error = %e, "returning expired leases failed"),
            }
            match worklists::queue_stats(&pool).await {
                Ok(stats) => metrics.set_queue_stats(&stats),
                Err(e) => tracing::warn!(error = %e, "reading queue statistics failed"),
            }
        }
    })
}
