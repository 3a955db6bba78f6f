//! `mammoflow simulate-reads`: simulated radiologists work the worklists of simulated studies,
//! reading the simulator's ground truth with a configurable error rate, and biopsies of the
//! suspicious reads get outcomes, so the audit has ground truth to compare the AI with.
//!
//! Pathology is drawn from the true category with the BI-RADS atlas's likelihoods of malignancy
//! (mid-points: 4A 6 %, 4B 30 %, 4C 70 %, 5 97 %, 6 100 %; others 0.5 %), seeded. For simulated
//! studies only: the truth is the `truth.json` next to the study's DICOM files.

use anyhow::Context;
use chrono::{Duration, Utc};
use clap::Args;
use mammoflow_domain::{BiRads, StructuredReport};
use mammoflow_store::outcomes::{self, NewOutcome};
use mammoflow_store::reads::{submit_read, NewRead};
use mammoflow_store::{studies, triage_policies, worklists};
use mammoflow_triage::Policy;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

#[derive(Debug, Clone, Args)]
pub struct SimulateReadsArgs {
    /// Reader names; each claims in turn (double reading needs two).
    #[arg(long, value_delimiter = ',', default_value = "reader-a,reader-b")]
    pub readers: Vec<String>,
    /// Chance that a reader's category for a breast is wrong (replaced by a random one).
    #[arg(long, default_value_t = 0.1)]
    pub error_rate: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
}

pub async fn run(args: SimulateReadsArgs) -> anyhow::Result<()> {
    let pool = mammoflow_store::connect(&args.database_url, 2).await.context("connecting to Postgres")?;
    let policy_row = triage_policies::active(&pool).await?.context("no active triage policy (run the pipeline first)")?;
    let policy = Policy::parse(&policy_row.policy_toml)?;
    let parser = mammorgtool::Parser::new()?;
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let queues: Vec<String> = worklists::queue_stats(&pool).await?.into_iter().map(|q| q.queue).collect();
    let (mut reads, mut outcomes_recorded) = (0usize, 0usize);
    loop {
        let mut progressed = false;
        for reader in &args.readers {
            for queue in &queues {
                let Some(item) = worklists::claim_next(&pool, queue, reader, std::time::Duration::from_secs(300)).await? else {
                    continue;
                };
                let truth = study_truth(&pool, &item.study_uid).await?;
                let mut read_as = |truth: Option<BiRads>| {
                    truth.map(|t| if rng.random_bool(args.error_rate) { BiRads::ALL[rng.random_range(0..BiRads::ALL.len())] } else { t })
                };
                let (right, left) = (read_as(truth.report.birads.right), read_as(truth.report.birads.left));
                let parsed = parser.parse(&truth.text);
                let read = NewRead {
                    item_id: item.id,
                    reader: reader.clone(),
                    birads_right: right,
                    birads_left: left,
                    density: truth.report.density.overall,
                    findings: truth.report.findings.clone(),
                    free_text: truth.text.clone(),
                    parsed: Some(serde_json::to_value(&parsed)?),
                    parser_version: Some(parsed.parser_version.clone()),
                };
                submit_read(&pool, &read, &policy).await?;
                reads += 1;
                progressed = true;
                let suspicious = [right, left].into_iter().flatten().any(BiRads::is_suspicious);
                if suspicious && item.queue != "arbitration" {
                    let malignant = rng.random_bool(likelihood(truth.report.birads.exam_category()));
                    let outcome = NewOutcome {
                        study_uid: item.study_uid.clone(),
                        side: None,
                        kind: "biopsy".into(),
                        result: if malignant { "malignant" } else { "benign" }.into(),
                        pathology: None,
                        outcome_date: (Utc::now() + Duration::days(14)).date_naive(),
                    };
                    outcomes_recorded += outcomes::record_all(&pool, &[outcome], "api", reader).await?.inserted;
                }
            }
        }
        if !progressed {
            break;
        }
    }
    println!("{reads} reads submitted by {}, {outcomes_recorded} biopsy outcomes recorded", args.readers.join(", "));
    Ok(())
}

/// Atlas likelihood of malignancy of the true category (mid-points of its ranges).
fn likelihood(category: Option<BiRads>) -> f64 {
    match category {
        Some(BiRads::LowSuspicion) => 0.06,
        Some(BiRads::ModerateSuspicion) => 0.30,
        Some(BiRads::HighSuspicion | BiRads::Suspicious) => 0.70,
        Some(BiRads::HighlySuggestive) => 0.97,
        Some(BiRads::KnownMalignancy) => 1.0,
        _ => 0.005,
    }
}

struct Truth {
    report: StructuredReport,
    text: String,
}

/// The simulator's `truth.json` and `report.txt` in the study's folder.
async fn study_truth(pool: &mammoflow_store::PgPool, study_uid: &str) -> anyhow::Result<Truth> {
    let instances = studies::instances(pool, study_uid).await?;
    let uri = instances.first().map(|i| i.uri.clone()).with_context(|| format!("study {study_uid} has no instances"))?;
    let folder = Path::new(uri.trim_start_matches("file://")).parent().context("instance path has no folder")?.to_path_buf();
    let truth = std::fs::read_to_string(folder.join("truth.json")).with_context(|| format!("{study_uid}: no truth.json (not a simulated study?)"))?;
    let text = std::fs::read_to_string(folder.join("report.txt")).unwrap_or_default();
    Ok(Truth { report: serde_json::from_str(&truth).context("reading truth.json")?, text })
}
