//! The data loader, the three-stage training run and inference on simulated DICOM studies.

use candle_core::{DType, Device};
use mammoflow_dicom::synth::{simulate, SimulationOptions};
use mammoflow_domain::FindingStatus;
use mammorg::checkpoint;
use mammorg::data::{labels_from_report, load_dir, report_database, view_paths};
use mammorg::terms::{Relation, FINDING_TYPES};
use mammorg::{generate_for_study, train, GenerationConfig, TermTokenizer, TrainOptions};

fn simulated(n: usize, seed: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    let opts = SimulationOptions { studies: n, seed, rows: 160, cols: 128, enrich_abnormal: true, ..SimulationOptions::default() };
    simulate(&opts, dir.path()).expect("simulate");
    dir
}

#[test]
fn labels_follow_the_truth() {
    let dir = simulated(12, 3);
    let set = load_dir(dir.path(), &mammorg::preprocess::PreprocessOptions::new(32), &Device::Cpu).expect("load");
    assert_eq!(set.len(), 12);
    let mut positives = 0;
    let mut marked_any = false;
    for e in &set {
        assert_eq!(e.planes.dims(), [4, 32, 32]);
        let l = labels_from_report(&e.truth);
        assert!(l.density.iter().all(Option::is_some));
        for f in &e.truth.findings {
            let Some(fi) = FINDING_TYPES.iter().position(|t| *t == f.finding_type) else { continue };
            let s = if f.side == Some(mammoflow_domain::Side::Left) { 1 } else { 0 };
            if f.status == FindingStatus::Positive {
                positives += 1;
                assert_eq!(l.findings[s][fi], Some(true));
                assert!(l.relations.iter().any(|r| r.0 == Relation::LocatedAt && r.1 == fi));
                // Simulated studies say where their lesions are: on the finding's side, each view
                // has it marked inside the input, or says it is not marked there.
                let map = e.labels.lesions.as_ref().expect("simulated studies have a lesion map");
                for v in [2 * s, 2 * s + 1] {
                    let marked: Vec<_> = map.views[v].iter().filter(|m| m.finding == fi).collect();
                    assert!(!marked.is_empty() || map.unmarked[v][fi], "view {v}: finding {fi} neither marked nor unmarked");
                    for m in marked {
                        let [x0, y0, x1, y1] = m.area;
                        assert!(0.0 <= x0 && x0 < x1 && x1 <= 1.0 && 0.0 <= y0 && y0 < y1 && y1 <= 1.0, "{:?}", m.area);
                    }
                }
                marked_any |= map.views.iter().flatten().any(|m| m.finding == fi);
            }
        }
    }
    assert!(positives > 0, "the enriched mix has findings");
    assert!(marked_any, "some finding is marked on its views");
    let tok = TermTokenizer::build_english(600, &[], &[]).expect("tok");
    let reports: Vec<&str> = set.iter().map(|e| e.report.as_str()).chain([set[0].report.as_str()]).collect();
    let db = report_database(&tok, &reports, 16, &Device::Cpu).expect("db");
    assert_eq!(db.dims(), [12, 16], "duplicates are dropped");
}

/// The lesion marks land on the lesions in the model input, through DICOM writing and reading,
/// the VOI window, the breast crop, the mirroring of left views and the resize: per view, the
/// input is brighter inside the marked areas (lesions add density) than in a ring around them.
#[test]
fn lesion_marks_sit_on_the_lesions_in_the_model_input() {
    let dir = tempfile::tempdir().expect("dir");
    let opts = SimulationOptions { studies: 24, seed: 5, rows: 208, cols: 160, enrich_abnormal: true, ..SimulationOptions::default() };
    simulate(&opts, dir.path()).expect("simulate");
    let s = 128;
    let set = load_dir(dir.path(), &mammorg::preprocess::PreprocessOptions::new(s), &Device::Cpu).expect("load");
    let mut contrast = [(0f32, 0usize); 4];
    for e in &set {
        let planes = e.planes.flatten_all().and_then(|p| p.to_vec1::<f32>()).expect("planes");
        let map = e.labels.lesions.as_ref().expect("map");
        for (v, marks) in map.views.iter().enumerate() {
            for m in marks {
                let [x0, y0, x1, y1] = m.area.map(|c| c * s as f32);
                let (cx, cy, r) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0, ((x1 - x0).max(y1 - y0) / 2.0).max(1.0));
                let (mut inside, mut ring) = (Vec::new(), Vec::new());
                for (i, value) in planes[v * s * s..(v + 1) * s * s].iter().enumerate() {
                    let d = ((i % s) as f32 + 0.5 - cx).hypot((i / s) as f32 + 0.5 - cy);
                    if d < 0.6 * r {
                        inside.push(*value);
                    } else if (1.5 * r..2.5 * r).contains(&d) {
                        ring.push(*value);
                    }
                }
                let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len().max(1) as f32;
                if !inside.is_empty() {
                    contrast[v].0 += mean(&inside) - mean(&ring);
                    contrast[v].1 += 1;
                }
            }
        }
    }
    for (v, (sum, n)) in contrast.iter().enumerate() {
        assert!(*n >= 3, "view {v}: only {n} marks");
        let mean = sum / *n as f32;
        assert!(mean > 0.15, "view {v}: marked areas are only {mean:.3} brighter than around them");
    }
}

#[test]
fn a_short_training_run_writes_a_loadable_checkpoint_that_generates() {
    let data = simulated(6, 1);
    let out = tempfile::tempdir().expect("out");
    let mut opts = TrainOptions::tiny(data.path().to_path_buf(), out.path().join("ckpt"), 7);
    (opts.stage1_epochs, opts.align_epochs, opts.finetune_epochs) = (1, 1, 1);
    opts.batch_size = 2;
    opts.val_studies = 2;
    opts.base_vocab = 500;
    let summary = train(&opts).expect("train");
    assert_eq!((summary.train_studies, summary.val_studies), (4, 2));
    assert_eq!(summary.epochs.len(), 3);
    assert!(summary.epochs.iter().all(|e| e.mean_loss.is_finite() && e.studies_per_s > 0.0));
    assert!(summary.val_metrics.iter().all(|(_, v)| v.is_finite()));
    let ckpt = checkpoint::load(&opts.out_dir, false, DType::F32, &Device::Cpu).expect("load");
    assert!(ckpt.model_card.contains("generator seed 1") && ckpt.model_card.contains("Not for clinical use"));
    let study = data.path().join("study-00005");
    let out = generate_for_study(&ckpt, &view_paths(&study), &GenerationConfig { max_new_tokens: 8, use_kv_cache: true }).expect("gen");
    assert!(out.stage1.birads[0].len() == 9 && out.stage1.density[1].len() == 4);
    let total: f32 = out.stage1.birads[0].iter().sum();
    assert!((total - 1.0).abs() < 1e-4);
}
