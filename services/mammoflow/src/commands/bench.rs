//! `mammoflow bench ingest`: ingest throughput on the embedded broker and local Postgres, next
//! to peers measured in the same run on the same machine: the broker's own produce rate for the
//! same events, and pgbench's TPS on the same Postgres server.

use super::simulate::write_studies;
use super::up::UpArgs;
use anyhow::Context;
use clap::{Args, Subcommand};
use mammoflow_bus::{Publisher, PublisherOptions};
use mammoflow_dicom::SimulationOptions;
use mammoflow_events::Envelope;
use mammoflow_ingest::{arrival_for, spawn_ingest, IngestMetrics};
use mammoflow_runtime::{BrokerMode, Platform};
use mammoflow_store::outbox;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub which: Bench,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Bench {
    /// Ingest studies/s vs the broker's produce rate and pgbench TPS.
    Ingest(IngestBenchArgs),
    /// DICOM-to-tensor preprocessing vs pydicom + numpy; model latency and throughput per batch.
    Model(super::bench_model::ModelBenchArgs),
}

#[derive(Debug, Clone, Args)]
pub struct IngestBenchArgs {
    #[command(flatten)]
    pub up: UpArgs,
    /// Distinct studies to ingest.
    #[arg(long, default_value_t = 2000)]
    pub studies: usize,
    /// Image size of the simulated studies (ingest reads headers only).
    #[arg(long, default_value = "96x80")]
    pub size: String,
    /// pgbench duration in seconds.
    #[arg(long, default_value_t = 10)]
    pub pgbench_secs: u32,
    /// Where to write the JSON result.
    #[arg(long, default_value = "target/bench/ingest.json")]
    pub json_out: PathBuf,
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    match args.which {
        Bench::Ingest(args) => ingest(args).await,
        Bench::Model(args) => tokio::task::spawn_blocking(move || super::bench_model::run(args)).await?,
    }
}

async fn ingest(mut args: IngestBenchArgs) -> anyhow::Result<()> {
    super::init_logs(&args.up.platform, "warn");
    let (_server, db) = super::scratch_database(&args.up.platform, "bench").await?;
    args.up.platform.database_url = Some(db.url().to_string());
    let (rows, cols) = super::simulate::parse_size(&args.size)?;
    let out = args.up.platform.data_dir.join("bench").join(db.name());
    let options = SimulationOptions { studies: args.studies, seed: 42, rows, cols, ..SimulationOptions::default() };
    eprintln!("simulating {} studies ({rows}x{cols})", args.studies);
    let written = write_studies(options, &out).await?;
    args.up.platform.dicom_roots.push(std::fs::canonicalize(&out)?);

    let platform = Platform::start(&args.up.platform, BrokerMode::EmbeddedIfUnset, "mammoflow-bench").await?;
    let publisher = Publisher::new(&platform.kafka, &PublisherOptions::default())?;

    // Peer 1: the broker's own rate for the same events, all in flight at once so the producer
    // batches them (acks=all, idempotent): the event path's ceiling on this machine.
    let envelopes: Vec<_> = written.iter().map(|s| Envelope::new("bench", arrival_for(s))).collect();
    let started = Instant::now();
    let sends = envelopes.iter().map(|e| publisher.publish(e));
    for delivered in futures::future::join_all(sends).await {
        delivered.context("publishing arrivals")?;
    }
    let produce_secs = started.elapsed().as_secs_f64();

    // Ingest: consumers start with the topic full; done when every study is stored and every
    // study.ready event has left the outbox.
    let shutdown = CancellationToken::new();
    let started = Instant::now();
    let metrics = IngestMetrics::register(&platform.registry)?;
    let mut tasks = spawn_ingest(&platform, &args.up.ingest, &metrics, &shutdown);
    tasks.push(platform.spawn_relay(shutdown.clone())?);
    let expected = written.len() as i64;
    loop {
        let stored: i64 = mammoflow_store::studies::count_by_status(&platform.pool).await?.iter().map(|(_, n)| n).sum();
        let (backlog, _) = outbox::backlog(&platform.pool).await?;
        if stored >= expected && backlog == 0 {
            break;
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(600), "ingest did not finish in 600 s ({stored}/{expected})");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ingest_secs = started.elapsed().as_secs_f64();
    shutdown.cancel();
    for task in tasks {
        task.await?;
    }

    // Peer 2: pgbench (TPC-B-like) on the same server, in a database of its own.
    let pgbench_tps = pgbench(db.url(), args.pgbench_secs).await;

    let ingest_rate = expected as f64 / ingest_secs;
    let produce_rate = expected as f64 / produce_secs;
    let result = json!({
        "studies": expected,
        "ingest_studies_per_s": ingest_rate,
        "broker_produce_events_per_s": produce_rate,
        "pgbench_tps": pgbench_tps.as_ref().ok(),
        "ingest_vs_broker_produce": ingest_rate / produce_rate,
        "ingest_vs_pgbench": pgbench_tps.as_ref().ok().map(|tps| ingest_rate / tps),
        "ingest_workers": args.up.ingest.ingest_workers,
        "partitions": args.up.platform.topic_partitions,
        "target_studies_per_s": 500,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
    });
    println!("ingest benchmark ({expected} studies, {} workers, {} partitions)", args.up.ingest.ingest_workers, args.up.platform.topic_partitions);
    println!("  ingest (headers + Postgres + outbox + relay): {ingest_rate:>9.0} studies/s");
    println!("  broker produce of the same events:            {produce_rate:>9.0} events/s   ingest/broker = {:.2}", ingest_rate / produce_rate);
    match &pgbench_tps {
        Ok(tps) => println!("  pgbench (TPC-B, same server):                {tps:>9.0} TPS        ingest/pgbench = {:.2}", ingest_rate / tps),
        Err(e) => println!("  pgbench: not measured ({e:#})"),
    }
    println!("  target: 500 studies/s -> {}", if ingest_rate >= 500.0 { "met" } else { "NOT met" });
    if let Some(dir) = args.json_out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.json_out, serde_json::to_string_pretty(&result)?)?;
    println!("  written to {}", args.json_out.display());
    let _ = std::fs::remove_dir_all(&out);
    db.drop_database().await?;
    Ok(())
}

async fn pgbench(database_url: &str, secs: u32) -> anyhow::Result<f64> {
    let url = database_url.to_string();
    tokio::task::spawn_blocking(move || -> anyhow::Result<f64> {
        let init = Command::new("pgbench").args(["-i", "-q", "-s", "1", &url]).output().context("running pgbench -i (install postgresql-contrib)")?;
        anyhow::ensure!(init.status.success(), "pgbench -i failed: {}", String::from_utf8_lossy(&init.stderr));
        let run = Command::new("pgbench").args(["-n", "-c", "4", "-j", "2", "-T", &secs.to_string(), &url]).output()?;
        anyhow::ensure!(run.status.success(), "pgbench failed: {}", String::from_utf8_lossy(&run.stderr));
        let stdout = String::from_utf8_lossy(&run.stdout);
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("tps = ").and_then(|rest| rest.split_whitespace().next()?.parse().ok()))
            .context("no tps line in pgbench output")
    })
    .await?
}
