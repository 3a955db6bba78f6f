//! Consumer lag: high watermark minus the consumer's position, per assigned partition, measured
//! periodically next to the consumer loop.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaResult;
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;

use crate::BusMetrics;

/// Timeout of each broker query while measuring.
const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// Reports the lag of `consumer`'s assigned partitions every `every` until `stop` fires.
pub(crate) async fn report(
    consumer: Arc<StreamConsumer>,
    group: String,
    metrics: BusMetrics,
    every: Duration,
    stop: CancellationToken,
) {
    let mut reported: HashSet<(String, i32)> = HashSet::new();
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(every) => {}
        }
        let c = consumer.clone();
        // The watermark and committed-offset queries block on the broker.
        let lags = match tokio::task::spawn_blocking(move || measure(&c)).await {
            Ok(Ok(lags)) => lags,
            Ok(Err(e)) => {
                tracing::debug!(%group, error = %e, "measuring consumer lag failed");
                continue;
            }
            Err(_) => continue,
        };
        let mut now = HashSet::with_capacity(lags.len());
        for (topic, partition, lag) in lags {
            metrics.set_lag(&group, &topic, partition, lag);
            now.insert((topic, partition));
        }
        // Partitions revoked since the last round stop being reported rather than freezing.
        for (topic, partition) in reported.difference(&now) {
            metrics.forget_lag(&group, topic, *partition);
        }
        reported = now;
    }
    for (topic, partition) in &reported {
        metrics.forget_lag(&group, topic, *partition);
    }
}

/// `(topic, partition, lag)` of every assigned partition. A partition that delivered nothing
/// since assignment has no position yet; its committed offset (or, with none, the low
/// watermark) stands in.
fn measure(consumer: &StreamConsumer) -> KafkaResult<Vec<(String, i32, i64)>> {
    let position = consumer.position()?;
    let mut unknown = TopicPartitionList::new();
    for p in position.elements() {
        if !matches!(p.offset(), Offset::Offset(_)) {
            unknown.add_partition(p.topic(), p.partition());
        }
    }
    let committed = if unknown.count() > 0 {
        consumer.committed_offsets(unknown, QUERY_TIMEOUT)?
    } else {
        TopicPartitionList::new()
    };
    let mut lags = Vec::with_capacity(position.count());
    for p in position.elements() {
        let (low, high) = consumer.fetch_watermarks(p.topic(), p.partition(), QUERY_TIMEOUT)?;
        let at = match p.offset() {
            Offset::Offset(o) => o,
            _ => committed
                .find_partition(p.topic(), p.partition())
                .and_then(|c| match c.offset() {
                    Offset::Offset(o) => Some(o),
                    _ => None,
                })
                .unwrap_or(low),
        };
        lags.push((p.topic().to_string(), p.partition(), (high - at).max(0)));
    }
    Ok(lags)
}
