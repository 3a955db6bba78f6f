//! Field-level accuracy on the hand-written corpus (`tests/corpus/*.jsonl`), on reports the
//! study simulator writes (generated here in both label mixes; their ground truth is known),
//! and on any folder under `tests/corpus/sim/` or the directory named by
//! `MAMMORGTOOL_SIM_CORPUS` holding `report.txt` + `truth.json`. Prints per-field accuracy and
//! asserts the thresholds.
//!
//! Simulator truth is the image's ground truth, so it has a value for every breast; a report
//! that states density or the category once for the exam states it for both breasts, so those
//! cases are compared per side with [`PerBreast::for_side`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use mammoflow_domain::{FindingStatus, FindingType, Laterality, PerBreast, RecommendationAction, Side, StructuredReport};
use mammorgtool::Parser;
use serde::Deserialize;

#[derive(Deserialize)]
struct Line {
    id: String,
    text: String,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    birads: PerBreast<String>,
    density: PerBreast<String>,
    findings: Vec<ExpFinding>,
    recommendation: Option<ExpRec>,
}

#[derive(Deserialize)]
struct ExpFinding {
    #[serde(rename = "type")]
    finding_type: FindingType,
    side: Option<Side>,
    status: FindingStatus,
}

#[derive(Deserialize)]
struct ExpRec {
    action: RecommendationAction,
    interval_months: Option<u32>,
}

/// One case in a common form: codes as strings, findings as (type, side, status).
struct Case {
    id: String,
    text: String,
    /// Compare sides with the exam-level value filled in (simulator truth).
    effective_sides: bool,
    birads: [Option<String>; 3],
    density: [Option<String>; 3],
    findings: HashSet<(FindingType, Option<Side>, FindingStatus)>,
    /// None: the source does not annotate recommendations.
    rec: Option<Option<(RecommendationAction, Option<u32>)>>,
}

fn triple<T: ToString + Clone>(p: &PerBreast<T>, effective_sides: bool) -> [Option<String>; 3] {
    let (left, right) = if effective_sides {
        (p.for_side(Laterality::Left), p.for_side(Laterality::Right))
    } else {
        (p.left.clone(), p.right.clone())
    };
    [p.overall.as_ref().map(T::to_string), left.as_ref().map(T::to_string), right.as_ref().map(T::to_string)]
}

fn load_jsonl(dir: &Path) -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "jsonl")).collect())
        .unwrap_or_default();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("corpus file readable");
        for (n, l) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let line: Line = serde_json::from_str(l).unwrap_or_else(|e| panic!("{}:{}: {e}", f.display(), n + 1));
            let e = line.expected;
            out.push(Case {
                id: line.id,
                text: line.text,
                effective_sides: false,
                birads: triple(&e.birads, false),
                density: triple(&e.density, false),
                findings: e.findings.into_iter().map(|f| (f.finding_type, f.side, f.status)).collect(),
                rec: Some(e.recommendation.map(|r| (r.action, r.interval_months))),
            });
        }
    }
    out
}

/// Simulator studies: every folder (recursively) with `report.txt` and `truth.json`.
fn load_sim(root: &Path, out: &mut Vec<Case>) {
    let Ok(rd) = std::fs::read_dir(root) else { return };
    let mut dirs: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
    dirs.sort();
    let (report, truth) = (root.join("report.txt"), root.join("truth.json"));
    if report.is_file() && truth.is_file() {
        let text = std::fs::read_to_string(&report).expect("report.txt readable");
        let t: StructuredReport = serde_json::from_str(&std::fs::read_to_string(&truth).expect("truth.json readable"))
            .unwrap_or_else(|e| panic!("{}: {e}", truth.display()));
        out.push(sim_case(root.display().to_string(), text, &t));
    }
    for d in dirs {
        load_sim(&d, out);
    }
}

fn sim_case(id: String, text: String, t: &StructuredReport) -> Case {
    Case {
        id,
        text,
        effective_sides: true,
        birads: triple(&t.birads, true),
        density: triple(&t.density, true),
        findings: t.findings.iter().map(|f| (f.finding_type, f.side, f.status)).collect(),
        rec: t.recommendation.map(|r| r.action.map(|a| (a, r.interval_months))),
    }
}

/// Reports the simulator writes, in the screening and the enriched label mix.
fn generated_sim_cases(per_mix: u64) -> Vec<Case> {
    let mut cases = Vec::new();
    for enrich_abnormal in [false, true] {
        let opts = mammoflow_dicom::SimulationOptions { seed: 2026, rows: 64, cols: 64, enrich_abnormal, ..Default::default() };
        for index in 0..per_mix {
            let study = mammoflow_dicom::generate_study(&opts, index);
            let id = format!("sim-{}-{index}", if enrich_abnormal { "enriched" } else { "screening" });
            cases.push(sim_case(id, study.report_text, &study.truth.report));
        }
    }
    cases
}

#[derive(Default)]
struct Tally {
    ok: usize,
    n: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.ok += usize::from(ok);
        self.n += 1;
    }
    fn acc(&self) -> f64 {
        if self.n == 0 { 1.0 } else { self.ok as f64 / self.n as f64 }
    }
}

#[test]
fn corpus_field_accuracy_meets_thresholds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut cases = load_jsonl(&dir);
    let hand_written = cases.len();
    cases.extend(generated_sim_cases(150));
    load_sim(&dir.join("sim"), &mut cases);
    if let Ok(extra) = std::env::var("MAMMORGTOOL_SIM_CORPUS") {
        load_sim(Path::new(&extra), &mut cases);
    }
    let parser = Parser::new().expect("lexicon builds");
    let (mut b_all, mut b_side, mut d_all, mut d_side, mut rec) = (Tally::default(), Tally::default(), Tally::default(), Tally::default(), Tally::default());
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for c in &cases {
        let r = parser.parse(&c.text).report;
        let got_b = triple(&r.birads, c.effective_sides);
        let got_d = triple(&r.density, c.effective_sides);
        b_all.add(got_b[0] == c.birads[0]);
        d_all.add(got_d[0] == c.density[0]);
        for k in 1..3 {
            b_side.add(got_b[k] == c.birads[k]);
            d_side.add(got_d[k] == c.density[k]);
        }
        let got_f: HashSet<_> = r.findings.iter().map(|f| (f.finding_type, f.side, f.status)).collect();
        tp += got_f.intersection(&c.findings).count();
        fp += got_f.difference(&c.findings).count();
        fn_ += c.findings.difference(&got_f).count();
        let got_rec = r.recommendation.and_then(|x| x.action.map(|a| (a, x.interval_months)));
        if let Some(want) = c.rec {
            rec.add(got_rec == want);
        }
        if got_b != c.birads || got_d != c.density || got_f != c.findings || c.rec.is_some_and(|w| w != got_rec) {
            let mut m = format!("{}:", c.id);
            if got_b != c.birads {
                m += &format!(" birads {got_b:?} want {:?};", c.birads);
            }
            if got_d != c.density {
                m += &format!(" density {got_d:?} want {:?};", c.density);
            }
            if got_f != c.findings {
                m += &format!(" extra {:?} missing {:?};", got_f.difference(&c.findings).collect::<Vec<_>>(), c.findings.difference(&got_f).collect::<Vec<_>>());
            }
            if c.rec.is_some_and(|w| w != got_rec) {
                m += &format!(" rec {got_rec:?} want {:?}", c.rec.flatten());
            }
            misses.push(m);
        }
    }
    let f1 = if tp == 0 { 0.0 } else { 2.0 * tp as f64 / (2 * tp + fp + fn_) as f64 };
    println!("corpus: {} reports ({hand_written} hand-written)", cases.len());
    println!("  birads overall   {:.4} ({}/{})", b_all.acc(), b_all.ok, b_all.n);
    println!("  birads per side  {:.4} ({}/{})", b_side.acc(), b_side.ok, b_side.n);
    println!("  density overall  {:.4} ({}/{})", d_all.acc(), d_all.ok, d_all.n);
    println!("  density per side {:.4} ({}/{})", d_side.acc(), d_side.ok, d_side.n);
    println!("  findings F1      {f1:.4} (tp {tp}, fp {fp}, fn {fn_})");
    println!("  recommendation   {:.4} ({}/{})", rec.acc(), rec.ok, rec.n);
    for m in &misses {
        println!("  MISS {m}");
    }
    assert!(b_all.acc() >= 0.98, "BI-RADS overall accuracy {:.4}", b_all.acc());
    assert!(b_side.acc() >= 0.95, "BI-RADS per-side accuracy {:.4}", b_side.acc());
    assert!(d_all.acc() >= 0.98, "density accuracy {:.4}", d_all.acc());
    assert!(f1 >= 0.95, "finding type+side+status F1 {f1:.4}");
    assert!(hand_written >= 150, "only {hand_written} hand-written reports");
}
