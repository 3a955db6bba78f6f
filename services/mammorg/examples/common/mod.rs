//! What the evaluation examples share: `--key value` arguments and a folder of simulated
//! studies (enriched mix, the evaluation size) made on first use.

use mammoflow_dicom::synth::{simulate, SimulationOptions};
use mammorg::data::study_folders;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// `--key value` pairs from the command line.
pub struct Args(HashMap<String, String>);

impl Args {
    pub fn from_env() -> Self {
        let args: Vec<String> = std::env::args().skip(1).collect();
        Args(args.chunks(2).filter_map(|p| Some((p.first()?.trim_start_matches("--").to_string(), p.get(1)?.clone()))).collect())
    }

    pub fn get(&self, key: &str, default: &str) -> String {
        self.0.get(key).cloned().unwrap_or_else(|| default.to_string())
    }

    pub fn parse<T: std::str::FromStr>(&self, key: &str, default: &str) -> AnyResult<T>
    where
        T::Err: std::error::Error + 'static,
    {
        Ok(self.get(key, default).parse()?)
    }
}

/// Rows and columns of the simulated evaluation studies (the training command's default too).
pub const EVAL_SIZE: (u16, u16) = (208, 160);

/// The first `n` study folders of `dir`, after simulating `n` studies there (generator `seed`)
/// when it holds none.
pub fn simulated_studies(dir: &Path, n: usize, seed: u64) -> AnyResult<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    if study_folders(dir)?.is_empty() {
        let opts = SimulationOptions { studies: n, seed, rows: EVAL_SIZE.0, cols: EVAL_SIZE.1, enrich_abnormal: true, ..Default::default() };
        simulate(&opts, dir)?;
    }
    Ok(study_folders(dir)?.into_iter().take(n).collect())
}
