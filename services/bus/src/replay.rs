//! Sending a dead letter back to its topic once its cause is fixed.

use crate::{BusError, Publisher};
use mammoflow_store::{audit, dead_letters, PgPool};

/// Publishes dead letter `id` to its original topic again, as stored or as `corrected` bytes,
/// then marks it replayed and writes the audit entry. Groups that already handled the event
/// skip it by its id (inbox); the group that failed runs it again. `Ok(None)`: no such id.
pub async fn replay_dead_letter(
    pool: &PgPool,
    publisher: &Publisher,
    id: i64,
    corrected: Option<Vec<u8>>,
    actor: &str,
) -> Result<Option<String>, BusError> {
    let Some(letter) = dead_letters::get(pool, id).await? else {
        return Ok(None);
    };
    let was_corrected = corrected.is_some();
    let bytes = corrected.unwrap_or(letter.payload);
    publisher.publish_raw(&letter.topic, letter.key.as_deref().unwrap_or_default(), &bytes).await?;
    dead_letters::mark_replayed(pool, id).await?;
    let details = serde_json::json!({"topic": letter.topic, "corrected": was_corrected});
    audit::record(pool, actor, "dead_letter.replayed", &format!("dead_letter:{id}"), &details).await?;
    Ok(Some(letter.topic))
}
