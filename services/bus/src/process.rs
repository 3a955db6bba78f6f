//! What the consumer does with one record: decode, dedupe, handle, commit; or dead-letter; or
//! report a transient failure so the same record is tried again.

use std::time::Instant;

use mammoflow_events::{decode, EventLimits};
use mammoflow_store::{inbox, PgPool, StoreError};
use tokio_util::sync::CancellationToken;

use crate::backoff::{sleep_or_cancelled, Backoff, BackoffPolicy};
use crate::deadletter::{self, begin, commit, Incoming};
use crate::{BusMetrics, ConsumeOutcome, Handler, HandlerError};

/// A failure after which the same record must be tried again.
#[derive(Debug)]
pub(crate) struct Transient {
    /// `database` or `handler` (the metric label).
    pub(crate) kind: &'static str,
    pub(crate) reason: String,
}

/// Every error of the consumer's own bookkeeping (inbox, commit, dead-letter row) is retried,
/// even one the store classifies as permanent: it is not about the record (a missing migration,
/// a full disk), so dead-lettering the record would lose it for the wrong reason. Those are
/// logged as errors so someone looks.
fn database(e: StoreError) -> Transient {
    if !e.is_transient() {
        tracing::error!(error = %e, "database error in the consumer's bookkeeping; retrying");
    }
    Transient {
        kind: "database",
        reason: e.to_string(),
    }
}

pub(crate) struct Processor<'a, H> {
    pub(crate) handler: &'a H,
    pub(crate) group: &'a str,
    pub(crate) pool: &'a PgPool,
    pub(crate) limits: EventLimits,
    pub(crate) metrics: &'a BusMetrics,
}

impl<H: Handler> Processor<'_, H> {
    /// Processes `incoming` until it is done (committed, duplicate or dead-lettered), retrying
    /// transient failures with backoff. Returns `None` when shutdown interrupts a backoff: the
    /// record was not finished and its offset must not be stored.
    pub(crate) async fn until_done(
        &self,
        incoming: &Incoming,
        policy: BackoffPolicy,
        shutdown: &CancellationToken,
    ) -> Option<ConsumeOutcome> {
        let started = Instant::now();
        let mut backoff = Backoff::new(policy);
        let meta = &incoming.meta;
        loop {
            match self.once(incoming).await {
                Ok(outcome) => {
                    self.metrics.processing_time(self.group, started.elapsed());
                    self.metrics.consumed(self.group, &meta.topic, outcome);
                    return Some(outcome);
                }
                Err(failure) => {
                    self.metrics.retried(self.group, failure.kind);
                    let delay = backoff.next_delay();
                    tracing::warn!(
                        group = self.group, topic = %meta.topic, partition = meta.partition,
                        offset = meta.offset, kind = failure.kind, reason = %failure.reason,
                        attempt = backoff.attempts(), ?delay,
                        "transient failure; retrying the same record",
                    );
                    if sleep_or_cancelled(delay, shutdown).await {
                        tracing::info!(
                            group = self.group, topic = %meta.topic, partition = meta.partition,
                            offset = meta.offset,
                            "shutdown while retrying; the record stays uncommitted",
                        );
                        return None;
                    }
                }
            }
        }
    }

    /// One attempt.
    async fn once(&self, incoming: &Incoming) -> Result<ConsumeOutcome, Transient> {
        let meta = &incoming.meta;
        let envelope = match decode::<H::Event>(&incoming.payload, &self.limits) {
            Ok(envelope) => envelope,
            Err(e) => return self.dead_letter(incoming, e.kind(), &e.to_string()).await,
        };

        let mut tx = begin(self.pool).await.map_err(database)?;
        let new = inbox::record(
            &mut tx,
            self.group,
            envelope.event_id,
            &meta.topic,
            meta.partition,
            meta.offset,
        )
        .await
        .map_err(database)?;
        if !new {
            commit(tx).await.map_err(database)?;
            tracing::debug!(
                group = self.group, event_id = %envelope.event_id, topic = %meta.topic,
                offset = meta.offset, "duplicate event; already handled",
            );
            return Ok(ConsumeOutcome::Duplicate);
        }

        match self.handler.handle(&mut tx, &envelope, meta).await {
            Ok(()) => {
                commit(tx).await.map_err(database)?;
                Ok(ConsumeOutcome::Processed)
            }
            Err(HandlerError::Permanent { kind, reason }) => {
                // Dropping the transaction rolls it back: the handler's partial work and the inbox
                // row go. The event is not "handled", so replaying the dead letter after a fix
                // runs the handler again.
                drop(tx);
                self.dead_letter(incoming, kind, &reason).await
            }
            Err(HandlerError::Transient(reason)) => {
                drop(tx);
                Err(Transient {
                    kind: "handler",
                    reason,
                })
            }
        }
    }

    async fn dead_letter(
        &self,
        incoming: &Incoming,
        kind: &str,
        reason: &str,
    ) -> Result<ConsumeOutcome, Transient> {
        let meta = &incoming.meta;
        // Half the event limit leaves room for the dead-letter envelope around the original.
        let max_original = self.limits.max_event_bytes / 2;
        let id = deadletter::write(self.pool, self.group, incoming, kind, reason, max_original)
            .await
            .map_err(database)?;
        self.metrics.dead_lettered(self.group, &meta.topic, kind);
        tracing::warn!(
            group = self.group, topic = %meta.topic, partition = meta.partition,
            offset = meta.offset, key = ?meta.key, kind, reason, dead_letter_id = id,
            "record dead-lettered",
        );
        Ok(ConsumeOutcome::DeadLettered)
    }
}
