use anyhow::Context;
use clap::Args;
use mammoflow_dicom::synth::{simulate, SimulationOptions};
use mammorg::data::study_folders;
use mammorg::{train, TrainOptions};
use std::path::PathBuf;

/// Trains a `tiny` MammoRG checkpoint (stage 1, alignment, fine-tuning) on a folder of studies.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// Study folders (`RCC.dcm`, `RMLO.dcm`, `LCC.dcm`, `LMLO.dcm`, `report.txt`, `truth.json`).
    /// Filled with simulated studies when it holds none.
    #[arg(long, default_value = ".mammoflow/train")]
    pub data: PathBuf,
    /// Where the checkpoint is written.
    #[arg(long)]
    pub out: PathBuf,
    /// Studies to use (and to simulate when the folder is empty).
    #[arg(long, default_value_t = 1000)]
    pub studies: usize,
    /// Size of the simulated studies (ROWSxCOLS) when the folder is empty.
    #[arg(long, default_value = "208x160")]
    pub size: String,
    /// Side of the square each view is resized to for the model (a multiple of 32).
    #[arg(long, default_value_t = 128)]
    pub image_size: usize,
    /// Simulator seed when studies are generated (evaluate with another one).
    #[arg(long, default_value_t = 1)]
    pub generator_seed: u64,
    /// Training seed (initialisation, shuffling).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long)]
    pub stage1_epochs: Option<usize>,
    #[arg(long)]
    pub align_epochs: Option<usize>,
    #[arg(long)]
    pub finetune_epochs: Option<usize>,
    #[arg(long)]
    pub batch: Option<usize>,
    /// Train the encoder from the official stage-1 heads alone, without the encoder probe
    /// (the ablation the probe is measured against; see the README's model quality section).
    #[arg(long)]
    pub no_encoder_probe: bool,
    /// Last studies held out for the figures in the model card.
    #[arg(long)]
    pub val: Option<usize>,
}

pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    if args.image_size == 0 || !args.image_size.is_multiple_of(32) {
        anyhow::bail!("--image-size must be a positive multiple of 32 (the encoder's stride), got {}", args.image_size);
    }
    std::fs::create_dir_all(&args.data).with_context(|| format!("creating {}", args.data.display()))?;
    if study_folders(&args.data)?.is_empty() {
        let (rows, cols) = super::simulate::parse_size(&args.size)?;
        let opts = SimulationOptions {
            studies: args.studies,
            seed: args.generator_seed,
            rows,
            cols,
            enrich_abnormal: true,
            ..Default::default()
        };
        let t0 = std::time::Instant::now();
        simulate(&opts, &args.data)?;
        println!("simulated {} studies (generator seed {}) in {:.1} s", args.studies, args.generator_seed, t0.elapsed().as_secs_f32());
    }
    let mut opts = TrainOptions::tiny(args.data, args.out, args.seed);
    opts.config = mammorg::MammoRgConfig::tiny_at(args.image_size);
    opts.stage1_epochs = args.stage1_epochs.unwrap_or(opts.stage1_epochs);
    opts.align_epochs = args.align_epochs.unwrap_or(opts.align_epochs);
    opts.finetune_epochs = args.finetune_epochs.unwrap_or(opts.finetune_epochs);
    opts.batch_size = args.batch.unwrap_or(opts.batch_size);
    opts.val_studies = args.val.unwrap_or(opts.val_studies);
    opts.encoder_probe = !args.no_encoder_probe;
    opts.max_studies = Some(args.studies);
    let summary = train(&opts)?;
    println!("trained on {} studies in {:.0} s", summary.train_studies, summary.seconds);
    Ok(())
}
