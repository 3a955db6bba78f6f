//! Shared helpers of the integration tests.
#![allow(dead_code)]

use candle_core::{Device, Tensor};
use mammorg::{MammoRgConfig, TermTokenizer};
use rand::{Rng, SeedableRng};

/// Deterministic pseudo-images `[b, 4, 3, s, s]` in [-1, 1].
pub fn views(b: usize, size: usize, seed: u64) -> Tensor {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let n = b * 4 * 3 * size * size;
    let data: Vec<f32> = (0..n).map(|_| rng.random_range(-1.0f32..=1.0)).collect();
    Tensor::from_vec(data, (b, 4, 3, size, size), &Device::Cpu).expect("views")
}

pub fn tiny_tokenizer() -> TermTokenizer {
    TermTokenizer::build_english(600, &[], &[]).expect("tokenizer")
}

pub fn tiny_config() -> MammoRgConfig {
    let cfg = MammoRgConfig::tiny();
    assert!(tiny_tokenizer().vocab_size() <= cfg.llm.vocab_size);
    cfg
}

pub fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b).expect("sub").abs().expect("abs").flatten_all().expect("flat").max(0).expect("max").to_scalar::<f32>().expect("scalar")
}
