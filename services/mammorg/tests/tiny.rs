//! The tiny configuration end to end: shapes, checkpoint round trip, KV-cache decoding, LoRA
//! merging.

mod common;

use candle_core::{DType, Device, Tensor};
use common::{max_abs_diff, tiny_config, tiny_tokenizer, views};
use mammorg::config::LoraConfig;
use mammorg::tokenizer::vicuna_prompt;
use mammorg::{checkpoint, GenerationConfig, MammoRg, ModelCard};

fn prompt_logits(model: &MammoRg, tok: &mammorg::TermTokenizer, views: &Tensor) -> Tensor {
    let prompt = tok.encode_prompt(&vicuna_prompt()).expect("prompt");
    let f = model.encode(views).expect("encode");
    let embeds = model.prompt_embeddings(&prompt, &model.visual_embeddings(&f).expect("visual")).expect("embeds");
    let hidden = model.llm().forward_embeds(&embeds, None, None).expect("forward");
    model.llm().logits(&hidden).expect("logits")
}

#[test]
fn tiny_forward_shapes() {
    let cfg = tiny_config();
    let model = MammoRg::new_random(&cfg, 1, false, DType::F32, &Device::Cpu).expect("model");
    let v = views(2, cfg.image_size, 3);
    let f = model.encode(&v).expect("encode");
    let (l, d) = (cfg.tokens_per_view(), cfg.vision_hidden());
    assert_eq!(f.patches.dims(), &[2, 4, l, d]);
    assert_eq!(f.graph_tokens.dims(), &[2, 4, d]);
    assert_eq!(f.report_token.dims(), &[2, d]);
    let (g, r) = model.stage1(&f).expect("stage1");
    for logits in [&g, &r] {
        assert_eq!(logits.left_density.dims(), &[2, 4]);
        assert_eq!(logits.right_birads.dims(), &[2, 9]);
        assert_eq!(logits.left_status.dims(), &[2, 10]);
        assert_eq!(logits.located_at.dims(), &[2, 10, 18]);
        assert_eq!(logits.suggestive_of.dims(), &[2, 10, 10]);
        assert_eq!(logits.modified_by.dims(), &[2, 10, 28]);
    }
    let visual = model.visual_embeddings(&f).expect("visual");
    assert_eq!(visual.dims(), &[2, cfg.visual_sequence_len(), cfg.llm.hidden_size]);
    // Splice order: the first visual embedding is the projected RCC graph token.
    let tok = tiny_tokenizer();
    let prompt = tok.encode_prompt(&vicuna_prompt()).expect("prompt");
    let embeds = model.prompt_embeddings(&prompt, &visual).expect("embeds");
    let t = prompt.before.len() + cfg.visual_sequence_len() + prompt.after.len();
    assert_eq!(embeds.dims(), &[2, t, cfg.llm.hidden_size]);
    let spliced = embeds.narrow(1, prompt.before.len(), cfg.visual_sequence_len()).expect("narrow");
    assert_eq!(max_abs_diff(&spliced, &visual), 0.0);
    let logits = prompt_logits(&model, &tok, &v);
    assert_eq!(logits.dims(), &[2, t, cfg.llm.vocab_size]);
}

#[test]
fn checkpoint_round_trip_gives_identical_logits() {
    let cfg = tiny_config();
    let tok = tiny_tokenizer();
    let model = MammoRg::new_random(&cfg, 5, false, DType::F32, &Device::Cpu).expect("model");
    let dir = tempfile::tempdir().expect("dir");
    let card = ModelCard { name: "mammorg-tiny-test".into(), version: "0".into(), ..Default::default() };
    checkpoint::save(dir.path(), &model, &tok, &card).expect("save");
    for file in ["config.json", "model.safetensors", "tokenizer.json", "MODEL_CARD.md"] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    let loaded = checkpoint::load(dir.path(), false, DType::F32, &Device::Cpu).expect("load");
    assert_eq!(loaded.model.tensor_names(), model.tensor_names());
    assert!(loaded.model_card.contains("mammorg-tiny-test"));
    let v = views(1, cfg.image_size, 9);
    let a = prompt_logits(&model, &tok, &v);
    let b = prompt_logits(&loaded.model, &loaded.tokenizer, &v);
    assert_eq!(max_abs_diff(&a, &b), 0.0);
    // A different seed gives different weights, so the comparison above is not vacuous.
    let other = MammoRg::new_random(&cfg, 6, false, DType::F32, &Device::Cpu).expect("model");
    assert!(max_abs_diff(&a, &prompt_logits(&other, &tok, &v)) > 1e-3);
}

#[test]
fn greedy_decoding_with_cache_matches_recomputation() {
    let cfg = tiny_config();
    let tok = tiny_tokenizer();
    let model = MammoRg::new_random(&cfg, 11, false, DType::F32, &Device::Cpu).expect("model");
    let v = views(3, cfg.image_size, 4);
    let prompt = tok.encode_prompt(&vicuna_prompt()).expect("prompt");
    let gen = |use_kv_cache| {
        let g = GenerationConfig { max_new_tokens: 8, use_kv_cache };
        model.generate(&v, &tok, &prompt, &g).expect("generate")
    };
    let cached = gen(true);
    let plain = gen(false);
    assert_eq!(cached.reports.len(), 3);
    for (a, b) in cached.reports.iter().zip(&plain.reports) {
        assert_eq!(a.token_ids, b.token_ids);
        assert!(a.token_ids.len() <= 8);
        assert_eq!(a.stage1.density[0].len(), 4);
        assert!((a.stage1.birads[1].iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }
    // Batching does not change a study's output.
    let single = model.generate(&v.narrow(0, 1, 1).expect("n"), &tok, &prompt, &GenerationConfig { max_new_tokens: 8, use_kv_cache: true }).expect("g");
    assert_eq!(single.reports[0].token_ids, cached.reports[1].token_ids);
}

#[test]
fn merged_lora_matches_adapter_forward() {
    let mut cfg = tiny_config();
    cfg.lora = Some(LoraConfig { r: 4, alpha: 8.0 });
    let tok = tiny_tokenizer();
    let mut model = MammoRg::new_random(&cfg, 2, false, DType::F32, &Device::Cpu).expect("model");
    // B starts at zero (identity adapter); give it values so that merging matters.
    for (name, var) in model.varmap().data().lock().expect("lock").iter() {
        if name.contains("lora_B") {
            let noise = Tensor::randn(0f32, 0.05, var.shape(), &Device::Cpu).expect("noise");
            var.set(&noise).expect("set");
        }
    }
    let v = views(1, cfg.image_size, 8);
    let before = prompt_logits(&model, &tok, &v);
    assert!(model.tensor_names().iter().any(|n| n.ends_with("q_proj.lora_A.weight")));
    model.merge_lora().expect("merge");
    assert!(model.config().lora.is_none());
    assert!(!model.tensor_names().iter().any(|n| n.contains("lora_")));
    let after = prompt_logits(&model, &tok, &v);
    assert!(max_abs_diff(&before, &after) < 1e-3, "{}", max_abs_diff(&before, &after));
}
