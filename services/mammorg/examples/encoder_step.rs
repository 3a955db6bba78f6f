//! Times one encoder training step of the `tiny` configuration (forward with batch statistics,
//! backward, AdamW update) on random views: the cost that bounds how long the from-scratch
//! encoder can train on a CPU.
//! `cargo run -p mammorg --example encoder_step -- [BATCH] [STEPS] [SIDE]` (SIDE: view size, 128).

use candle_core::{DType, Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarBuilder, VarMap};
use mammorg::config::MammoRgConfig;
use mammorg::efficientnet::EfficientNet;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let batch: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(8);
    let steps: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    let side: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(128);
    let cfg = MammoRgConfig::tiny_at(side);
    let device = Device::Cpu;
    let varmap = VarMap::new();
    let encoder = EfficientNet::new(
        &cfg.encoder,
        VarBuilder::from_varmap(&varmap, DType::F32, &device),
    )?;
    let mut opt = AdamW::new(
        varmap.all_vars(),
        ParamsAdamW {
            lr: 1e-3,
            ..Default::default()
        },
    )?;
    let views = Tensor::randn(
        0f32,
        1.,
        (batch * 4, 3, cfg.image_size, cfg.image_size),
        &device,
    )?;
    let (mut fwd, mut bwd) = (0f64, 0f64);
    for step in 0..=steps {
        let t0 = Instant::now();
        let tokens = encoder.forward_t(&views, true)?;
        let loss = tokens.sqr()?.mean_all()?;
        let t1 = Instant::now();
        opt.backward_step(&loss)?;
        let t2 = Instant::now();
        if step > 0 {
            fwd += (t1 - t0).as_secs_f64();
            bwd += (t2 - t1).as_secs_f64();
        }
    }
    let n = steps as f64;
    println!(
        "tiny encoder, {batch} studies ({} views of {} px) per step: forward {:.0} ms, backward + AdamW {:.0} ms, step {:.0} ms",
        batch * 4,
        cfg.image_size,
        fwd / n * 1e3,
        bwd / n * 1e3,
        (fwd + bwd) / n * 1e3
    );
    Ok(())
}
