//! The consumer loop: one consumer group, one topic, records processed one at a time in
//! partition order, offsets stored only after the Postgres transaction commits.

use std::sync::Arc;
use std::time::Duration;

use mammoflow_events::{Event, EventLimits};
use mammoflow_store::PgPool;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{BorrowedMessage, Message};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::backoff::{sleep_or_cancelled, Backoff, BackoffPolicy};
use crate::deadletter::Incoming;
use crate::process::Processor;
use crate::{BusError, BusMetrics, ConsumeOutcome, Handler, KafkaConfig, MessageMeta};

/// Settings of [`run_consumer`].
#[derive(Debug, Clone)]
pub struct ConsumerOptions {
    pub kafka: KafkaConfig,
    pub pool: PgPool,
    pub limits: EventLimits,
    /// Delays between retries of a record that failed transiently.
    pub backoff: BackoffPolicy,
    /// How often librdkafka commits the stored offsets (the final commit at shutdown is
    /// synchronous regardless).
    pub commit_interval: Duration,
    /// How often the lag gauge is refreshed.
    pub lag_interval: Duration,
    /// Woken after each record whose transaction may have queued outbox rows, so the relay
    /// publishes them without waiting for its poll interval.
    pub relay_notify: Option<Arc<Notify>>,
}

impl ConsumerOptions {
    pub fn new(kafka: KafkaConfig, pool: PgPool) -> Self {
        ConsumerOptions {
            kafka,
            pool,
            limits: EventLimits::default(),
            backoff: BackoffPolicy::default(),
            commit_interval: Duration::from_secs(1),
            lag_interval: Duration::from_secs(5),
            relay_notify: None,
        }
    }
}

/// What a consumer did before it stopped.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ConsumerSummary {
    pub processed: u64,
    pub duplicates: u64,
    pub dead_lettered: u64,
}

impl ConsumerSummary {
    fn count(&mut self, outcome: ConsumeOutcome) {
        match outcome {
            ConsumeOutcome::Processed => self.processed += 1,
            ConsumeOutcome::Duplicate => self.duplicates += 1,
            ConsumeOutcome::DeadLettered => self.dead_lettered += 1,
        }
    }
}

/// Longest pause after a consumer error event. librdkafka reconnects by itself; the pause only
/// keeps a burst of error events from spinning, so it stays short to resume promptly.
const MAX_RECEIVE_PAUSE: Duration = Duration::from_secs(5);

/// Consumes `H::Event::topic()` as `handler.consumer_group()` until `shutdown` fires.
///
/// Per record: decode (failure: dead letter), then in one transaction record the event id in
/// the inbox (already there: commit and skip) and run the handler, then commit and store the
/// offset. A permanent handler error rolls back and dead-letters; a transient one (or a database
/// error) rolls back and retries the same record with capped exponential backoff, never moving
/// past it. On shutdown the record in hand is finished (unless it is waiting out a backoff), the
/// stored offsets are committed synchronously, and the consumer leaves its group.
///
/// Errors only when the consumer cannot be created or subscribed.
pub async fn run_consumer<H: Handler>(
    handler: H,
    options: ConsumerOptions,
    shutdown: CancellationToken,
    metrics: BusMetrics,
) -> Result<ConsumerSummary, BusError> {
    let group = handler.consumer_group().to_string();
    let topic = H::Event::topic();
    metrics.announce_group(&group);
    let consumer: Arc<StreamConsumer> = Arc::new(
        options
            .kafka
            .client_config(&[
                ("group.id", group.clone()),
                ("enable.auto.commit", "true".to_string()),
                (
                    "auto.commit.interval.ms",
                    options.commit_interval.as_millis().to_string(),
                ),
                // Offsets are stored by hand, after the transaction commits; auto commit only
                // sends what was stored.
                ("enable.auto.offset.store", "false".to_string()),
                ("auto.offset.reset", "earliest".to_string()),
            ])
            .create()
            .map_err(|source| BusError::Client {
                what: "consumer",
                source,
            })?,
    );
    consumer
        .subscribe(&[&topic])
        .map_err(|source| BusError::Subscribe {
            topic: topic.clone(),
            source,
        })?;
    tracing::info!(%group, %topic, "consumer started");

    // The lag reporter holds a handle on the consumer: if this loop's task is dropped (aborted,
    // panicked) the guard stops the reporter too, so no orphaned group member keeps partitions.
    let lag_stop = shutdown.child_token();
    let _lag_guard = lag_stop.clone().drop_guard();
    let lag_task = tokio::spawn(crate::lag::report(
        consumer.clone(),
        group.clone(),
        metrics.clone(),
        options.lag_interval,
        lag_stop.clone(),
    ));
    let processor = Processor {
        handler: &handler,
        group: &group,
        pool: &options.pool,
        limits: options.limits,
        metrics: &metrics,
    };
    let mut summary = ConsumerSummary::default();
    let mut receive_backoff = Backoff::new(BackoffPolicy {
        initial: options.backoff.initial,
        max: options.backoff.max.min(MAX_RECEIVE_PAUSE),
    });

    loop {
        let received = tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            received = consumer.recv() => received.map(|m| incoming(&m)),
        };
        let incoming = match received {
            Ok(incoming) => {
                receive_backoff.reset();
                incoming
            }
            Err(e) => {
                metrics.retried(&group, "broker");
                let delay = receive_backoff.next_delay();
                tracing::warn!(%group, %topic, error = %e, ?delay, "consumer error");
                if sleep_or_cancelled(delay, &shutdown).await {
                    break;
                }
                continue;
            }
        };
        let Some(outcome) = processor
            .until_done(&incoming, options.backoff, &shutdown)
            .await
        else {
            break;
        };
        summary.count(outcome);
        let meta = &incoming.meta;
        // Stores offset + 1 for the next commit. Fails when the partition was revoked meanwhile;
        // its new owner gets the record again and the inbox recognises it.
        if let Err(e) = consumer.store_offset(&meta.topic, meta.partition, meta.offset) {
            tracing::warn!(
                %group, topic = %meta.topic, partition = meta.partition, offset = meta.offset,
                error = %e, "could not store the offset",
            );
        }
        if outcome != ConsumeOutcome::Duplicate {
            if let Some(notify) = &options.relay_notify {
                notify.notify_one();
            }
        }
    }

    lag_stop.cancel();
    let _ = lag_task.await;
    close(consumer, &group).await;
    tracing::info!(%group, %topic, ?summary, "consumer stopped");
    Ok(summary)
}

/// Commits the stored offsets synchronously and leaves the group. Both block on the broker, so
/// they run on a blocking thread; the last `Arc` is dropped there too (dropping closes).
async fn close(consumer: Arc<StreamConsumer>, group: &str) {
    let committed = tokio::task::spawn_blocking(move || {
        let result = consumer.commit_consumer_state(CommitMode::Sync);
        drop(consumer);
        result
    })
    .await;
    match committed {
        Ok(Ok(())) => tracing::debug!(%group, "final offsets committed"),
        // Nothing stored since the last commit.
        Ok(Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset))) => {}
        Ok(Err(e)) => tracing::warn!(%group, error = %e, "final offset commit failed"),
        Err(e) => tracing::warn!(%group, error = %e, "final offset commit panicked"),
    }
}

fn incoming(message: &BorrowedMessage<'_>) -> Incoming {
    Incoming {
        meta: MessageMeta {
            topic: message.topic().to_string(),
            partition: message.partition(),
            offset: message.offset(),
            key: message
                .key()
                .map(|k| String::from_utf8_lossy(k).into_owned()),
            timestamp_ms: message.timestamp().to_millis(),
        },
        payload: message.payload().unwrap_or_default().to_vec(),
    }
}
