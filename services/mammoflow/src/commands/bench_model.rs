//! `mammoflow bench model`: DICOM-to-tensor preprocessing next to pydicom + numpy doing the same
//! steps on the same files in the same run, then model latency and throughput per batch size:
//! the shipped checkpoint (CPU by default), or the `official` configuration with random weights
//! (`--random-official`, meant for a GPU: see `deploy/gpu/bench-official.sh`).

use anyhow::Context;
use candle_core::{DType, Device, Tensor};
use clap::Args;
use mammoflow_dicom::{simulate, SimulationOptions};
use mammorg::preprocess::{expand_channels, planes_from_paths, PreprocessOptions};
use mammorg::{GenerationConfig, MammoRg, MammoRgConfig, PromptIds};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Args)]
pub struct ModelBenchArgs {
    /// Simulated studies (preprocessed once each; batches cycle through them).
    #[arg(long, default_value_t = 16)]
    pub studies: usize,
    /// Image size of the simulated studies (rows x columns).
    #[arg(long, default_value = "1024x832")]
    pub size: String,
    /// Checkpoint; unset: the shipped demo checkpoint.
    #[arg(long = "model")]
    pub model_dir: Option<PathBuf>,
    /// The `official` configuration (EfficientNet-B5 + LLaMA-7B) with random weights in bf16.
    #[arg(long)]
    pub random_official: bool,
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Batch sizes to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,8")]
    pub batches: Vec<usize>,
    /// Timed runs per batch size (after one warm-up run).
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    #[arg(long, default_value_t = 256)]
    pub max_new_tokens: usize,
    /// Python with numpy, pydicom, scipy and Pillow for the preprocessing peer (skipped when it
    /// cannot run; `deploy/local/bench-model.sh` makes one).
    #[arg(long, default_value = "python3")]
    pub python: PathBuf,
    #[arg(long, default_value = "target/bench/model.json")]
    pub json_out: PathBuf,
}

pub fn run(args: ModelBenchArgs) -> anyhow::Result<()> {
    let (rows, cols) = super::simulate::parse_size(&args.size)?;
    let dir = tempfile::tempdir().context("creating a scratch folder")?;
    let options = SimulationOptions { studies: args.studies.max(1), seed: 5, rows, cols, ..SimulationOptions::default() };
    let written = simulate(&options, dir.path()).context("simulating studies")?;
    let folders: Vec<PathBuf> = written.iter().map(|s| s.folder.clone()).collect();

    let (model, prompt) = load(&args)?;
    let image_size = model.config().image_size;
    println!("preprocessing {} studies ({rows}x{cols}, 4 views) to {image_size} px, one thread", folders.len());
    let started = Instant::now();
    let opts = PreprocessOptions::new(image_size);
    let mut inputs = Vec::with_capacity(folders.len());
    for folder in &folders {
        let planes = planes_from_paths(&mammorg::data::view_paths(folder), &opts, &Device::Cpu)?;
        inputs.push(expand_channels(&planes)?);
    }
    let ours = started.elapsed().as_secs_f64();
    let checksum: f64 = inputs.iter().map(|t| t.mean_all().and_then(|m| m.to_scalar::<f32>())).sum::<Result<f32, _>>()?.into();
    let peer = python_peer(&args.python, image_size, &folders);
    let per_s = folders.len() as f64 / ours;
    println!("  mammoflow (Rust):  {per_s:>8.1} studies/s   checksum {checksum:.4}");
    let peer_json = match &peer {
        Ok((secs, peer_sum)) => {
            let peer_per_s = folders.len() as f64 / secs;
            println!("  pydicom + numpy:   {peer_per_s:>8.1} studies/s   checksum {peer_sum:.4}   ratio {:.2}x", per_s / peer_per_s);
            json!({"studies_per_s": peer_per_s, "checksum": peer_sum, "ratio": per_s / peer_per_s})
        }
        Err(e) => {
            println!("  pydicom + numpy:   skipped ({e})");
            json!({"skipped": e.to_string()})
        }
    };

    let device = model.device().clone();
    let mut rows_json = Vec::new();
    println!("model {} on {}: latency and throughput per batch size", model.config().name, args.device);
    for &batch in &args.batches {
        let views: Vec<Tensor> =
            (0..batch.max(1)).map(|i| inputs[i % inputs.len()].to_device(&device)).collect::<Result<_, _>>()?;
        let views = Tensor::stack(&views, 0)?.to_dtype(model.dtype())?;
        let cfg = GenerationConfig { max_new_tokens: args.max_new_tokens, use_kv_cache: true };
        measure(&model, &prompt, &views, &cfg)?; // warm-up
        let mut runs = Vec::new();
        for _ in 0..args.repeats.max(1) {
            runs.push(measure(&model, &prompt, &views, &cfg)?);
        }
        let n = runs.len() as f64;
        let total: f64 = runs.iter().map(|r| r.total.as_secs_f64()).sum::<f64>() / n;
        let prefill: f64 = runs.iter().map(|r| r.prefill.as_secs_f64()).sum::<f64>() / n;
        let decode_tps: f64 = runs.iter().map(|r| r.tokens as f64 / r.decode.as_secs_f64().max(1e-9)).sum::<f64>() / n;
        let prompt_tps: f64 = runs.iter().map(|r| r.prompt_tokens as f64 / r.prefill.as_secs_f64().max(1e-9)).sum::<f64>() / n;
        println!(
            "  batch {batch:>3}: {:>8.1} ms/study  {:>7.2} studies/s  prefill {:>7.1} ms ({prompt_tps:>8.0} tok/s)  decode {decode_tps:>7.0} tok/s",
            total * 1e3 / batch as f64,
            batch as f64 / total,
            prefill * 1e3,
        );
        rows_json.push(json!({"batch": batch, "ms_per_study": total * 1e3 / batch as f64, "studies_per_s": batch as f64 / total,
            "prefill_ms": prefill * 1e3, "prompt_tokens_per_s": prompt_tps, "decode_tokens_per_s": decode_tps}));
    }
    let result = json!({
        "preprocess": {"studies": folders.len(), "size": args.size, "image_size": image_size,
            "studies_per_s": per_s, "checksum": checksum, "peer": peer_json},
        "model": {"config": model.config().name, "device": args.device, "max_new_tokens": args.max_new_tokens, "batches": rows_json},
    });
    if let Some(parent) = args.json_out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.json_out, serde_json::to_string_pretty(&result)?)?;
    println!("written to {}", args.json_out.display());
    Ok(())
}

/// The model and a prompt: the checkpoint's own tokenisation, or for random official weights
/// ids of the official prompt's length (the text does not matter to the timing).
fn load(args: &ModelBenchArgs) -> anyhow::Result<(MammoRg, PromptIds)> {
    if args.random_official {
        let device = match args.device.as_str() {
            "cpu" => Device::Cpu,
            other => Device::new_cuda(other.strip_prefix("cuda:").and_then(|n| n.parse().ok()).unwrap_or(0))?,
        };
        let dtype = if device.is_cpu() { DType::F32 } else { DType::BF16 };
        let model = MammoRg::new_random(&MammoRgConfig::official(), 1, false, dtype, &device)?;
        let prompt = PromptIds { before: (1..=40).collect(), after: (41..=52).collect() };
        return Ok((model, prompt));
    }
    let dir = args.model_dir.clone().unwrap_or_else(mammoflow_inference::demo_checkpoint_dir);
    let loaded = mammoflow_inference::load_model(&dir, None, &args.device)?;
    let prompt = loaded.checkpoint.tokenizer.encode_prompt(&mammorg::tokenizer::vicuna_prompt())?;
    Ok((loaded.checkpoint.model, prompt))
}

#[derive(Debug)]
struct Run {
    total: Duration,
    prefill: Duration,
    decode: Duration,
    tokens: usize,
    prompt_tokens: usize,
}

/// One batch end to end: encoder, stage-1 heads, projectors, prompt, greedy decoding.
fn measure(model: &MammoRg, prompt: &PromptIds, views: &Tensor, cfg: &GenerationConfig) -> anyhow::Result<Run> {
    let t0 = Instant::now();
    let features = model.encode(views)?;
    model.stage1(&features)?;
    let embeds = model.prompt_embeddings(prompt, &model.visual_embeddings(&features)?)?;
    let (ids, prefill, decode) = model.greedy_decode_timed(&embeds, cfg)?;
    let total = t0.elapsed();
    Ok(Run { total, prefill, decode, tokens: ids.iter().map(Vec::len).sum(), prompt_tokens: embeds.dim(0)? * embeds.dim(1)? })
}

/// Runs `deploy/bench/preprocess_peer.py`; `(seconds, checksum)`.
fn python_peer(python: &Path, size: usize, folders: &[PathBuf]) -> anyhow::Result<(f64, f64)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/bench/preprocess_peer.py");
    let out = Command::new(python).arg(&script).arg(size.to_string()).args(folders).output()
        .with_context(|| format!("running {}", python.display()))?;
    anyhow::ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("failed"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    Ok((v["seconds"].as_f64().unwrap_or(f64::NAN), v["checksum"].as_f64().unwrap_or(f64::NAN)))
}
