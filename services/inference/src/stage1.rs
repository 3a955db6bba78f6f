//! The model's stage-1 probabilities in the event contract's shape (keyed by code).

use mammoflow_events::{SideProbabilities, Stage1Probabilities};
use mammorg::terms::{BIRADS_CLASSES, DENSITY_CLASSES, FINDING_TYPES};
use std::collections::BTreeMap;

/// `[right, left]` vectors of the model become per-side maps keyed by density letter, BI-RADS
/// code and finding type name.
pub fn to_event(p: &mammorg::Stage1Probabilities) -> Stage1Probabilities {
    let side = |i: usize| SideProbabilities {
        density: keyed(DENSITY_CLASSES.iter().map(|d| d.code()), &p.density[i]),
        birads: keyed(BIRADS_CLASSES.iter().map(|b| b.code()), &p.birads[i]),
        findings: keyed(FINDING_TYPES.iter().map(|f| f.name()), &p.findings[i]),
    };
    Stage1Probabilities { right: side(0), left: side(1) }
}

fn keyed<'a>(codes: impl Iterator<Item = &'a str>, values: &[f32]) -> BTreeMap<String, f32> {
    // Rounded to 4 decimals: enough for triage thresholds and audits, and stable in JSON.
    codes.zip(values).map(|(c, p)| (c.to_owned(), (p * 1e4).round() / 1e4)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_head_order() {
        let p = mammorg::Stage1Probabilities {
            density: [vec![0.1, 0.2, 0.3, 0.4], vec![0.4, 0.3, 0.2, 0.1]],
            birads: [vec![0.0; 9], { let mut v = vec![0.0; 9]; v[8] = 1.0; v }],
            findings: [vec![0.5; 10], vec![0.25; 10]],
        };
        let e = to_event(&p);
        assert_eq!(e.right.density.get("d"), Some(&0.4));
        assert_eq!(e.left.density.get("a"), Some(&0.4));
        assert_eq!(e.left.birads.get(BIRADS_CLASSES[8].code()), Some(&1.0));
        assert_eq!(e.right.findings.len(), 10);
        assert_eq!(e.left.findings.get("mass"), Some(&0.25));
    }
}
