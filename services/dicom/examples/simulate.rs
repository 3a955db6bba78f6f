//! Writes synthetic studies and reports how long generation and writing took.
//!
//! `cargo run -p mammoflow-dicom --example simulate -- OUT_DIR [STUDIES] [SEED] [ROWSxCOLS] [--enrich]`

use mammoflow_dicom::synth::{generate_study, write_study, SimulationOptions};
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = std::path::PathBuf::from(args.first().ok_or("usage: simulate OUT_DIR [STUDIES] [SEED] [ROWSxCOLS] [--enrich]")?);
    let mut opts = SimulationOptions {
        studies: args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(20),
        seed: args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(1),
        enrich_abnormal: args.iter().any(|a| a == "--enrich"),
        ..SimulationOptions::default()
    };
    if let Some((r, c)) = args.get(3).and_then(|s| s.split_once('x')) {
        opts.rows = r.parse()?;
        opts.cols = c.parse()?;
    }
    opts.validate()?;
    let (mut generate, mut write) = (Duration::ZERO, Duration::ZERO);
    for index in 0..opts.studies as u64 {
        let t = Instant::now();
        let study = generate_study(&opts, index);
        generate += t.elapsed();
        let t = Instant::now();
        write_study(&study, &out)?;
        write += t.elapsed();
    }
    let n = opts.studies.max(1) as f64;
    println!(
        "{} studies of {}x{}: generate {:.1} ms/study, write {:.1} ms/study",
        opts.studies, opts.rows, opts.cols,
        generate.as_secs_f64() * 1e3 / n, write.as_secs_f64() * 1e3 / n
    );
    Ok(())
}
