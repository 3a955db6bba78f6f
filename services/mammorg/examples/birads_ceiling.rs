//! The best BI-RADS F1 any image model can reach on the simulator's studies: an oracle that
//! sees every lesion exactly as the generator drew it (type, status, descriptors, size in 5 mm
//! steps) and answers, per breast, the category the generator most often gave that lesion set
//! in a separate fitting run, or a category drawn with the frequencies the generator used for
//! it (macro-F1 rewards spreading guesses over classes no one can tell apart, so the draw can
//! score higher than the most frequent answer). What no image can tell apart caps the score: the
//! generator derives 0, 3, 4A, 4B, 4C and 5 from the lesion's descriptors and size, but a reader
//! who does not subdivide category 4 writes plain 4 for lesions of all three subcategories.
//! Density and findings are copied from the truth, so only the BI-RADS figure means anything.
//!
//! A second pair of oracles sees the lesions as the pixels of a `--rows`-high simulation show
//! them (the evaluation's 208 rows by default): the phantom draws every calcification speck at
//! least `MIN_SPECK_RADIUS_PX` in radius, so morphologies whose specks are all smaller than that at
//! this pixel pitch are drawn alike and the oracle sees one "small specks" morphology for them.
//! Everything else it still sees exactly, so this is still an upper bound for an image model.
//!
//! ```text
//! cargo run --release -p mammorg --features eval --example birads_ceiling -- \
//!     --fit /tmp/ceiling-fit --fit-studies 3000 --data /tmp/mammorg-eval --studies 500 --generator-seed 2 --rows 208
//! ```

mod common;

use common::{simulated_studies, AnyResult, Args, EVAL_SIZE};
use mammoflow_dicom::synth::{mm_per_pixel, speck_radius_mm, StudyTruth, MIN_SPECK_RADIUS_PX};
use mammoflow_domain::{BiRads, FindingType, Laterality, Side, StructuredReport};
use mammorgtool::metrics::{evaluate, EvalItem};
use mammorgtool::schema::to_mammorg;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn main() -> AnyResult<()> {
    let args = Args::from_env();
    let fit = truths(&PathBuf::from(args.get("fit", "/tmp/ceiling-fit")), args.parse("fit-studies", "3000")?, 1)?;
    let eval = truths(&PathBuf::from(args.get("data", "/tmp/mammorg-eval")), args.parse("studies", "500")?, args.parse("generator-seed", "2")?)?;

    let pitch = mm_per_pixel(args.parse("rows", &EVAL_SIZE.0.to_string())?);
    let refs: Vec<EvalItem> = eval
        .iter()
        .enumerate()
        .map(|(i, (_, reference))| {
            let id = serde_json::Value::from(i);
            EvalItem { id: id.clone(), text: None, structured: to_mammorg(&mammorgtool::parse(reference).report, id, reference) }
        })
        .collect();
    for (seen_as, view) in [("drawn", Sight::Exact), ("in the pixels", Sight::Pixels { mm_per_pixel: pitch })] {
        // Category counts per lesion set of one breast.
        let mut table: HashMap<String, HashMap<BiRads, usize>> = HashMap::new();
        for (t, _) in &fit {
            for side in [Laterality::Right, Laterality::Left] {
                if let Some(cat) = t.report.birads.for_side(side) {
                    *table.entry(lesion_key(&t.report, side, view)).or_default().entry(cat).or_default() += 1;
                }
            }
        }
        println!("lesions as {seen_as}: {} lesion sets in the fitting run", table.len());
        oracles(&table, &eval, &refs, view)?;
    }
    Ok(())
}

fn oracles(table: &HashMap<String, HashMap<BiRads, usize>>, eval: &[(StudyTruth, String)], refs: &[EvalItem], view: Sight) -> AnyResult<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for rule in [Rule::MostFrequent, Rule::Drawn] {
        let mut preds = Vec::new();
        for (i, (t, _)) in eval.iter().enumerate() {
            let mut guess = t.report.clone();
            let mut pick = |side| table.get(&lesion_key(&t.report, side, view)).map_or(BiRads::Negative, |counts| rule.pick(counts, &mut rng));
            guess.birads.right = Some(pick(Laterality::Right));
            guess.birads.left = Some(pick(Laterality::Left));
            guess.birads.overall = guess.birads.right.zip(guess.birads.left).map(|(r, l)| r.most_severe(l));
            let id = serde_json::Value::from(i);
            preds.push(EvalItem { id: id.clone(), text: None, structured: to_mammorg(&guess, id, "") });
        }
        let report = evaluate(&preds, refs)?;
        let show = |m: mammorgtool::metrics::Metric| m.value.map_or("n/a".to_string(), |v| format!("{v:.3} [{:.3}, {:.3}]", m.ci_low.unwrap_or(f64::NAN), m.ci_high.unwrap_or(f64::NAN)));
        println!("oracle ({rule:?}) on {} studies, reference = parsed reference reports:", eval.len());
        println!("  BI-RADS F1 {}", show(report.birads_f1));
        println!("  density F1 {}, finding F1 {} (copied from the truth: a check of the parser only)", show(report.density_f1), show(report.finding_f1));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum Rule {
    MostFrequent,
    Drawn,
}

impl Rule {
    fn pick(self, counts: &HashMap<BiRads, usize>, rng: &mut ChaCha8Rng) -> BiRads {
        // Sorted so that the answer does not depend on the map's iteration order.
        let mut counts: Vec<(BiRads, usize)> = counts.iter().map(|(c, n)| (*c, *n)).collect();
        counts.sort_by_key(|(c, n)| (std::cmp::Reverse(*n), c.code()));
        match self {
            Rule::MostFrequent => counts[0].0,
            Rule::Drawn => {
                let total: usize = counts.iter().map(|(_, n)| n).sum();
                let mut at = rng.random_range(0..total);
                for (c, n) in &counts {
                    if at < *n {
                        return *c;
                    }
                    at -= n;
                }
                counts[0].0
            }
        }
    }
}

/// Truth and reference report of the first `n` studies of `dir`, simulated there if empty.
fn truths(dir: &Path, n: usize, seed: u64) -> AnyResult<Vec<(StudyTruth, String)>> {
    let mut out = Vec::new();
    for folder in simulated_studies(dir, n, seed)? {
        let truth: StudyTruth = serde_json::from_str(&std::fs::read_to_string(folder.join("truth.json"))?)?;
        out.push((truth, std::fs::read_to_string(folder.join("report.txt"))?));
    }
    Ok(out)
}

/// How the oracle sees the descriptors.
#[derive(Debug, Clone, Copy)]
enum Sight {
    Exact,
    /// As drawn at this pixel pitch: calcification morphologies whose specks all fall under the
    /// smallest speck the phantom draws look alike.
    Pixels { mm_per_pixel: f32 },
}

impl Sight {
    fn descriptors(self, finding_type: FindingType, descriptors: &[String]) -> Vec<String> {
        let mut d = descriptors.to_vec();
        // Diffuse calcifications are drawn with one speck size whatever their morphology, and
        // fine linear branching as lines, not specks: both stay as they are.
        let specks = !d.iter().any(|x| x == "diffuse" || x == "fine_linear_branching");
        if let (Sight::Pixels { mm_per_pixel }, FindingType::Calcification, true, Some(morphology)) = (self, finding_type, specks, d.first_mut()) {
            // The morphology comes first in a calcification's descriptors (the generator's
            // `Lesion::descriptors`).
            if speck_radius_mm(morphology).1 / mm_per_pixel <= MIN_SPECK_RADIUS_PX {
                *morphology = "small_specks".into();
            }
        }
        d.sort();
        d
    }
}

/// What an image shows of one breast: each finding on it with status, sorted descriptors and
/// size in 5 mm steps (location is left out: the generator places lesions independently of
/// the category).
fn lesion_key(report: &StructuredReport, side: Laterality, sight: Sight) -> String {
    let mut parts: Vec<String> = report
        .findings
        .iter()
        .filter(|f| matches!((f.side, side), (Some(Side::Right), Laterality::Right) | (Some(Side::Left), Laterality::Left) | (Some(Side::Bilateral), _)))
        .map(|f| {
            let d = sight.descriptors(f.finding_type, &f.descriptors);
            let size = f.size_mm.map_or(-1, |s| (s / 5.0).floor() as i32);
            format!("{:?}/{:?}/{}/{size}", f.finding_type, f.status, d.join("+"))
        })
        .collect();
    parts.sort();
    parts.join(";")
}
