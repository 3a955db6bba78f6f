//! Trains the tiny demo checkpoint on simulated studies.
//!
//! ```text
//! cargo run -p mammorg --example train_demo -- --data /tmp/mammorg-train --studies 600 \
//!     --generator-seed 1 --out services/mammorg/demo-checkpoint [--seed 42] [--stage1-epochs 6] \
//!     [--align-epochs 2] [--finetune-epochs 6] [--batch 8] [--val 32]
//! ```
//! The data folder is filled with `simulate` (enriched abnormal mix, 208 x 160 px views) when it
//! has no studies yet.

use mammoflow_dicom::synth::{simulate, SimulationOptions};
use mammorg::data::study_folders;
use mammorg::{train, TrainOptions};
use std::collections::HashMap;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut kv = HashMap::new();
    for pair in args.chunks(2) {
        match pair {
            [k, v] if k.starts_with("--") => {
                kv.insert(k.trim_start_matches("--").to_string(), v.clone());
            }
            _ => return Err(format!("expected --key value pairs, got {pair:?}").into()),
        }
    }
    let get = |k: &str, default: &str| kv.get(k).cloned().unwrap_or_else(|| default.to_string());
    let num = |k: &str, default: &str| -> Result<usize, Box<dyn std::error::Error>> { Ok(get(k, default).parse()?) };
    let data = PathBuf::from(get("data", "/tmp/mammorg-train"));
    let out = PathBuf::from(get("out", "demo-checkpoint"));
    let studies = num("studies", "600")?;
    let generator_seed: u64 = get("generator-seed", "1").parse()?;
    std::fs::create_dir_all(&data)?;
    if study_folders(&data)?.is_empty() {
        let opts = SimulationOptions { studies, seed: generator_seed, rows: 208, cols: 160, enrich_abnormal: true, ..Default::default() };
        let t0 = std::time::Instant::now();
        simulate(&opts, &data)?;
        println!("simulated {studies} studies (generator seed {generator_seed}) in {:.1} s", t0.elapsed().as_secs_f32());
    }
    let mut opts = TrainOptions::tiny(data, out, get("seed", "42").parse()?);
    opts.stage1_epochs = num("stage1-epochs", &opts.stage1_epochs.to_string())?;
    opts.align_epochs = num("align-epochs", &opts.align_epochs.to_string())?;
    opts.finetune_epochs = num("finetune-epochs", &opts.finetune_epochs.to_string())?;
    opts.batch_size = num("batch", &opts.batch_size.to_string())?;
    opts.val_studies = num("val", &opts.val_studies.to_string())?;
    opts.max_studies = Some(studies);
    let summary = train(&opts)?;
    println!("trained on {} studies in {:.0} s", summary.train_studies, summary.seconds);
    Ok(())
}
