use anyhow::Context;
use clap::Args;
use mammoflow_inference::{spawn_inference, InferenceArgs, InferenceMetrics};
use mammoflow_ingest::{spawn_ingest, IngestArgs, IngestMetrics};
use mammoflow_parser::{spawn_parser, ParserArgs, ParserMetrics};
use mammoflow_triage::{spawn_triage, TriageArgs, TriageMetrics};
use mammoflow_portal::{spawn_portal, PortalArgs, PortalMetrics};
use std::net::SocketAddr;
use mammoflow_runtime::{BrokerMode, Platform, PlatformArgs, Router};
use mammoflow_telemetry::shutdown_on_signals;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Args)]
pub struct UpArgs {
    #[command(flatten)]
    pub platform: PlatformArgs,
    #[command(flatten)]
    pub ingest: IngestArgs,
    #[command(flatten)]
    pub inference: InferenceArgs,
    #[command(flatten)]
    pub parser: ParserArgs,
    #[command(flatten)]
    pub triage: TriageArgs,
    #[command(flatten)]
    pub portal: PortalArgs,
}

/// Every stage that exists, plus the relay, on one platform.
pub async fn spawn_all(platform: &Platform, args: &UpArgs, shutdown: &CancellationToken) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let metrics = IngestMetrics::register(&platform.registry).context("registering ingest metrics")?;
    let mut tasks = spawn_ingest(platform, &args.ingest, &metrics, shutdown);
    let metrics = InferenceMetrics::register(&platform.registry).context("registering inference metrics")?;
    tasks.extend(spawn_inference(platform, &args.inference, &metrics, shutdown).await.context("starting inference")?);
    let metrics = ParserMetrics::register(&platform.registry).context("registering parser metrics")?;
    tasks.extend(spawn_parser(platform, &args.parser, &metrics, shutdown).context("starting the parser")?);
    let metrics = TriageMetrics::register(&platform.registry).context("registering triage metrics")?;
    tasks.extend(spawn_triage(platform, &args.triage, &metrics, shutdown).await.context("starting triage")?);
    tasks.push(platform.spawn_relay(shutdown.clone()).context("starting the outbox relay")?);
    Ok(tasks)
}

/// The portal on its own address (`--portal-addr`).
pub async fn start_portal(platform: &Platform, args: &UpArgs, shutdown: &CancellationToken) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let metrics = PortalMetrics::register(&platform.registry).context("registering portal metrics")?;
    spawn_portal(platform, &args.portal, metrics, shutdown.clone()).await.context("starting the portal")
}

pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    super::init_logs(&args.platform, "info");
    let shutdown = shutdown_on_signals();
    let platform = Platform::start(&args.platform, BrokerMode::EmbeddedIfUnset, "mammoflow-up")
        .await
        .context("starting the platform")?;
    let mut tasks = spawn_all(&platform, &args, &shutdown).await?;
    let (portal, portal_task) = start_portal(&platform, &args, &shutdown).await?;
    tasks.push(portal_task);
    let (addr, http) = platform.serve_http(args.platform.http_addr, Router::new(), shutdown.clone()).await?;
    println!("mammoflow is up");
    println!("  portal:   http://{portal}/   (accounts: mammoflow users add)");
    println!("  kafka:    {}", platform.bootstrap_servers());
    println!("  metrics:  http://{addr}/metrics   health: http://{addr}/healthz");
    println!("  stop with ctrl-c");
    for task in tasks {
        task.await.context("a stage panicked")?;
    }
    http.await.context("HTTP task panicked")??;
    Ok(())
}
