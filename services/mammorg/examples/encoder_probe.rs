//! What a checkpoint's encoder has learned: fresh encoder-probe heads (the training-only heads of
//! `train::probe`, reading the channel maximum of a breast's patch tokens) fitted on the frozen
//! encoder's output for one run of simulated studies and measured on another, next to the
//! majority answer of the fitting run. A probe far above the majority while the report text
//! stays at it says the decoder does not use what the encoder sees; a probe at the majority says
//! the encoder does not see it. Where the studies mark their lesions (the simulator's do), the
//! probe's patch head is fitted too and its lesion detection reported.
//!
//! ```text
//! cargo run -p mammorg --example encoder_probe -- --model services/mammorg/demo-checkpoint \
//!     --fit /tmp/probe-fit --fit-studies 1000 --data /tmp/mammorg-eval --studies 500 --generator-seed 2 --steps 300
//! ```

mod common;

use candle_core::{DType, Device};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use common::{simulated_studies, AnyResult, Args};
use mammorg::config::HeadsConfig;
use mammorg::data::{self, StudyExample};
use mammorg::preprocess::PreprocessOptions;
use mammorg::train::{encode_all, stage1_accuracy, stage1_targets, EncoderProbe};
use mammorg::{checkpoint, Stage1Labels, Stage1Probabilities};
use std::path::PathBuf;

fn main() -> AnyResult<()> {
    let args = Args::from_env();
    let device = Device::Cpu;
    let ckpt = checkpoint::load(&PathBuf::from(args.get("model", "services/mammorg/demo-checkpoint")), false, DType::F32, &device)?;
    let model = &ckpt.model;
    let load = |dir: String, n: usize, seed: u64| -> AnyResult<Vec<StudyExample>> {
        let pre = PreprocessOptions::new(model.config().image_size);
        let folders = simulated_studies(&PathBuf::from(dir), n, seed)?;
        Ok(folders.iter().map(|f| data::load_study(f, &pre, &device)).collect::<Result<_, _>>()?)
    };
    let fit = load(args.get("fit", "/tmp/probe-fit"), args.parse("fit-studies", "1000")?, args.parse("fit-generator-seed", "1")?)?;
    let held_out = load(args.get("data", "/tmp/mammorg-eval"), args.parse("studies", "500")?, args.parse("generator-seed", "2")?)?;
    let t0 = std::time::Instant::now();
    let (fit_patches, held_out_patches) = (encode_all(model, &fit, 8)?.patches, encode_all(model, &held_out, 8)?.patches);
    println!("encoded {} + {} studies in {:.1} s", fit.len(), held_out.len(), t0.elapsed().as_secs_f32());

    let fit_labels: Vec<Stage1Labels> = fit.iter().map(|e| e.labels.clone()).collect();
    let fit_refs: Vec<&Stage1Labels> = fit_labels.iter().collect();
    let held_out_labels: Vec<&Stage1Labels> = held_out.iter().map(|e| &e.labels).collect();
    let majority = majority_answer(&fit_labels, &model.config().heads);
    println!("majority answer of the fitting run: {}", stage1_accuracy(&held_out_labels, &vec![majority; held_out.len()]));

    let targets = stage1_targets(&fit_labels, &model.config().heads, &device)?;
    let probe = EncoderProbe::new(model.config(), &device)?;
    let lr: f64 = args.parse("lr", "0.01")?;
    let mut optimizer = AdamW::new(probe.vars(), ParamsAdamW { lr, weight_decay: 0.0, ..Default::default() })?;
    let steps: usize = args.parse("steps", "300")?;
    for step in 1..=steps {
        let heads = probe.loss(&fit_patches, &targets)?.ok_or("the fitting run has no stage-1 labels")?;
        let loss = match probe.lesion_loss(&fit_patches, &fit_labels)? {
            Some(lesions) => ((heads + lesions)? / 2.0)?,
            None => heads,
        };
        optimizer.backward_step(&loss)?;
        if step % 50 == 0 || step == steps {
            println!(
                "step {step}: loss {:.4}; fitting run {}; held out {}",
                loss.to_scalar::<f32>()?,
                probe.accuracy(&fit_patches, &fit_refs)?,
                probe.accuracy(&held_out_patches, &held_out_labels)?
            );
            let fit_found = probe.lesion_detection(&fit_patches, &fit_refs)?;
            if let (Some(fit_found), Some(held_found)) = (fit_found, probe.lesion_detection(&held_out_patches, &held_out_labels)?) {
                println!("  patch head: fitting run {fit_found}; held out {held_found}");
            }
        }
    }
    Ok(())
}

/// The most frequent stated class of each head (and state of each finding) as probabilities.
fn majority_answer(labels: &[Stage1Labels], heads: &HeadsConfig) -> Stage1Probabilities {
    let one_hot = |counts: &[usize]| {
        let best = (0..counts.len()).max_by_key(|&i| counts[i]).unwrap_or(0);
        (0..counts.len()).map(|i| if i == best { 1.0 } else { 0.0 }).collect::<Vec<f32>>()
    };
    let classes = |pick: &dyn Fn(&Stage1Labels) -> Option<usize>, n: usize| {
        let mut counts = vec![0; n];
        labels.iter().filter_map(pick).for_each(|c| counts[c] += 1);
        one_hot(&counts)
    };
    let findings = |side: usize| {
        (0..heads.findings)
            .map(|f| {
                let present = labels.iter().filter(|l| l.findings[side][f] == Some(true)).count();
                let absent = labels.iter().filter(|l| l.findings[side][f] == Some(false)).count();
                if present > absent { 1.0 } else { 0.0 }
            })
            .collect::<Vec<f32>>()
    };
    Stage1Probabilities {
        density: [classes(&|l| l.density[0], heads.densities), classes(&|l| l.density[1], heads.densities)],
        birads: [classes(&|l| l.birads[0], heads.birads), classes(&|l| l.birads[1], heads.birads)],
        findings: [findings(0), findings(1)],
    }
}
