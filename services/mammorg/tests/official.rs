//! The official configuration with random weights at reduced depth (1 decoder layer, 512-token
//! vocabulary): every module's tensor names and shapes, and a forward pass of one study.

mod common;

use candle_core::{DType, Device};
use common::views;
use mammorg::{MammoRg, MammoRgConfig};

fn reduced_official() -> MammoRgConfig {
    let mut cfg = MammoRgConfig::official();
    cfg.llm.num_hidden_layers = 1;
    cfg.llm.vocab_size = 512;
    cfg.retrieval.database_size = 64;
    cfg
}

fn shape_of(model: &MammoRg, name: &str) -> Vec<usize> {
    let vars = model.varmap().data().lock().expect("lock");
    vars.get(name).unwrap_or_else(|| panic!("missing {name}")).dims().to_vec()
}

#[test]
fn official_modules_have_official_names_shapes_and_outputs() {
    let cfg = reduced_official();
    let model = MammoRg::new_random(&cfg, 0, false, DType::F32, &Device::Cpu).expect("model");
    let expect = [
        ("module.image_encoder._conv_stem.weight", vec![48, 3, 3, 3]),
        ("module.image_encoder._blocks.0._depthwise_conv.weight", vec![48, 1, 3, 3]),
        ("module.image_encoder._blocks.38._project_conv.weight", vec![512, 3072, 1, 1]),
        ("module.image_encoder._blocks.38._se_reduce.weight", vec![128, 3072, 1, 1]),
        ("module.image_encoder._blocks.36._se_reduce.weight", vec![76, 1824, 1, 1]),
        ("module.image_encoder._conv_head.weight", vec![2048, 512, 1, 1]),
        ("module.image_encoder._bn1.running_var", vec![2048]),
        ("model.graph_model.model.in_conv.weight", vec![3, 768, 2048]),
        ("model.graph_model.model.in_conv.root", vec![768, 2048]),
        ("model.graph_model.model.convs.3.weight", vec![3, 2048, 2048]),
        ("model.graph_model.model.norms.3.bias", vec![2048]),
        ("model.graph_model.model.out_norm.weight", vec![2048]),
        ("model.cross_module.img2graph.q_proj.weight", vec![2048, 2048]),
        ("model.cross_module.img2graph.out_proj.bias", vec![2048]),
        ("model.cross_module.post_norm.weight", vec![2048]),
        ("model.patient_rag.adapter1.weight", vec![768, 8192]),
        ("model.patient_rag.adapter2.weight", vec![2048, 768]),
        ("model.patient_rag.norm.bias", vec![2048]),
        ("model.probing.probing1.left_density_classifier.weight", vec![4, 4096]),
        ("model.probing.probing1.right_birads_classifier.weight", vec![9, 4096]),
        ("model.probing.probing1.left_status_classifier.weight", vec![10, 4096]),
        ("model.probing.probing1.located_at_classifier.weight", vec![180, 8192]),
        ("model.probing.probing1.suggestive_of_classifier.weight", vec![100, 8192]),
        ("model.probing.probing1.modified_by_classifier.weight", vec![280, 8192]),
        ("model.probing.probing2.modified_by_classifier.weight", vec![280, 2048]),
        ("model.probing.probing2.right_density_classifier.weight", vec![4, 2048]),
        ("model.mm_projector1.projector1.0.weight", vec![4096, 2048]),
        ("model.mm_projector1.projector1.2.weight", vec![4096, 4096]),
        ("model.mm_projector1.projector2.0.bias", vec![4096]),
        ("model.mm_projector2.projector1.2.weight", vec![4096, 4096]),
        ("model.embed_tokens.weight", vec![512, 4096]),
        ("model.layers.0.self_attn.q_proj.weight", vec![4096, 4096]),
        ("model.layers.0.self_attn.q_proj.lora_A.weight", vec![64, 4096]),
        ("model.layers.0.self_attn.q_proj.lora_B.weight", vec![4096, 64]),
        ("model.layers.0.mlp.gate_proj.weight", vec![11008, 4096]),
        ("model.layers.0.mlp.down_proj.lora_A.weight", vec![64, 11008]),
        ("model.layers.0.input_layernorm.weight", vec![4096]),
        ("model.norm.weight", vec![4096]),
        ("lm_head.weight", vec![512, 4096]),
    ];
    for (name, shape) in &expect {
        assert_eq!(&shape_of(&model, name), shape, "{name}");
    }
    let names = model.tensor_names();
    let blocks = names.iter().filter(|n| n.ends_with("_depthwise_conv.weight")).count();
    assert_eq!(blocks, 39);
    // Blocks 0-2 have expand ratio 1: no expansion conv.
    assert!(!names.iter().any(|n| n.starts_with("module.image_encoder._blocks.2._expand_conv")));
    assert!(names.iter().any(|n| n.starts_with("module.image_encoder._blocks.3._expand_conv")));

    // One study through the image side: 256 tokens x 2048 per view, 1029 visual embeddings.
    let v = views(1, 512, 7);
    let f = model.encode(&v).expect("encode");
    assert_eq!(f.patches.dims(), &[1, 4, 256, 2048]);
    assert_eq!(f.graph_tokens.dims(), &[1, 4, 2048]);
    assert_eq!(f.report_token.dims(), &[1, 2048]);
    let (g, r) = model.stage1(&f).expect("stage1");
    assert_eq!(g.located_at.dims(), &[1, 10, 18]);
    assert_eq!(r.right_birads.dims(), &[1, 9]);
    let visual = model.visual_embeddings(&f).expect("visual");
    assert_eq!(visual.dims(), &[1, 1029, 4096]);
    // The decoder on a short slice (a full 1,029-token prefill of a 4096-wide layer is a GPU job).
    let slice = visual.narrow(1, 0, 6).expect("slice");
    let hidden = model.llm().forward_embeds(&slice, None, None).expect("decoder");
    let logits = model.llm().logits(&hidden.narrow(1, 5, 1).expect("last")).expect("logits");
    assert_eq!(logits.dims(), &[1, 1, 512]);
    let finite = logits.flatten_all().expect("f").to_vec1::<f32>().expect("v").iter().all(|x| x.is_finite());
    assert!(finite);
}
