//! The outbox relay: publishes rows that handlers queued in their transactions.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures::future::join_all;
use mammoflow_events::peek;
use mammoflow_store::{outbox, PgPool};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::backoff::{sleep_or_cancelled, Backoff, BackoffPolicy};
use crate::{BusError, BusMetrics, Publisher};

/// `group` label of the relay's retries in `mammoflow_bus_retries_total`.
pub const RELAY_METRICS_GROUP: &str = "outbox-relay";

/// Settings of [`run_outbox_relay`].
#[derive(Debug, Clone)]
pub struct RelayOptions {
    /// Rows claimed (and published) per transaction.
    pub batch_size: i64,
    /// How often the outbox is checked when nobody rings `notify`.
    pub poll_interval: Duration,
    /// Delays between retries of a batch that failed (broker or database down).
    pub backoff: BackoffPolicy,
    /// Rung by consumers after they commit; give a clone to `ConsumerOptions::relay_notify`.
    pub notify: Arc<Notify>,
    /// How often the backlog gauges are refreshed.
    pub backlog_interval: Duration,
}

impl Default for RelayOptions {
    fn default() -> Self {
        RelayOptions {
            batch_size: 500,
            poll_interval: Duration::from_secs(1),
            backoff: BackoffPolicy::default(),
            notify: Arc::new(Notify::new()),
            backlog_interval: Duration::from_secs(5),
        }
    }
}

/// What the relay did before it stopped.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RelaySummary {
    /// Rows published and marked.
    pub published: u64,
    /// Batches that failed and were retried.
    pub failed_batches: u64,
}

/// Publishes outbox rows in id order until `shutdown` fires.
///
/// Each pass claims a batch (a transaction holding the relay's advisory lock), hands every row
/// to the producer in order, waits for the broker's confirmations, marks the confirmed rows and
/// commits. When a row fails, only the rows before it are marked: the failed row and everything
/// after it stay in the outbox and the batch is retried after a backoff, so a broker outage
/// loses nothing (rows already delivered may be published again; consumers' inboxes drop the
/// duplicates). A batch in flight when shutdown fires is finished first.
pub async fn run_outbox_relay(
    pool: PgPool,
    publisher: &Publisher,
    options: RelayOptions,
    shutdown: CancellationToken,
    metrics: BusMetrics,
) -> RelaySummary {
    let mut summary = RelaySummary::default();
    let mut backoff = Backoff::new(options.backoff);
    let mut backlog_checked: Option<Instant> = None;
    tracing::info!(batch_size = options.batch_size, "outbox relay started");
    while !shutdown.is_cancelled() {
        if backlog_checked.is_none_or(|at| at.elapsed() >= options.backlog_interval) {
            refresh_backlog(&pool, &metrics).await;
            backlog_checked = Some(Instant::now());
        }
        let pass = match relay_batch(&pool, publisher, options.batch_size, &metrics).await {
            Ok(pass) => pass,
            Err(e) => Pass {
                published: 0,
                failure: Some(e),
            },
        };
        summary.published += pass.published;
        if let Some(e) = pass.failure {
            summary.failed_batches += 1;
            let kind = if matches!(e, BusError::Store(_)) {
                "database"
            } else {
                "broker"
            };
            metrics.retried(RELAY_METRICS_GROUP, kind);
            let delay = backoff.next_delay();
            tracing::warn!(
                error = %e, kind, ?delay, attempt = backoff.attempts(), published = pass.published,
                "outbox batch failed; unpublished rows stay for the retry",
            );
            if sleep_or_cancelled(delay, &shutdown).await {
                break;
            }
            continue;
        }
        backoff.reset();
        if pass.published > 0 && pass.published as i64 >= options.batch_size {
            continue; // probably more waiting
        }
        if pass.published > 0 {
            // Drained: let the gauges show it now rather than at the next interval.
            backlog_checked = None;
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = options.notify.notified() => {}
            _ = tokio::time::sleep(options.poll_interval) => {}
        }
    }
    refresh_backlog(&pool, &metrics).await;
    tracing::info!(?summary, "outbox relay stopped");
    summary
}

/// What one pass did: rows published and marked, and the failure that cut it short.
struct Pass {
    published: u64,
    failure: Option<BusError>,
}

/// One claim-publish-mark-commit pass. Another relay holding the lock, or an empty outbox, is
/// a pass that published nothing.
async fn relay_batch(
    pool: &PgPool,
    publisher: &Publisher,
    limit: i64,
    metrics: &BusMetrics,
) -> Result<Pass, BusError> {
    let Some(mut batch) = outbox::claim_batch(pool, limit).await? else {
        return Ok(Pass {
            published: 0,
            failure: None,
        });
    };
    if batch.messages.is_empty() {
        batch.commit().await?;
        return Ok(Pass {
            published: 0,
            failure: None,
        });
    }

    // Hand rows over in id order; stop at the first refusal so nothing overtakes it.
    let mut pending = Vec::with_capacity(batch.messages.len());
    let mut enqueue_error = None;
    for row in &batch.messages {
        let header = peek(&row.payload);
        let header = header
            .as_ref()
            .map(|h| (h.event_type.as_str(), row.event_id));
        match publisher.enqueue(&row.topic, &row.key, header, &row.payload) {
            Ok(p) => pending.push((row.id, row.topic.clone(), p)),
            Err(e) => {
                enqueue_error = Some(e);
                break;
            }
        }
    }
    let results = join_all(
        pending
            .into_iter()
            .map(|(id, topic, p)| async move { (id, topic, p.delivered().await) }),
    )
    .await;

    // Mark the confirmed prefix only: a row confirmed after a failed one would otherwise be
    // marked while its predecessor is published later, out of order.
    let mut confirmed = Vec::with_capacity(results.len());
    let mut per_topic: BTreeMap<String, u64> = BTreeMap::new();
    let mut delivery_error = None;
    for (id, topic, result) in results {
        match result {
            Ok(_) if delivery_error.is_none() => {
                confirmed.push(id);
                *per_topic.entry(topic).or_default() += 1;
            }
            Ok(_) => {}
            Err(e) => {
                if delivery_error.is_none() {
                    delivery_error = Some(e);
                }
            }
        }
    }
    if !confirmed.is_empty() {
        outbox::mark_published(&mut batch, &confirmed).await?;
    }
    batch.commit().await?;
    for (topic, count) in &per_topic {
        metrics.published(topic, *count);
    }
    let failure = delivery_error.or(enqueue_error);
    if failure.is_some() {
        publisher.recover_if_fatal();
    }
    Ok(Pass {
        published: confirmed.len() as u64,
        failure,
    })
}

async fn refresh_backlog(pool: &PgPool, metrics: &BusMetrics) {
    match outbox::backlog(pool).await {
        Ok((rows, oldest)) => {
            let age = oldest
                .and_then(|t| SystemTime::now().duration_since(SystemTime::from(t)).ok())
                .unwrap_or_default();
            metrics.set_outbox_backlog(rows, age);
        }
        Err(e) => tracing::debug!(error = %e, "reading the outbox backlog failed"),
    }
}
