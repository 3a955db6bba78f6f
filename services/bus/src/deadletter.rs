//! Dead-lettering a record: a `dead_letters` row with the raw bytes and a
//! `mammo.dead-letter.v1` event in the outbox, in one transaction.

use mammoflow_events::{peek, DeadLetter, Envelope, DEAD_LETTER_TOPIC};
use mammoflow_store::{dead_letters, outbox, PgPool, StoreError, Tx};

use crate::MessageMeta;

/// A record taken off the consumer, detached from librdkafka's buffer.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    pub(crate) meta: MessageMeta,
    pub(crate) payload: Vec<u8>,
}

/// Opens a transaction on the pool, with the error in the store's terms (transient or not).
pub(crate) async fn begin(pool: &PgPool) -> Result<Tx<'static>, StoreError> {
    pool.begin().await.map_err(|source| StoreError::Query {
        op: "bus: begin",
        subject: None,
        source,
    })
}

pub(crate) async fn commit(tx: Tx<'_>) -> Result<(), StoreError> {
    tx.commit().await.map_err(|source| StoreError::Query {
        op: "bus: commit",
        subject: None,
        source,
    })
}

/// Stores `incoming` as a dead letter of `group` and queues the dead-letter event.
///
/// The table keeps the bytes exactly; the event carries them as lossy UTF-8, cut to
/// `max_original_bytes` so the dead-letter event itself stays within the event size limit (an
/// oversized record is exactly what lands here). A record dead-lettered again after a crash
/// updates the existing row (`seen_count`) and queues one more event.
pub(crate) async fn write(
    pool: &PgPool,
    group: &str,
    incoming: &Incoming,
    error_kind: &str,
    reason: &str,
    max_original_bytes: usize,
) -> Result<i64, StoreError> {
    let meta = &incoming.meta;
    let header = peek(&incoming.payload);
    let event_id = header.as_ref().map(|h| h.event_id);
    let letter = DeadLetter {
        consumer_group: group.to_string(),
        topic: meta.topic.clone(),
        partition: meta.partition,
        offset: meta.offset,
        key: meta.key.clone(),
        original_event_id: event_id,
        error_kind: error_kind.to_string(),
        reason: reason.to_string(),
        original: truncated_text(&incoming.payload, max_original_bytes),
    };
    let mut event = Envelope::new(group, letter);
    if let Some(h) = &header {
        // Keep the original's correlation so a study's trail includes its dead letters.
        event.correlation_id = h.correlation_id;
    }

    let mut tx = begin(pool).await?;
    let id = dead_letters::insert(
        &mut *tx,
        &dead_letters::NewDeadLetter {
            consumer_group: group,
            topic: &meta.topic,
            partition: meta.partition,
            offset: meta.offset,
            key: meta.key.as_deref(),
            event_id,
            event_type: header.as_ref().map(|h| h.event_type.as_str()),
            payload: &incoming.payload,
            reason,
            error_kind,
        },
    )
    .await?;
    outbox::enqueue(
        &mut tx,
        DEAD_LETTER_TOPIC,
        event.key(),
        event.event_id,
        &event.to_json_bytes(),
    )
    .await?;
    commit(tx).await?;
    Ok(id)
}

/// Lossy UTF-8 of `bytes`, cut at a character boundary to at most `max` bytes.
fn truncated_text(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= max {
        return text.into_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::truncated_text;

    #[test]
    fn truncates_on_char_boundaries_and_replaces_invalid_bytes() {
        assert_eq!(truncated_text(b"hello", 10), "hello");
        assert_eq!(truncated_text(b"hello", 3), "hel");
        // "é" is two bytes; cutting inside it backs off to the boundary.
        assert_eq!(truncated_text("aé".as_bytes(), 2), "a");
        assert_eq!(truncated_text(&[0xff, b'a'], 10), "\u{fffd}a");
    }
}
