//! Seeded percentile bootstrap, so that an audit page shows the same interval on every render
//! and on every machine (ChaCha8 is platform-independent).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::stats::percentile;

/// Resampling settings. Defaults: 1,000 resamples, seed 42 (as mammorgtool's CE metrics), 95%.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bootstrap {
    pub resamples: usize,
    pub seed: u64,
    /// Two-sided coverage, e.g. 0.95.
    pub level: f64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap { resamples: 1000, seed: 42, level: 0.95 }
    }
}

/// A point estimate with its bootstrap interval; every field `None` when undefined.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

impl Bootstrap {
    /// Estimates each statistic in `stats` on the `n` items and on shared resamples of their
    /// indices (one index draw per resample, used by every statistic, so intervals are paired).
    /// Resamples where a statistic is undefined are dropped from that statistic's interval.
    pub fn estimate_all<const K: usize>(&self, n: usize, stats: impl Fn(&[usize]) -> [Option<f64>; K]) -> [Estimate; K] {
        let mut out = [Estimate::default(); K];
        if n == 0 {
            return out;
        }
        let all: Vec<usize> = (0..n).collect();
        let point = stats(&all);
        let mut reps: [Vec<f64>; K] = std::array::from_fn(|_| Vec::with_capacity(self.resamples));
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut idx = vec![0usize; n];
        for _ in 0..self.resamples {
            for slot in idx.iter_mut() {
                *slot = rng.random_range(0..n);
            }
            for (rep, v) in reps.iter_mut().zip(stats(&idx)) {
                rep.extend(v.filter(|v| v.is_finite()));
            }
        }
        let tail = 100.0 * (1.0 - self.level.clamp(0.0, 1.0)) / 2.0;
        for ((est, rep), value) in out.iter_mut().zip(reps.iter_mut()).zip(point) {
            rep.sort_by(f64::total_cmp);
            *est = Estimate {
                value: value.filter(|v| v.is_finite()),
                ci_low: percentile(rep, tail),
                ci_high: percentile(rep, 100.0 - tail),
            };
        }
        out
    }
}
