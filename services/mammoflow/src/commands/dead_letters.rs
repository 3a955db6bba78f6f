//! `mammoflow dead-letters list|replay`: what the pipeline could not process, and sending it
//! (as stored, or corrected by an operator) back to its topic once the cause is fixed.

use anyhow::Context;
use clap::{Args, Subcommand};
use mammoflow_bus::{replay_dead_letter, KafkaConfig, Publisher, PublisherOptions};
use mammoflow_store::dead_letters::{self, DeadLetterFilter};
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct DeadLettersArgs {
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    #[command(subcommand)]
    pub which: DeadLettersCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DeadLettersCommand {
    /// Newest first.
    List {
        /// Only those not replayed yet.
        #[arg(long)]
        pending: bool,
        #[arg(long)]
        group: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Publish a dead letter to its original topic again (consumers that already handled the
    /// event skip it by its id; the one that failed runs it again).
    Replay {
        id: i64,
        /// Publish these bytes instead of the stored ones (an operator's correction).
        #[arg(long)]
        payload: Option<PathBuf>,
        /// Who replays it (written to the audit log).
        #[arg(long = "by")]
        actor: String,
        #[arg(long, env = "KAFKA_BROKERS")]
        kafka_brokers: String,
    },
}

pub async fn run(args: DeadLettersArgs) -> anyhow::Result<()> {
    let pool = mammoflow_store::connect(&args.database_url, 2).await.context("connecting to Postgres")?;
    match args.which {
        DeadLettersCommand::List { pending, group, limit } => {
            let filter = DeadLetterFilter { consumer_group: group, pending_only: pending, limit, ..DeadLetterFilter::default() };
            for d in dead_letters::list(&pool, &filter).await? {
                let replayed = d.replayed_at.map(|t| format!("replayed {t}")).unwrap_or_else(|| "pending".into());
                println!("{:>6}  {}  {:<20} {:<32} {:<18} {}  [{}]", d.id, d.created_at.format("%Y-%m-%d %H:%M:%S"),
                    d.consumer_group, d.topic, d.error_kind, d.reason, replayed);
            }
        }
        DeadLettersCommand::Replay { id, payload, actor, kafka_brokers } => {
            let corrected = match &payload {
                Some(path) => Some(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?),
                None => None,
            };
            let publisher = Publisher::new(&KafkaConfig::new(kafka_brokers, "mammoflow-dead-letters"), &PublisherOptions::default())?;
            let topic = replay_dead_letter(&pool, &publisher, id, corrected, &actor).await?.with_context(|| format!("no dead letter {id}"))?;
            println!("dead letter {id} published to {topic} again");
        }
    }
    Ok(())
}
