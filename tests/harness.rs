//! Shared set-up of the end-to-end tests: a real embedded broker, a fresh real Postgres
//! database, simulated studies on disk, and helpers to run stages and read topics.
#![allow(clippy::unwrap_used)]

use mammoflow_broker::{EmbeddedBroker, EmbeddedBrokerOptions};
use mammoflow_dicom::{simulate, SimulationOptions, WrittenStudy};
use mammoflow_events::{decode, Envelope, Event, EventLimits};
use mammoflow_inference::{spawn_inference, InferenceArgs, InferenceMetrics};
use mammoflow_ingest::{spawn_ingest, IngestArgs, IngestMetrics};
use mammoflow_parser::{spawn_parser, ParserArgs, ParserMetrics};
use mammoflow_triage::{spawn_triage, TriageArgs, TriageMetrics};
use mammoflow_portal::{spawn_portal, PortalArgs, PortalMetrics};
use mammoflow_runtime::{BrokerMode, Platform, PlatformArgs};
use mammoflow_store::local::{fresh_database, test_server_url, TestDatabase};
use mammoflow_store::{ai_reports, dead_letters, outbox, parsed_reports, studies, worklists};
use rdkafka::consumer::{BaseConsumer, Consumer, StreamConsumer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[allow(missing_debug_implementations)]
pub struct Harness {
    pub broker: EmbeddedBroker,
    pub db: TestDatabase,
    pub platform: Platform,
    pub studies_dir: tempfile::TempDir,
    pub ingest_args: IngestArgs,
    pub ingest_metrics: IngestMetrics,
    pub inference_args: InferenceArgs,
    pub inference_metrics: InferenceMetrics,
    pub parser_args: ParserArgs,
    pub parser_metrics: ParserMetrics,
    pub triage_args: TriageArgs,
    pub triage_metrics: TriageMetrics,
}

impl Harness {
    pub async fn start(name: &str) -> Harness {
        // Logs of every stage when RUST_LOG asks for them (`RUST_LOG=info cargo test ... --nocapture`).
        let _ = tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_test_writer().try_init();
        let broker = EmbeddedBroker::start(EmbeddedBrokerOptions::default()).await.unwrap();
        let server = test_server_url().await.unwrap();
        let db = fresh_database(&server, name).await.unwrap();
        let studies_dir = tempfile::tempdir().unwrap();
        let args = PlatformArgs {
            kafka_brokers: Some(broker.bootstrap_servers()),
            embedded_broker_port: 0,
            database_url: Some(db.url().to_string()),
            data_dir: studies_dir.path().join(".mammoflow"),
            // Every stage of the pipeline test holds a connection while it handles an event.
            db_max_connections: 16,
            http_addr: "127.0.0.1:0".parse().unwrap(),
            topic_partitions: 3,
            topic_replication: 1,
            max_event_bytes: 64 * 1024,
            dicom_roots: vec![studies_dir.path().canonicalize().unwrap()],
            log_json: false,
        };
        let platform = Platform::start(&args, BrokerMode::ExternalOnly, name).await.unwrap();
        let ingest_args = IngestArgs {
            max_dicom_bytes: 64 << 20,
            max_header_bytes: 1 << 20,
            ingest_workers: 2,
        };
        let ingest_metrics = IngestMetrics::register(&platform.registry).unwrap();
        // The shipped demo checkpoint on the CPU, batching up to the three partitions' consumers.
        let inference_args = InferenceArgs {
            model_dir: None,
            model_version: None,
            device: "cpu".into(),
            inference_workers: 1,
            inference_consumers: 3,
            max_batch: 3,
            max_batch_wait_ms: 50,
            max_queued: 16,
            max_new_tokens: 256,
            champion: true,
        };
        let inference_metrics = InferenceMetrics::register(&platform.registry).unwrap();
        let parser_args = ParserArgs {
            max_report_bytes: 64 * 1024,
            min_parse_confidence: mammoflow_parser::DEFAULT_MIN_CONFIDENCE,
            parser_workers: 2,
        };
        let parser_metrics = ParserMetrics::register(&platform.registry).unwrap();
        // The built-in US single-reading policy.
        let triage_args = TriageArgs { policy: None, triage_workers: 1, lease_sweep_secs: 1 };
        let triage_metrics = TriageMetrics::register(&platform.registry).unwrap();
        Harness {
            broker,
            db,
            platform,
            studies_dir,
            ingest_args,
            ingest_metrics,
            inference_args,
            inference_metrics,
            parser_args,
            parser_metrics,
            triage_args,
            triage_metrics,
        }
    }

    /// Writes `count` small simulated studies starting at `first_index`.
    pub fn simulate(&self, first_index: u64, count: usize) -> Vec<WrittenStudy> {
        let options = SimulationOptions {
            studies: count,
            first_index,
            seed: 7,
            rows: 96,
            cols: 80,
            ..SimulationOptions::default()
        };
        simulate(&options, self.studies_dir.path()).unwrap()
    }

    /// Waits until every study has a worklist item; on timeout, fails naming where each stands.
    pub async fn wait_on_worklists(&self, studies: &[&WrittenStudy], timeout: Duration) {
        let pool = self.db.pool();
        let deadline = Instant::now() + timeout;
        loop {
            let mut on_list = 0;
            for study in studies {
                on_list += usize::from(!worklists::for_study(pool, study.study_instance_uid.as_str()).await.unwrap().is_empty());
            }
            if on_list == studies.len() {
                return;
            }
            if Instant::now() > deadline {
                panic!("timed out: {on_list} of {} studies on a worklist\n{}", studies.len(), self.pipeline_state(studies).await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Where each study stands, the outbox, the dead letters and the consumers' counters and lag:
    /// for a failure message.
    pub async fn pipeline_state(&self, studies: &[&WrittenStudy]) -> String {
        let pool = self.db.pool();
        let mut out = String::new();
        for study in studies {
            let uid = study.study_instance_uid.as_str();
            let status = studies::get(pool, uid).await.unwrap().map(|s| format!("{} {:?}", s.status, s.status_reason));
            let reports = ai_reports::for_study(pool, uid).await.unwrap().len();
            let parsed = parsed_reports::for_study(pool, uid).await.unwrap().len();
            out.push_str(&format!("  {uid}: study {status:?}, ai reports {reports}, parsed {parsed}\n"));
        }
        // What each topic holds, record by record, and where the group reading it has committed:
        // tells a record the broker never kept from one the consumer went past.
        for (topic, group) in [
            ("mammo.study.arrived.v1", "mammoflow-ingest"),
            ("mammo.study.ready.v1", "mammoflow-inference"),
            ("mammo.report.generated.v1", "mammoflow-parser"),
            ("mammo.report.parsed.v1", "mammoflow-triage"),
        ] {
            out.push_str(&topic_state(&self.broker.bootstrap_servers(), topic, group).await);
        }
        let backlog = outbox::backlog(pool).await.unwrap().0;
        let dead = dead_letters::count(pool).await.unwrap().0;
        out.push_str(&format!("  outbox backlog {backlog}, dead letters {dead}\n"));
        for family in self.platform.registry.gather() {
            if !matches!(family.name(), "mammoflow_bus_events_consumed_total" | "mammoflow_bus_consumer_lag_messages" | "mammoflow_bus_retries_total") {
                continue;
            }
            for m in family.get_metric() {
                let labels: Vec<&str> = m.get_label().iter().map(|l| l.value()).collect();
                let value = match family.get_field_type() {
                    prometheus::proto::MetricType::COUNTER => m.get_counter().get_value(),
                    _ => m.get_gauge().get_value(),
                };
                out.push_str(&format!("  {} {labels:?} = {value}\n", family.name()));
            }
        }
        out
    }

    pub fn root(&self) -> PathBuf {
        self.studies_dir.path().canonicalize().unwrap()
    }

    /// Starts the ingest stage and a relay; stop them with the returned token (graceful) or by
    /// aborting the handles (a crash).
    pub fn start_ingest(&self) -> (CancellationToken, Vec<JoinHandle<()>>) {
        let shutdown = CancellationToken::new();
        let mut tasks = spawn_ingest(&self.platform, &self.ingest_args, &self.ingest_metrics, &shutdown);
        tasks.push(self.platform.spawn_relay(shutdown.clone()).unwrap());
        (shutdown, tasks)
    }

    /// Starts the parser and triage stages under `shutdown`.
    pub async fn start_parser_and_triage(&self, shutdown: &CancellationToken) -> Vec<JoinHandle<()>> {
        let mut tasks = spawn_parser(&self.platform, &self.parser_args, &self.parser_metrics, shutdown).unwrap();
        tasks.extend(spawn_triage(&self.platform, &self.triage_args, &self.triage_metrics, shutdown).await.unwrap());
        tasks
    }

    /// Starts the inference stage (demo checkpoint) under `shutdown`.
    pub async fn start_inference(&self, shutdown: &CancellationToken) -> Vec<JoinHandle<()>> {
        spawn_inference(&self.platform, &self.inference_args, &self.inference_metrics, shutdown).await.unwrap()
    }
}

/// A pipeline run to completion plus the portal serving its database: for the portal's tests.
#[allow(missing_debug_implementations)]
pub struct PortalRun {
    pub harness: Harness,
    pub studies: Vec<WrittenStudy>,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub shutdown: CancellationToken,
    pub ingest_shutdown: CancellationToken,
    pub tasks: Vec<JoinHandle<()>>,
}

impl PortalRun {
    /// Simulates `count` studies, runs them through every stage (with `policy`, a file under
    /// deploy/policies, or the built-in US policy), waits until all are on worklists, and starts
    /// the portal on a free port.
    pub async fn start(name: &str, count: usize, policy: Option<&str>) -> PortalRun {
        let mut harness = Harness::start(name).await;
        harness.triage_args.policy = policy.map(|p| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/policies").join(p));
        let studies = harness.simulate(0, count);
        let shutdown = CancellationToken::new();
        let (ingest_shutdown, mut tasks) = harness.start_ingest();
        tasks.extend(harness.start_inference(&shutdown).await);
        tasks.extend(harness.start_parser_and_triage(&shutdown).await);
        let publisher = mammoflow_bus::Publisher::new(&harness.platform.kafka, &Default::default()).unwrap();
        for study in &studies {
            publisher.publish(&Envelope::new("portal-test", mammoflow_ingest::arrival_for(study))).await.unwrap();
        }
        harness.wait_on_worklists(&studies.iter().collect::<Vec<_>>(), Duration::from_secs(300)).await;
        let args = PortalArgs { addr: "127.0.0.1:0".parse().unwrap(), ..PortalArgs::default() };
        let metrics = PortalMetrics::register(&harness.platform.registry).unwrap();
        let (addr, portal) = spawn_portal(&harness.platform, &args, metrics, shutdown.clone()).await.unwrap();
        tasks.push(portal);
        PortalRun { harness, studies, base: format!("http://{addr}"), shutdown, ingest_shutdown, tasks }
    }

    /// Creates an account with `role` and returns its password.
    pub async fn account(&self, username: &str, role: &str) -> String {
        let password = format!("{username}-password-1234");
        mammoflow_portal::accounts::create_user(self.harness.db.pool(), "service:test", username, username, role, &password).await.unwrap();
        password
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.ingest_shutdown.cancel();
        for task in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
        }
    }
}

/// Polls `check` until it returns true or `timeout` passes.
pub async fn wait_until<F, Fut>(timeout: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads every event of `E`'s topic from the beginning until `expected` have arrived (or the
/// timeout). Every partition is assigned explicitly: no consumer-group join or rebalance stands
/// between the test and the events (the pipeline's own consumers use groups).
/// `topic`'s records as `partition:offset key` and `group`'s committed offsets, for diagnostics.
async fn topic_state(bootstrap: &str, topic: &str, group: &str) -> String {
    let (bootstrap, topic, group) = (bootstrap.to_string(), topic.to_string(), group.to_string());
    tokio::task::spawn_blocking(move || {
        let reader: BaseConsumer = ClientConfig::new().set("bootstrap.servers", &bootstrap).set("group.id", &group).set("enable.auto.commit", "false").create().unwrap();
        let mut partitions = TopicPartitionList::new();
        let mut held = 0;
        for p in 0..3 {
            if let Ok((_, high)) = reader.fetch_watermarks(&topic, p, Duration::from_secs(5)) {
                held += high;
                partitions.add_partition_offset(&topic, p, Offset::Beginning).unwrap();
            }
        }
        let committed = reader.committed_offsets(partitions.clone(), Duration::from_secs(5)).map(|c| {
            c.elements().iter().map(|e| format!("{}:{:?}", e.partition(), e.offset())).collect::<Vec<_>>().join(" ")
        });
        reader.assign(&partitions).unwrap();
        let mut records = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        while (records.len() as i64) < held && Instant::now() < deadline {
            if let Some(Ok(m)) = reader.poll(Duration::from_millis(200)) {
                records.push(format!("{}:{} {}", m.partition(), m.offset(), String::from_utf8_lossy(m.key().unwrap_or_default())));
            }
        }
        records.sort();
        format!("  {topic}: high watermarks sum to {held}; {group} committed {committed:?}\n    {}\n", records.join("\n    "))
    })
    .await
    .unwrap()
}

/// Reads `topic` from the beginning of every partition until `expected` distinct events (by event
/// id) have arrived or `timeout` passes.
pub async fn read_topic<E: Event>(bootstrap: &str, expected: usize, timeout: Duration) -> Vec<Envelope<E>> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("e2e-reader-{}", uuid::Uuid::now_v7()))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let topic = E::topic();
    let metadata = consumer.fetch_metadata(Some(&topic), Duration::from_secs(10)).unwrap();
    let mut partitions = TopicPartitionList::new();
    for p in metadata.topics().iter().filter(|t| t.name() == topic).flat_map(|t| t.partitions()) {
        partitions.add_partition_offset(&topic, p.id(), Offset::Beginning).unwrap();
    }
    assert!(partitions.count() > 0, "topic {topic} has no partitions");
    consumer.assign(&partitions).unwrap();
    let mut events: Vec<Envelope<E>> = Vec::new();
    let deadline = Instant::now() + timeout;
    while events.len() < expected && Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        if let Ok(Ok(message)) = tokio::time::timeout(left, consumer.recv()).await {
            let bytes = message.payload().unwrap_or_default();
            let event = decode::<E>(bytes, &EventLimits::default()).unwrap();
            // Delivery is at least once: a producer retried after a crash writes an event twice.
            if events.iter().all(|seen| seen.event_id != event.event_id) {
                events.push(event);
            }
        }
    }
    events
}
