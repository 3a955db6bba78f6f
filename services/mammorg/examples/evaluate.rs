//! Evaluates a checkpoint on simulated studies it never saw: generates the reports, parses them
//! and the reference reports with mammorgtool (the MammoRGTool protocol) and prints the CE
//! metrics, plus per-breast agreement of the text and of the stage-1 heads with `truth.json`.
//!
//! ```text
//! cargo run -p mammorg --features eval --example evaluate -- --model services/mammorg/demo-checkpoint \
//!     --data /tmp/mammorg-eval --studies 100 --generator-seed 2 [--show 3] [--batch 8] [--max-new-tokens 400]
//! ```

mod common;

use candle_core::{DType, Device};
use common::{simulated_studies, AnyResult, Args};
use mammoflow_dicom::synth::StudyTruth;
use mammoflow_domain::Laterality;
use mammorg::data::view_paths;
use mammorg::{checkpoint, generate_for_studies, GenerationConfig};
use mammorgtool::metrics::{evaluate, EvalItem};
use mammorgtool::schema::to_mammorg;
use std::path::PathBuf;

fn main() -> AnyResult<()> {
    let args = Args::from_env();
    let model_dir = PathBuf::from(args.get("model", "services/mammorg/demo-checkpoint"));
    let data = PathBuf::from(args.get("data", "/tmp/mammorg-eval"));
    let show: usize = args.parse("show", "3")?;
    let batch: usize = args.parse("batch", "8")?;
    let gen = GenerationConfig { max_new_tokens: args.parse("max-new-tokens", "400")?, use_kv_cache: true };
    let folders = simulated_studies(&data, args.parse("studies", "100")?, args.parse("generator-seed", "2")?)?;
    let ckpt = checkpoint::load(&model_dir, false, DType::F32, &Device::Cpu)?;
    let t0 = std::time::Instant::now();
    let mut outputs = Vec::new();
    for chunk in folders.chunks(batch.max(1)) {
        let paths: Vec<[PathBuf; 4]> = chunk.iter().map(|f| view_paths(f)).collect();
        let (out, _) = generate_for_studies(&ckpt, &paths, &gen)?;
        outputs.extend(out.reports);
    }
    let secs = t0.elapsed().as_secs_f32();
    let (mut preds, mut refs) = (Vec::new(), Vec::new());
    let (mut text_b, mut text_d, mut head_b, mut head_d, mut sides) = (0, 0, 0, 0, 0);
    for (i, (folder, out)) in folders.iter().zip(&outputs).enumerate() {
        let truth: StudyTruth = serde_json::from_str(&std::fs::read_to_string(folder.join("truth.json"))?)?;
        let reference = std::fs::read_to_string(folder.join("report.txt"))?;
        let parsed = mammorgtool::parse(&out.text).report;
        for (s, side) in [Laterality::Right, Laterality::Left].into_iter().enumerate() {
            let (tb, td) = (truth.report.birads.for_side(side), truth.report.density.for_side(side));
            sides += 1;
            text_b += usize::from(tb.is_some() && parsed.birads.for_side(side) == tb);
            text_d += usize::from(td.is_some() && parsed.density.for_side(side) == td);
            head_b += usize::from(tb == Some(out.stage1.birads()[s]));
            head_d += usize::from(td == Some(out.stage1.density()[s]));
        }
        if i < show {
            let code = |l| truth.report.birads.for_side(l).map_or("-", |b: mammoflow_domain::BiRads| b.code());
            println!("--- {} (truth: right BI-RADS {}, left BI-RADS {}, density {:?})", folder.display(), code(Laterality::Right), code(Laterality::Left), truth.report.density.overall);
            println!("{}\n", out.text);
        }
        let id = serde_json::Value::from(i);
        preds.push(EvalItem { id: id.clone(), text: Some(out.text.clone()), structured: to_mammorg(&parsed, id.clone(), &out.text) });
        let parsed_ref = mammorgtool::parse(&reference).report;
        refs.push(EvalItem { id: id.clone(), text: Some(reference.clone()), structured: to_mammorg(&parsed_ref, id, &reference) });
    }
    let n = folders.len();
    println!("{n} studies, generation {:.2} studies/s (batch {batch}, max {} new tokens)", n as f32 / secs, gen.max_new_tokens);
    let pct = |c: usize| 100.0 * c as f32 / sides.max(1) as f32;
    println!("per-breast agreement with truth.json: text BI-RADS {:.1}%, text density {:.1}%, stage-1 BI-RADS {:.1}%, stage-1 density {:.1}%", pct(text_b), pct(text_d), pct(head_b), pct(head_d));
    let report = evaluate(&preds, &refs)?;
    let f = |m: mammorgtool::metrics::Metric| m.value.map_or("n/a".to_string(), |v| format!("{v:.3} [{:.3}, {:.3}]", m.ci_low.unwrap_or(f64::NAN), m.ci_high.unwrap_or(f64::NAN)));
    println!("MammoRGTool CE (ce-v2026-04), generated vs reference report:");
    println!("  BI-RADS F1 {}\n  density F1 {}\n  finding F1 {}\n  relation F1 {}", f(report.birads_f1), f(report.density_f1), f(report.finding_f1), f(report.relation_f1));
    if let (Some(b1), Some(b4), Some(r)) = (report.bleu1, report.bleu4, report.rouge_l) {
        println!("  BLEU-1 {}  BLEU-4 {}  ROUGE-L {}", f(b1), f(b4), f(r));
    }
    Ok(())
}
