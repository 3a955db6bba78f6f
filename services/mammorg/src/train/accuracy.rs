//! Per-breast accuracy of stage-1 probabilities against the stated labels: the figures the
//! model card reports for the official heads and the training log for the encoder probe.

use super::Stage1Labels;
use crate::generate::Stage1Probabilities;

/// Density and BI-RADS by argmax, finding status by `p > 0.5`; NaN where nothing is stated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stage1Accuracy {
    pub density: f32,
    pub birads: f32,
    pub findings: f32,
}

impl std::fmt::Display for Stage1Accuracy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "density {:.3}, BI-RADS {:.3}, findings {:.3}", self.density, self.birads, self.findings)
    }
}

/// Accuracy over the breasts of `labels` (one probability set per study, same order).
pub fn stage1_accuracy(labels: &[&Stage1Labels], probs: &[Stage1Probabilities]) -> Stage1Accuracy {
    let argmax = |v: &[f32]| v.iter().enumerate().fold((0, f32::MIN), |b, (i, &x)| if x > b.1 { (i, x) } else { b }).0;
    let (mut dn, mut dc, mut bn, mut bc, mut fn_, mut fc) = (0, 0, 0, 0, 0, 0);
    for (l, p) in labels.iter().zip(probs) {
        for s in 0..2 {
            if let Some(d) = l.density[s] {
                dn += 1;
                dc += usize::from(argmax(&p.density[s]) == d);
            }
            if let Some(b) = l.birads[s] {
                bn += 1;
                bc += usize::from(argmax(&p.birads[s]) == b);
            }
            for (f, state) in l.findings[s].iter().enumerate() {
                if let Some(present) = state {
                    fn_ += 1;
                    fc += usize::from((p.findings[s][f] > 0.5) == *present);
                }
            }
        }
    }
    let ratio = |c: usize, n: usize| if n == 0 { f32::NAN } else { c as f32 / n as f32 };
    Stage1Accuracy { density: ratio(dc, dn), birads: ratio(bc, bn), findings: ratio(fc, fn_) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probs(density: usize, birads: usize, finding0: f32) -> Stage1Probabilities {
        let hot = |n: usize, i: usize| (0..n).map(|k| if k == i { 0.9 } else { 0.1 / (n - 1) as f32 }).collect::<Vec<f32>>();
        let mut findings = vec![0.1; 10];
        findings[0] = finding0;
        Stage1Probabilities { density: [hot(4, density), hot(4, density)], birads: [hot(9, birads), hot(9, birads)], findings: [findings.clone(), findings] }
    }

    #[test]
    fn counts_only_what_the_labels_state() {
        let mut stated = Stage1Labels { density: [Some(2), Some(1)], birads: [Some(4), None], ..Default::default() };
        stated.findings[0][0] = Some(true);
        stated.findings[1][0] = Some(false);
        let silent = Stage1Labels::default();
        let acc = stage1_accuracy(&[&stated, &silent], &[probs(2, 4, 0.8), probs(0, 0, 0.9)]);
        // Density: right right, left wrong; BI-RADS: the one stated breast right; findings: the
        // right breast's finding is present (0.8 > 0.5), the left one's is stated absent but read present.
        assert_eq!(acc, Stage1Accuracy { density: 0.5, birads: 1.0, findings: 0.5 });
        assert!(stage1_accuracy(&[&silent], &[probs(0, 0, 0.1)]).birads.is_nan());
    }
}
