use anyhow::Context;
use clap::Args;
use mammoflow_broker::{EmbeddedBroker, EmbeddedBrokerOptions};
use mammoflow_bus::{ensure_topics, KafkaConfig};
use mammoflow_events::all_topics;
use mammoflow_telemetry::{init_logging, shutdown_on_signals, LogFormat};

#[derive(Debug, Clone, Args)]
pub struct BrokerArgs {
    /// Loopback port to listen on.
    #[arg(long, env = "MAMMOFLOW_EMBEDDED_BROKER_PORT", default_value_t = 9092)]
    pub port: u16,
    /// Partitions of each pipeline topic created at start.
    #[arg(long, env = "MAMMOFLOW_TOPIC_PARTITIONS", default_value_t = 3)]
    pub partitions: i32,
}

pub async fn run(args: BrokerArgs) -> anyhow::Result<()> {
    init_logging(LogFormat::Pretty, "info");
    let shutdown = shutdown_on_signals();
    let broker = EmbeddedBroker::start(EmbeddedBrokerOptions { port: args.port, ..Default::default() })
        .await
        .context("starting the embedded broker")?;
    let kafka = KafkaConfig::new(broker.bootstrap_servers(), "mammoflow-broker-admin");
    ensure_topics(&kafka, &all_topics(), args.partitions, 1).await.context("creating topics")?;
    println!("embedded Kafka-protocol broker (Tansu, in-memory: state is lost on exit)");
    println!("  KAFKA_BROKERS={}", broker.bootstrap_servers());
    println!("  topics: {}", all_topics().join(", "));
    shutdown.cancelled().await;
    broker.shutdown().await;
    Ok(())
}
