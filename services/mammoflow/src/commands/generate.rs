use anyhow::Context;
use clap::Args;
use mammoflow_inference::{load_model, run_batch, stage1, study_view_paths, StudyPaths};
use mammorg::GenerationConfig;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// Study folders, each holding the study's DICOM files (four standard views).
    #[arg(required = true)]
    pub studies: Vec<PathBuf>,
    /// Checkpoint folder; unset: the shipped demo checkpoint.
    #[arg(long = "model")]
    pub model_dir: Option<PathBuf>,
    /// `cpu`, `cuda` or `cuda:N`.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Studies decoded together.
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    #[arg(long, default_value_t = 512)]
    pub max_new_tokens: usize,
    /// One JSON line per study: text, stage-1 probabilities, timings, model.
    #[arg(long)]
    pub json: bool,
}

/// Prints each study's report; a study that fails is reported and the others still run. Fails
/// (exit status 1) when any study failed.
pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let dir = args.model_dir.clone().unwrap_or_else(mammoflow_inference::demo_checkpoint_dir);
    let model = load_model(&dir, None, &args.device).with_context(|| format!("loading {}", dir.display()))?;
    let cfg = GenerationConfig { max_new_tokens: args.max_new_tokens.max(1), use_kv_cache: true };
    let mut failed = 0usize;
    let mut ready: Vec<(PathBuf, StudyPaths)> = Vec::new();
    for study in &args.studies {
        match study_view_paths(study) {
            Ok(paths) => ready.push((study.clone(), paths)),
            Err(reason) => {
                failed += 1;
                print_failure(&args, study, &reason);
            }
        }
    }
    for chunk in ready.chunks(args.batch.max(1)) {
        let batch: Vec<(StudyPaths, Duration)> = chunk.iter().map(|(_, p)| (p.clone(), Duration::ZERO)).collect();
        for ((study, _), result) in chunk.iter().zip(run_batch(&model.checkpoint, &cfg, &batch)) {
            match result {
                Ok(out) if args.json => {
                    let line = serde_json::json!({
                        "study": study.display().to_string(),
                        "model": model.reference,
                        "text": out.text,
                        "generated_tokens": out.generated_tokens,
                        "stage1": stage1::to_event(&out.stage1),
                        "timings": out.timings,
                    });
                    println!("{line}");
                }
                Ok(out) => println!("== {}\n{}\n", study.display(), out.text),
                Err(failure) => {
                    failed += 1;
                    print_failure(&args, study, &failure.to_string());
                }
            }
        }
    }
    anyhow::ensure!(failed == 0, "{failed} of {} studies got no report", args.studies.len());
    Ok(())
}

fn print_failure(args: &GenerateArgs, study: &std::path::Path, reason: &str) {
    if args.json {
        println!("{}", serde_json::json!({"study": study.display().to_string(), "error": reason}));
    } else {
        eprintln!("== {}: no report: {reason}", study.display());
    }
}
