use anyhow::Context;
use clap::Args;
use mammoflow_bus::{KafkaConfig, Publisher, PublisherOptions};
use mammoflow_dicom::{simulate, SimulationOptions, WrittenStudy};
use mammoflow_events::Envelope;
use mammoflow_ingest::arrival_for;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// Number of studies.
    #[arg(long, default_value_t = 20)]
    pub studies: usize,
    /// Output folder: one sub-folder per study.
    #[arg(long, default_value = "studies")]
    pub out: PathBuf,
    /// Seed; the same seed writes byte-identical studies.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Image size as ROWSxCOLS (full-field: 3328x2560).
    #[arg(long, default_value = "512x416")]
    pub size: String,
    /// Raise the share of abnormal studies (for training).
    #[arg(long)]
    pub enrich: bool,
    /// Screening site code written into the studies and events.
    #[arg(long, default_value = "SIM-SITE-A")]
    pub site: String,
    /// Publish a mammo.study.arrived.v1 event per study (needs KAFKA_BROKERS).
    #[arg(long)]
    pub publish: bool,
    #[arg(long, env = "KAFKA_BROKERS")]
    pub kafka_brokers: Option<String>,
}

impl SimulateArgs {
    pub fn options(&self) -> anyhow::Result<SimulationOptions> {
        let (rows, cols) = parse_size(&self.size)?;
        Ok(SimulationOptions {
            studies: self.studies,
            seed: self.seed,
            rows,
            cols,
            enrich_abnormal: self.enrich,
            site: self.site.clone(),
            ..SimulationOptions::default()
        })
    }
}

/// `ROWSxCOLS` (e.g. `3328x2560`).
pub fn parse_size(size: &str) -> anyhow::Result<(u16, u16)> {
    size.split_once('x')
        .and_then(|(r, c)| Some((r.parse().ok()?, c.parse().ok()?)))
        .with_context(|| format!("--size must be ROWSxCOLS, got {size:?}"))
}

/// Writes the studies (off the async threads: it is CPU and file work). Paths in the result
/// (and so in published events) are absolute, as a PACS router would send them.
pub async fn write_studies(options: SimulationOptions, out: &Path) -> anyhow::Result<Vec<WrittenStudy>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let out = std::fs::canonicalize(out).with_context(|| format!("resolving {}", out.display()))?;
    tokio::task::spawn_blocking(move || simulate(&options, &out))
        .await
        .context("simulation task panicked")?
        .context("writing simulated studies")
}

/// Publishes one arrival event per study; returns when the broker confirmed them all.
pub async fn publish_arrivals(publisher: &Publisher, studies: &[WrittenStudy]) -> anyhow::Result<()> {
    for study in studies {
        let envelope = Envelope::new("simulator", arrival_for(study));
        publisher.publish(&envelope).await.context("publishing study.arrived")?;
    }
    Ok(())
}

pub async fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let written = write_studies(args.options()?, &args.out).await?;
    let files: usize = written.iter().map(|s| s.files.len()).sum();
    println!(
        "wrote {} studies ({files} DICOM files, truth.json and report.txt each) to {} in {:.1} s",
        written.len(),
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    if args.publish {
        let brokers = args
            .kafka_brokers
            .context("--publish needs KAFKA_BROKERS (start one with `mammoflow broker`)")?;
        let publisher = Publisher::new(&KafkaConfig::new(brokers, "mammoflow-simulator"), &PublisherOptions::default())?;
        publish_arrivals(&publisher, &written).await?;
        println!("published {} mammo.study.arrived.v1 events", written.len());
    }
    Ok(())
}
