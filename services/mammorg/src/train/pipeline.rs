//! The training run over a folder of studies: stage 1 (graph and retrieval branches from the
//! structured labels, and the encoder too when training `tiny` from scratch), stage 2a
//! (alignment: projectors + embeddings, plain template), stage 2b (fine-tuning: projectors,
//! embeddings and the decoder, Vicuna template), then a checkpoint with a model card.
//!
//! Deterministic for a given seed and data folder: study order, shuffles and initial weights all
//! come from `seed` (candle's CPU kernels are deterministic for a fixed thread count).

use super::{stage1_accuracy, stage2_loss_from_features, Stage1Accuracy, Stage1Labels, TrainPhase, Trainer};
use crate::checkpoint::{self, ModelCard};
use crate::config::MammoRgConfig;
use crate::data::{self, StudyExample};
use crate::error::{MammoRgError, Result};
use crate::generate::stage1_probabilities;
use crate::model::{MammoRg, VisualFeatures};
use crate::preprocess::PreprocessOptions;
use crate::retrieval::REPORT_DB_TENSOR;
use crate::tokenizer::{vicuna_prompt, PromptIds, TermTokenizer, IMAGE_TAG};
use candle_core::{DType, Device, Tensor};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub data_dir: PathBuf,
    pub out_dir: PathBuf,
    pub seed: u64,
    /// Model size; `tiny` by default. Its vocabulary and database sizes are set from the data.
    pub config: MammoRgConfig,
    pub stage1_epochs: usize,
    pub align_epochs: usize,
    pub finetune_epochs: usize,
    pub batch_size: usize,
    pub stage1_lr: f64,
    pub align_lr: f64,
    pub finetune_lr: f64,
    /// Train the encoder in stage 1 (a from-scratch `tiny` has no pretrained encoder; the
    /// official one stays frozen).
    pub train_encoder: bool,
    /// Train the encoder probe beside stage 1 when the encoder trains (see `train::probe`).
    pub encoder_probe: bool,
    /// Last studies (by folder name) held out for the measured figures.
    pub val_studies: usize,
    /// Use at most this many studies of the folder (all if `None`).
    pub max_studies: Option<usize>,
    /// Base BPE size before the clinical terms are appended.
    pub base_vocab: usize,
}

impl TrainOptions {
    pub fn tiny(data_dir: PathBuf, out_dir: PathBuf, seed: u64) -> Self {
        TrainOptions {
            data_dir,
            out_dir,
            seed,
            config: MammoRgConfig::tiny(),
            // The shipped demo checkpoint's recipe (about 45 minutes on 2 CPU cores for 1000
            // studies).
            stage1_epochs: 5,
            align_epochs: 2,
            finetune_epochs: 12,
            batch_size: 8,
            stage1_lr: 2e-3,
            align_lr: 2e-3,
            finetune_lr: 1e-3,
            train_encoder: true,
            encoder_probe: true,
            val_studies: 32,
            max_studies: None,
            base_vocab: 760,
        }
    }
}

/// Loss and throughput of one epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochStats {
    pub phase: TrainPhase,
    pub epoch: usize,
    pub mean_loss: f32,
    pub studies_per_s: f32,
}

#[derive(Debug, Clone)]
pub struct TrainSummary {
    pub out_dir: PathBuf,
    pub train_studies: usize,
    pub val_studies: usize,
    pub generator_seed: Option<u64>,
    pub epochs: Vec<EpochStats>,
    /// Figures on the held-out studies (name, value).
    pub val_metrics: Vec<(String, f32)>,
    pub seconds: f32,
}

/// Runs the three stages and writes the checkpoint to `opts.out_dir`.
pub fn train(opts: &TrainOptions) -> Result<TrainSummary> {
    let start = Instant::now();
    let device = Device::Cpu;
    if opts.batch_size == 0 {
        return Err(MammoRgError::Config("batch size must be at least 1".into()));
    }
    let mut cfg = opts.config.clone();
    let pre = PreprocessOptions::new(cfg.image_size);
    let mut folders = data::study_folders(&opts.data_dir)?;
    if let Some(max) = opts.max_studies {
        folders.truncate(max);
    }
    if folders.len() <= opts.val_studies {
        return Err(MammoRgError::Input(format!("{} studies; need more than {} held out", folders.len(), opts.val_studies)));
    }
    println!("loading {} studies from {}", folders.len(), opts.data_dir.display());
    let all: Vec<StudyExample> = folders.iter().map(|f| data::load_study(f, &pre, &device)).collect::<Result<_>>()?;
    let (train_set, val_set) = all.split_at(all.len() - opts.val_studies);
    println!("preprocessed in {:.1} s; {} train, {} held out", start.elapsed().as_secs_f32(), train_set.len(), val_set.len());

    let reports: Vec<String> = train_set.iter().map(|e| e.report.clone()).collect();
    let tokenizer = TermTokenizer::build_english(opts.base_vocab, &reports, &[])?;
    cfg.llm.vocab_size = tokenizer.vocab_size().next_multiple_of(8);
    let report_refs: Vec<&str> = reports.iter().map(String::as_str).collect();
    let db = data::report_database(&tokenizer, &report_refs, cfg.retrieval.embed_dim, &device)?;
    cfg.retrieval.database_size = db.dim(0)?;
    let preset = HashMap::from([(REPORT_DB_TENSOR.to_string(), db)]);
    let (model, _) = MammoRg::from_tensors(&cfg, preset, opts.seed, true, DType::F32, &device)?;
    println!("model: vocabulary {}, report database {}", cfg.llm.vocab_size, cfg.retrieval.database_size);

    let mut epochs = Vec::new();
    let phase1 = if opts.train_encoder { TrainPhase::All } else { TrainPhase::Stage1 };
    let mut trainer = Trainer::with_encoder_probe(&model, phase1, opts.stage1_lr, opts.encoder_probe)?;
    let held_out = |t: &Trainer| held_out_stage1(&model, t, val_set, opts.batch_size).map(Some);
    run_epochs(opts, opts.stage1_epochs, &mut trainer, train_set.len(), opts.stage1_lr, &mut epochs, held_out, |t, idx| {
        let batch: Vec<&StudyExample> = idx.iter().map(|&i| &train_set[i]).collect();
        let labels: Vec<Stage1Labels> = batch.iter().map(|e| e.labels.clone()).collect();
        t.stage1_step(&model, &data::batch_views(&batch)?, &labels)
    })?;

    // Stage 2 leaves the encoder, graph and retrieval branches frozen: encode every study once.
    let features = encode_all(&model, train_set, opts.batch_size)?;
    let targets: Vec<Vec<u32>> = reports.iter().map(|r| tokenizer.encode_target(r)).collect::<Result<_>>()?;
    let plain = tokenizer.encode_prompt(&IMAGE_TAG.repeat(4))?;
    let chat = tokenizer.encode_prompt(&vicuna_prompt())?;
    for (phase, n, lr, prompt) in [
        (TrainPhase::Stage2Alignment, opts.align_epochs, opts.align_lr, &plain),
        (TrainPhase::Stage2Finetune, opts.finetune_epochs, opts.finetune_lr, &chat),
    ] {
        let mut trainer = Trainer::new(&model, phase, lr)?;
        run_epochs(opts, n, &mut trainer, train_set.len(), lr, &mut epochs, |_| Ok(None), |t, idx| {
            let f = gather(&features, idx)?;
            let tg: Vec<Vec<u32>> = idx.iter().map(|&i| targets[i].clone()).collect();
            t.stage2_step_features(&model, &f, prompt, &tg)
        })?;
    }

    let val_metrics = evaluate(&model, &tokenizer, &chat, val_set, opts.batch_size)?;
    for (k, v) in &val_metrics {
        println!("held-out {k}: {v:.4}");
    }
    let generator_seed = all.first().map(|e| e.generator_seed);
    let card = model_card(opts, &cfg, train_set.len(), val_set.len(), generator_seed, &epochs, &val_metrics);
    checkpoint::save(&opts.out_dir, &model, &tokenizer, &card)?;
    println!("checkpoint written to {}", opts.out_dir.display());
    Ok(TrainSummary {
        out_dir: opts.out_dir.clone(),
        train_studies: train_set.len(),
        val_studies: val_set.len(),
        generator_seed,
        epochs,
        val_metrics,
        seconds: start.elapsed().as_secs_f32(),
    })
}

/// `n` epochs of shuffled batches with a cosine learning rate (3% linear warm-up); after each,
/// `after_epoch` may add a line to the log.
#[allow(clippy::too_many_arguments)]
fn run_epochs(
    opts: &TrainOptions,
    n: usize,
    trainer: &mut Trainer,
    len: usize,
    lr: f64,
    log: &mut Vec<EpochStats>,
    after_epoch: impl Fn(&Trainer) -> Result<Option<String>>,
    mut step: impl FnMut(&mut Trainer, &[usize]) -> Result<f32>,
) -> Result<()> {
    let steps_per_epoch = len.div_ceil(opts.batch_size);
    let total = (n * steps_per_epoch).max(1);
    let warmup = (total as f64 * 0.03).ceil().max(1.0);
    let mut order: Vec<usize> = (0..len).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed ^ (trainer.phase() as u64) << 32);
    let mut global = 0usize;
    for epoch in 1..=n {
        order.shuffle(&mut rng);
        let t0 = Instant::now();
        let mut sum = 0f64;
        for batch in order.chunks(opts.batch_size) {
            let g = global as f64;
            let scale = if g < warmup { (g + 1.0) / warmup } else { 0.5 * (1.0 + (std::f64::consts::PI * g / total as f64).cos()) };
            trainer.set_learning_rate(lr * scale);
            sum += f64::from(step(trainer, batch)?) * batch.len() as f64;
            global += 1;
        }
        let secs = t0.elapsed().as_secs_f32();
        let stats = EpochStats { phase: trainer.phase(), epoch, mean_loss: (sum / len as f64) as f32, studies_per_s: len as f32 / secs };
        println!(
            "{:?} epoch {epoch}/{n}: loss {:.4}, {:.2} studies/s ({secs:.0} s)",
            stats.phase, stats.mean_loss, stats.studies_per_s
        );
        log.push(stats);
        if let Some(line) = after_epoch(trainer)? {
            println!("  {line}");
        }
    }
    Ok(())
}

/// Stage-1 accuracy on the held-out studies of the official heads and, when it trains, of the
/// encoder probe: the probe shows what the encoder has learned, the heads what reaches the
/// graph and report tokens.
fn held_out_stage1(model: &MammoRg, trainer: &Trainer, set: &[StudyExample], batch: usize) -> Result<String> {
    let features = encode_all(model, set, batch)?;
    let labels: Vec<&Stage1Labels> = set.iter().map(|e| &e.labels).collect();
    let mut line = format!("held out: heads {}", heads_accuracy(model, &features, &labels)?);
    if let Some(probe) = trainer.probe() {
        line += &format!("; encoder probe {}", probe.accuracy(&features.patches, &labels)?);
        if let Some(detection) = probe.lesion_detection(&features.patches, &labels)? {
            line += &format!("; {detection}");
        }
    }
    Ok(line)
}

/// Accuracy of the official stage-1 heads (both sets averaged, as served) on `set`.
fn heads_accuracy(model: &MammoRg, features: &VisualFeatures, labels: &[&Stage1Labels]) -> Result<Stage1Accuracy> {
    let (graph, report) = model.stage1(features)?;
    Ok(stage1_accuracy(labels, &stage1_probabilities(&graph, &report)?))
}

/// Detached visual features of every study (one tensor per field, studies on axis 0).
pub fn encode_all(model: &MammoRg, set: &[StudyExample], batch: usize) -> Result<VisualFeatures> {
    model.clear_caches();
    let (mut p, mut g, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for chunk in set.chunks(batch) {
        let refs: Vec<&StudyExample> = chunk.iter().collect();
        let f = model.encode(&data::batch_views(&refs)?)?;
        p.push(f.patches.detach());
        g.push(f.graph_tokens.detach());
        r.push(f.report_token.detach());
    }
    Ok(VisualFeatures { patches: Tensor::cat(&p, 0)?, graph_tokens: Tensor::cat(&g, 0)?, report_token: Tensor::cat(&r, 0)? })
}

fn gather(f: &VisualFeatures, idx: &[usize]) -> Result<VisualFeatures> {
    let ids = Tensor::new(idx.iter().map(|&i| i as u32).collect::<Vec<_>>(), f.patches.device())?;
    Ok(VisualFeatures {
        patches: f.patches.index_select(&ids, 0)?,
        graph_tokens: f.graph_tokens.index_select(&ids, 0)?,
        report_token: f.report_token.index_select(&ids, 0)?,
    })
}

/// Held-out figures: stage-1 accuracies per breast (argmax against the stated labels) and the
/// teacher-forced next-token loss of the reference reports.
fn evaluate(model: &MammoRg, tok: &TermTokenizer, prompt: &PromptIds, set: &[StudyExample], batch: usize) -> Result<Vec<(String, f32)>> {
    let features = encode_all(model, set, batch)?;
    let labels: Vec<&Stage1Labels> = set.iter().map(|e| &e.labels).collect();
    let accuracy = heads_accuracy(model, &features, &labels)?;
    let mut loss_sum = 0f32;
    let mut chunks = 0;
    for (i, chunk) in set.chunks(batch).enumerate() {
        let idx: Vec<usize> = (i * batch..i * batch + chunk.len()).collect();
        let targets: Vec<Vec<u32>> = chunk.iter().map(|e| tok.encode_target(&e.report)).collect::<Result<_>>()?;
        let loss = stage2_loss_from_features(model, &gather(&features, &idx)?, prompt, &targets)?;
        loss_sum += loss.to_scalar::<f32>()?;
        chunks += 1;
    }
    Ok(vec![
        ("stage-1 density accuracy (per breast)".into(), accuracy.density),
        ("stage-1 BI-RADS accuracy (per breast)".into(), accuracy.birads),
        ("stage-1 finding-status accuracy (stated findings)".into(), accuracy.findings),
        ("report next-token loss (teacher forced)".into(), loss_sum / chunks.max(1) as f32),
    ])
}

fn model_card(
    opts: &TrainOptions,
    cfg: &MammoRgConfig,
    n_train: usize,
    n_val: usize,
    generator_seed: Option<u64>,
    epochs: &[EpochStats],
    val: &[(String, f32)],
) -> ModelCard {
    let seed = generator_seed.map_or("unknown".to_string(), |s| s.to_string());
    let last = |phase| epochs.iter().rev().find(|e| e.phase == phase).map_or("-".to_string(), |e| format!("{:.4}", e.mean_loss));
    let mut metrics: Vec<(String, String)> =
        val.iter().map(|(k, v)| (format!("{k}, {n_val} held-out studies"), format!("{v:.4}"))).collect();
    metrics.push(("final training loss: stage 1 / 2a / 2b".into(), format!(
        "{} / {} / {}",
        last(if opts.train_encoder { TrainPhase::All } else { TrainPhase::Stage1 }),
        last(TrainPhase::Stage2Alignment),
        last(TrainPhase::Stage2Finetune)
    )));
    ModelCard {
        name: format!("mammorg-{}-demo", cfg.name),
        version: format!("seed{}-{}studies", opts.seed, n_train),
        summary: "A tiny MammoRG (same module graph as the official model, CPU size) trained from scratch as a \
demonstration of mammoflow's pipeline. **Not for clinical use.**"
            .into(),
        training_data: format!(
            "{n_train} synthetic phantom studies (four views each, English reports) from mammoflow's generator \
(`mammoflow_dicom::simulate`, enriched abnormal mix, generator seed {seed}); {n_val} further studies of the same \
run held out for the figures below. No patient data. Training seed {}: stage 1 {} epochs (encoder {}), stage 2a {} \
epochs, stage 2b {} epochs, batch {}, AdamW with cosine schedule.",
            opts.seed,
            opts.stage1_epochs,
            match (opts.train_encoder, opts.encoder_probe) {
                (true, true) => "trained, with the training-only encoder probe on its patch tokens: per-breast heads, and a \
per-patch lesion head where the studies mark their lesions",
                (true, false) => "trained",
                (false, _) => "frozen",
            },
            opts.align_epochs,
            opts.finetune_epochs,
            opts.batch_size
        ),
        metrics,
        intended_use: "Software demonstrations and tests of mammoflow (pipeline plumbing, latency, end-to-end \
tests). Not a medical device; never use its output for any clinical decision."
            .into(),
        limitations: "Trained on simple synthetic phantoms only; it has never seen a real mammogram and its output on \
real images is meaningless. Small decoder (2 layers): the text follows the generator's templates."
            .into(),
    }
}
