//! The training-step API on a fixed toy batch: losses go down.

mod common;

use candle_core::{DType, Device};
use common::{tiny_config, tiny_tokenizer, views};
use mammorg::terms::Relation;
use mammorg::tokenizer::vicuna_prompt;
use mammorg::train::{LesionMap, MarkedLesion};
use mammorg::{MammoRg, Stage1Labels, TrainPhase, Trainer};

fn toy_labels() -> Vec<Stage1Labels> {
    let mut a = Stage1Labels { density: [Some(1), Some(1)], birads: [Some(1), Some(4)], ..Default::default() };
    a.findings[1][1] = Some(true);
    a.findings[0][1] = Some(false);
    a.relations = vec![(Relation::LocatedAt, 1, 0), (Relation::SuggestiveOf, 1, 4), (Relation::ModifiedBy, 1, 7)];
    let mut b = Stage1Labels { density: [Some(3), None], birads: [Some(2), Some(2)], ..Default::default() };
    b.findings[0][0] = Some(true);
    b.relations = vec![(Relation::LocatedAt, 0, 7)];
    vec![a, b]
}

#[test]
fn stage1_loss_decreases() {
    let cfg = tiny_config();
    let model = MammoRg::new_random(&cfg, 21, true, DType::F32, &Device::Cpu).expect("model");
    let v = views(2, cfg.image_size, 1);
    let labels = toy_labels();
    let frozen = MammoRg::new_random(&cfg, 21, false, DType::F32, &Device::Cpu).expect("frozen");
    assert!(Trainer::new(&frozen, TrainPhase::Stage1, 1e-3).is_err());
    let mut trainer = Trainer::new(&model, TrainPhase::Stage1, 1e-3).expect("trainer");
    assert!(trainer.num_params() > 0);
    let losses: Vec<f32> = (0..6).map(|_| trainer.stage1_step(&model, &v, &labels).expect("step")).collect();
    assert!(losses[5] < 0.8 * losses[0], "{losses:?}");
}

#[test]
fn stage2_loss_decreases() {
    let cfg = tiny_config();
    let tok = tiny_tokenizer();
    let model = MammoRg::new_random(&cfg, 22, true, DType::F32, &Device::Cpu).expect("model");
    let v = views(2, cfg.image_size, 2);
    let prompt = tok.encode_prompt(&vicuna_prompt()).expect("prompt");
    let targets = vec![
        tok.encode_target("Findings: An irregular spiculated mass in the left upper outer quadrant. Impression: BI-RADS 5.").expect("t"),
        tok.encode_target("Findings: No suspicious findings. Impression: Negative. BI-RADS 1.").expect("t"),
    ];
    let mut trainer = Trainer::new(&model, TrainPhase::Stage2Finetune, 2e-3).expect("trainer");
    let losses: Vec<f32> = (0..6).map(|_| trainer.stage2_step(&model, &v, &prompt, &targets).expect("step")).collect();
    assert!(losses[5] < 0.8 * losses[0], "{losses:?}");
}

#[test]
fn phases_select_the_official_trainable_sets() {
    use TrainPhase::*;
    assert!(Stage1.includes("model.cross_module.img2graph.q_proj.weight", false));
    assert!(!Stage1.includes("model.patient_rag.report_db", false));
    assert!(!Stage1.includes("model.mm_projector1.projector1.0.weight", false));
    assert!(Stage2Alignment.includes("model.mm_projector2.projector1.2.bias", false));
    assert!(Stage2Finetune.includes("model.layers.0.mlp.up_proj.lora_A.weight", true));
    assert!(!Stage2Finetune.includes("model.layers.0.mlp.up_proj.weight", true));
    assert!(Stage2Finetune.includes("model.layers.0.mlp.up_proj.weight", false));
    assert!(!All.includes("module.image_encoder._bn0.running_var", false));
    assert!(All.includes("module.image_encoder._conv_stem.weight", false));
}

/// A from-scratch encoder trains with batch statistics and keeps running ones for inference; a
/// frozen one (every official stage) leaves its running statistics alone.
#[test]
fn encoder_batch_norms_track_statistics_only_when_the_encoder_trains() {
    let cfg = tiny_config();
    let running_mean = |model: &MammoRg| {
        let name = format!("{}._bn0.running_mean", mammorg::model::ENCODER_PREFIX);
        let vars = model.varmap().data().lock().expect("varmap");
        vars.get(&name).expect("stem running mean").as_tensor().to_vec1::<f32>().expect("values")
    };
    let v = views(2, cfg.image_size, 3);
    for (phase, moves) in [(TrainPhase::Stage1, false), (TrainPhase::All, true)] {
        let model = MammoRg::new_random(&cfg, 23, true, DType::F32, &Device::Cpu).expect("model");
        let before = running_mean(&model);
        let mut trainer = Trainer::new(&model, phase, 1e-3).expect("trainer");
        trainer.stage1_step(&model, &v, &toy_labels()).expect("step");
        let after = running_mean(&model);
        let moved = before.iter().zip(&after).any(|(a, b)| (a - b).abs() > 1e-6);
        assert_eq!(moved, moves, "{phase:?}: running mean before {before:?}, after {after:?}");
    }
}

/// Training the encoder adds the encoder probe's heads to the optimiser, but they are not part
/// of the model: the checkpoint keeps exactly the official tensor names.
#[test]
fn the_encoder_probe_trains_beside_the_model_and_is_never_saved() {
    let cfg = tiny_config();
    let model = MammoRg::new_random(&cfg, 29, true, DType::F32, &Device::Cpu).expect("model");
    let names_before = model.tensor_names();
    let v = views(2, cfg.image_size, 5);
    let mut trainer = Trainer::new(&model, TrainPhase::All, 1e-3).expect("trainer");
    let losses: Vec<f32> = (0..4).map(|_| trainer.stage1_step(&model, &v, &toy_labels()).expect("step")).collect();
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    assert!(losses[3] < losses[0], "the joint loss falls: {losses:?}");
    assert_eq!(model.tensor_names(), names_before);
    assert!(!model.tensor_names().iter().any(|n| n.contains("probe")));
}

/// Where the labels say where a lesion is, the probe's patch head joins the loss and learns it.
#[test]
fn the_patch_head_learns_where_the_lesions_are() {
    let cfg = tiny_config();
    let model = MammoRg::new_random(&cfg, 31, true, DType::F32, &Device::Cpu).expect("model");
    let v = views(2, cfg.image_size, 7);
    let mut labels = toy_labels();
    let mut map = LesionMap::default();
    map.views[2].push(MarkedLesion { finding: 1, descriptors: vec![7], area: [0.1, 0.2, 0.4, 0.5] });
    map.views[3].push(MarkedLesion { finding: 1, descriptors: vec![7], area: [0.5, 0.5, 0.9, 0.8] });
    labels[0].lesions = Some(map);
    let mut trainer = Trainer::new(&model, TrainPhase::All, 1e-2).expect("trainer");
    let lesion_loss = |trainer: &Trainer| -> f32 {
        let patches = model.encode(&v).expect("encode").patches;
        let loss = trainer.probe().expect("probe").lesion_loss(&patches, &labels).expect("loss").expect("a study has a map");
        loss.to_scalar::<f32>().expect("scalar")
    };
    let before = lesion_loss(&trainer);
    for _ in 0..16 {
        trainer.stage1_step(&model, &v, &labels).expect("step");
    }
    let after = lesion_loss(&trainer);
    assert!(after < 0.9 * before, "patch-head loss {before} -> {after}");
    let patches = model.encode(&v).expect("encode").patches;
    let refs: Vec<&Stage1Labels> = labels.iter().collect();
    let found = trainer.probe().expect("probe").lesion_detection(&patches, &refs).expect("detection").expect("a map");
    assert!(found.recall >= 0.5 && found.recall > found.false_positive_rate + 0.25, "{found}");
    let none = toy_labels();
    let patches = model.encode(&v).expect("encode").patches;
    assert!(trainer.probe().expect("probe").lesion_loss(&patches, &none).expect("loss").is_none(), "no maps, no loss");
}
