//! Topic creation at start-up.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::RDKafkaErrorCode;

use crate::{BusError, KafkaConfig};

/// Creates each topic that does not exist yet with `partitions` partitions and the given
/// replication factor. Topics that already exist are left as they are (their partition count is
/// not changed), so every service can call this at start-up.
pub async fn ensure_topics(
    kafka: &KafkaConfig,
    topics: &[String],
    partitions: i32,
    replication: i32,
) -> Result<(), BusError> {
    if topics.is_empty() {
        return Ok(());
    }
    let admin: AdminClient<DefaultClientContext> =
        kafka
            .client_config(&[])
            .create()
            .map_err(|source| BusError::Client {
                what: "admin client",
                source,
            })?;
    let new_topics: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|t| NewTopic::new(t, partitions, TopicReplication::Fixed(replication)))
        .collect();
    let options = AdminOptions::new()
        .request_timeout(Some(Duration::from_secs(15)))
        .operation_timeout(Some(Duration::from_secs(15)));
    let results = admin
        .create_topics(&new_topics, &options)
        .await
        .map_err(BusError::Admin)?;
    for result in results {
        match result {
            Ok(topic) => tracing::info!(%topic, partitions, replication, "created topic"),
            Err((topic, RDKafkaErrorCode::TopicAlreadyExists)) => {
                tracing::debug!(%topic, "topic already exists")
            }
            Err((topic, code)) => return Err(BusError::CreateTopic { topic, code }),
        }
    }
    Ok(())
}
