//! Tansu's storage made safe for our readers: produce requests for one partition applied one at
//! a time, each to the end, and a fetch from inside a batch answered with that batch.
//!
//! Why (tansu-storage 0.6, in-memory "dynostore" engine):
//! - A fetch at an offset inside a multi-record batch (a consumer resuming from a committed
//!   offset after a rebalance, when the producer had batched several events) is answered from the
//!   *next* batch: the engine looks batches up by base offset only. The records after the
//!   committed one in that batch are never delivered. Kafka answers with the batch that holds the
//!   offset and lets the client skip the records before it; so does this wrapper, from an index of
//!   the batches it has seen produced.
//! - The engine reserves an offset (raises the high watermark) before it writes the batch. With
//!   two produce requests for one partition in flight, the later batch can land first and a fetch
//!   in that moment moves the reader past the earlier one. Produce is serialised per partition.
//! - A produce cut off between those two steps (its connection closed: the broker restarting)
//!   leaves an offset without a batch while the producer's sequence number already counts it; the
//!   retry is answered "duplicate", which librdkafka takes as delivered. Each produce runs on a
//!   task of its own, detached from the connection.
//!
//! Everything else is passed straight through.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use tansu_sans_io::create_topics_request::CreatableTopic;
use tansu_sans_io::delete_groups_response::DeletableGroupResult;
use tansu_sans_io::delete_records_request::DeleteRecordsTopic;
use tansu_sans_io::delete_records_response::DeleteRecordsTopicResult;
use tansu_sans_io::describe_cluster_response::DescribeClusterBroker;
use tansu_sans_io::describe_configs_response::DescribeConfigsResult;
use tansu_sans_io::describe_topic_partitions_response::DescribeTopicPartitionsResponseTopic;
use tansu_sans_io::incremental_alter_configs_request::AlterConfigsResource;
use tansu_sans_io::incremental_alter_configs_response::AlterConfigsResourceResponse;
use tansu_sans_io::list_groups_response::ListedGroup;
use tansu_sans_io::record::deflated;
use tansu_sans_io::txn_offset_commit_response::TxnOffsetCommitResponseTopic;
use tansu_sans_io::{ConfigResource, ErrorCode, IsolationLevel, ListOffset, ScramMechanism};
use tansu_storage::{
    BrokerRegistrationRequest, Error, GroupDetail, ListOffsetResponse, MetadataResponse,
    NamedGroupDetail, OffsetCommitRequest, OffsetStage, ProducerIdResponse, Result,
    ScramCredential, Storage, StorageContainer, TopicId, Topition, TxnAddPartitionsRequest,
    TxnAddPartitionsResponse, TxnOffsetCommitRequest, UpdateError, Version,
};
use url::Url;
use uuid::Uuid;

/// A partition's produce lock.
type PartitionLock = Arc<tokio::sync::Mutex<()>>;

/// Per partition: each stored batch's base offset → its last offset.
type BatchIndex = HashMap<Topition, BTreeMap<i64, i64>>;

/// [`StorageContainer`] with ordered, run-to-completion produce and batch-aware fetch (see the
/// module docs). Clones share the locks and the index, as they share the data.
#[derive(Debug, Clone)]
pub(crate) struct OrderedStorage {
    inner: StorageContainer,
    produce_locks: Arc<Mutex<HashMap<Topition, PartitionLock>>>,
    batches: Arc<Mutex<BatchIndex>>,
}

impl OrderedStorage {
    pub(crate) fn new(inner: StorageContainer) -> Self {
        OrderedStorage {
            inner,
            produce_locks: Arc::default(),
            batches: Arc::default(),
        }
    }

    fn produce_lock(&self, topition: &Topition) -> Result<PartitionLock> {
        let mut locks = self.produce_locks.lock()?;
        Ok(Arc::clone(locks.entry(topition.clone()).or_default()))
    }

    /// Where a fetch at `offset` must start: the base of the batch holding `offset`.
    fn fetch_start(&self, topition: &Topition, offset: i64) -> Result<i64> {
        let batches = self.batches.lock()?;
        let holding = batches
            .get(topition)
            .and_then(|index| index.range(..=offset).next_back())
            .filter(|(_, last)| **last >= offset);
        Ok(holding.map_or(offset, |(base, _)| *base))
    }
}

#[async_trait]
impl Storage for OrderedStorage {
    async fn produce(
        &self,
        transaction_id: Option<&str>,
        topition: &Topition,
        batch: deflated::Batch,
    ) -> Result<i64> {
        let lock = self.produce_lock(topition)?;
        let (inner, index) = (self.inner.clone(), Arc::clone(&self.batches));
        let transaction_id = transaction_id.map(str::to_owned);
        let topition = topition.clone();
        // Detached: the write finishes even if this request's connection is dropped meanwhile.
        tokio::spawn(async move {
            let _serialised = lock.lock().await;
            let records = i64::from(batch.last_offset_delta);
            let base = inner
                .produce(transaction_id.as_deref(), &topition, batch)
                .await?;
            index
                .lock()?
                .entry(topition)
                .or_default()
                .insert(base, base + records);
            Ok(base)
        })
        .await
        .map_err(|join| Error::Message(format!("produce task failed: {join}")))?
    }

    async fn register_broker(&self, registration: BrokerRegistrationRequest) -> Result<()> {
        self.inner.register_broker(registration).await
    }

    async fn create_topic(&self, topic: CreatableTopic, validate_only: bool) -> Result<Uuid> {
        self.inner.create_topic(topic, validate_only).await
    }

    async fn incremental_alter_resource(
        &self,
        resource: AlterConfigsResource,
    ) -> Result<AlterConfigsResourceResponse> {
        self.inner.incremental_alter_resource(resource).await
    }

    async fn delete_records(
        &self,
        topics: &[DeleteRecordsTopic],
    ) -> Result<Vec<DeleteRecordsTopicResult>> {
        self.inner.delete_records(topics).await
    }

    async fn delete_topic(&self, topic: &TopicId) -> Result<ErrorCode> {
        if let TopicId::Name(name) = topic {
            self.batches.lock()?.retain(|topition, _| topition.topic() != name);
        }
        self.inner.delete_topic(topic).await
    }

    async fn brokers(&self) -> Result<Vec<DescribeClusterBroker>> {
        self.inner.brokers().await
    }

    async fn fetch(
        &self,
        topition: &'_ Topition,
        offset: i64,
        min_bytes: u32,
        max_bytes: u32,
        isolation: IsolationLevel,
    ) -> Result<Vec<deflated::Batch>> {
        let start = self.fetch_start(topition, offset)?;
        self.inner
            .fetch(topition, start, min_bytes, max_bytes, isolation)
            .await
    }

    async fn offset_stage(&self, topition: &Topition) -> Result<OffsetStage> {
        self.inner.offset_stage(topition).await
    }

    async fn list_offsets(
        &self,
        isolation_level: IsolationLevel,
        offsets: &[(Topition, ListOffset)],
    ) -> Result<Vec<(Topition, ListOffsetResponse)>> {
        self.inner.list_offsets(isolation_level, offsets).await
    }

    async fn offset_commit(
        &self,
        group_id: &str,
        retention_time_ms: Option<Duration>,
        offsets: &[(Topition, OffsetCommitRequest)],
    ) -> Result<Vec<(Topition, ErrorCode)>> {
        self.inner
            .offset_commit(group_id, retention_time_ms, offsets)
            .await
    }

    async fn offset_fetch(
        &self,
        group_id: Option<&str>,
        topics: &[Topition],
        require_stable: Option<bool>,
    ) -> Result<BTreeMap<Topition, i64>> {
        self.inner
            .offset_fetch(group_id, topics, require_stable)
            .await
    }

    async fn committed_offset_topitions(&self, group_id: &str) -> Result<BTreeMap<Topition, i64>> {
        self.inner.committed_offset_topitions(group_id).await
    }

    async fn metadata(&self, topics: Option<&[TopicId]>) -> Result<MetadataResponse> {
        self.inner.metadata(topics).await
    }

    async fn upsert_user_scram_credential(
        &self,
        user: &str,
        mechanism: ScramMechanism,
        credential: ScramCredential,
    ) -> Result<()> {
        self.inner
            .upsert_user_scram_credential(user, mechanism, credential)
            .await
    }

    async fn delete_user_scram_credential(
        &self,
        user: &str,
        mechanism: ScramMechanism,
    ) -> Result<()> {
        self.inner.delete_user_scram_credential(user, mechanism).await
    }

    async fn user_scram_credential(
        &self,
        user: &str,
        mechanism: ScramMechanism,
    ) -> Result<Option<ScramCredential>> {
        self.inner.user_scram_credential(user, mechanism).await
    }

    async fn describe_config(
        &self,
        name: &str,
        resource: ConfigResource,
        keys: Option<&[String]>,
    ) -> Result<DescribeConfigsResult> {
        self.inner.describe_config(name, resource, keys).await
    }

    async fn list_groups(&self, states_filter: Option<&[String]>) -> Result<Vec<ListedGroup>> {
        self.inner.list_groups(states_filter).await
    }

    async fn delete_groups(
        &self,
        group_ids: Option<&[String]>,
    ) -> Result<Vec<DeletableGroupResult>> {
        self.inner.delete_groups(group_ids).await
    }

    async fn describe_groups(
        &self,
        group_ids: Option<&[String]>,
        include_authorized_operations: bool,
    ) -> Result<Vec<NamedGroupDetail>> {
        self.inner
            .describe_groups(group_ids, include_authorized_operations)
            .await
    }

    async fn describe_topic_partitions(
        &self,
        topics: Option<&[TopicId]>,
        partition_limit: i32,
        cursor: Option<Topition>,
    ) -> Result<Vec<DescribeTopicPartitionsResponseTopic>> {
        self.inner
            .describe_topic_partitions(topics, partition_limit, cursor)
            .await
    }

    async fn update_group(
        &self,
        group_id: &str,
        detail: GroupDetail,
        version: Option<Version>,
    ) -> Result<Version, UpdateError<GroupDetail>> {
        self.inner.update_group(group_id, detail, version).await
    }

    async fn init_producer(
        &self,
        transaction_id: Option<&str>,
        transaction_timeout_ms: i32,
        producer_id: Option<i64>,
        producer_epoch: Option<i16>,
    ) -> Result<ProducerIdResponse> {
        self.inner
            .init_producer(
                transaction_id,
                transaction_timeout_ms,
                producer_id,
                producer_epoch,
            )
            .await
    }

    async fn txn_add_offsets(
        &self,
        transaction_id: &str,
        producer_id: i64,
        producer_epoch: i16,
        group_id: &str,
    ) -> Result<ErrorCode> {
        self.inner
            .txn_add_offsets(transaction_id, producer_id, producer_epoch, group_id)
            .await
    }

    async fn txn_add_partitions(
        &self,
        partitions: TxnAddPartitionsRequest,
    ) -> Result<TxnAddPartitionsResponse> {
        self.inner.txn_add_partitions(partitions).await
    }

    async fn txn_offset_commit(
        &self,
        offsets: TxnOffsetCommitRequest,
    ) -> Result<Vec<TxnOffsetCommitResponseTopic>> {
        self.inner.txn_offset_commit(offsets).await
    }

    async fn txn_end(
        &self,
        transaction_id: &str,
        producer_id: i64,
        producer_epoch: i16,
        committed: bool,
    ) -> Result<ErrorCode> {
        self.inner
            .txn_end(transaction_id, producer_id, producer_epoch, committed)
            .await
    }

    async fn maintain(&self, now: SystemTime) -> Result<()> {
        self.inner.maintain(now).await
    }

    async fn cluster_id(&self) -> Result<String> {
        self.inner.cluster_id().await
    }

    async fn node(&self) -> Result<i32> {
        self.inner.node().await
    }

    async fn advertised_listener(&self) -> Result<Url> {
        self.inner.advertised_listener().await
    }

    async fn ping(&self) -> Result<()> {
        self.inner.ping().await
    }
}
