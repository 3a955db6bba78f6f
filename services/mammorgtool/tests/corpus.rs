//! Field-level accuracy on the hand-written corpus (`tests/corpus/*.jsonl`; `zh.jsonl` holds
//! Chinese reports in the MammoRG style, scored and reported separately), on reports the
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
    /// "zh" for `zh.jsonl`, else "en" (simulator reports are English).
    lang: &'static str,
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
        let lang = if f.file_stem().is_some_and(|s| s == "zh") { "zh" } else { "en" };
        let text = std::fs::read_to_string(&f).expect("corpus file readable");
        for (n, l) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let line: Line = serde_json::from_str(l).unwrap_or_else(|e| panic!("{}:{}: {e}", f.display(), n + 1));
            let e = line.expected;
            out.push(Case {
                id: line.id,
                lang,
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
        lang: "en",
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

/// Field accuracies of one group of cases.
#[derive(Default)]
struct Scores {
    b_all: Tally,
    b_side: Tally,
    d_all: Tally,
    d_side: Tally,
    rec: Tally,
    tp: usize,
    fp: usize,
    fn_: usize,
    misses: Vec<String>,
}

impl Scores {
    fn f1(&self) -> f64 {
        if self.tp == 0 { 0.0 } else { 2.0 * self.tp as f64 / (2 * self.tp + self.fp + self.fn_) as f64 }
    }

    fn print(&self, title: &str) {
        println!("{title}");
        println!("  birads overall   {:.4} ({}/{})", self.b_all.acc(), self.b_all.ok, self.b_all.n);
        println!("  birads per side  {:.4} ({}/{})", self.b_side.acc(), self.b_side.ok, self.b_side.n);
        println!("  density overall  {:.4} ({}/{})", self.d_all.acc(), self.d_all.ok, self.d_all.n);
        println!("  density per side {:.4} ({}/{})", self.d_side.acc(), self.d_side.ok, self.d_side.n);
        println!("  findings F1      {:.4} (tp {}, fp {}, fn {})", self.f1(), self.tp, self.fp, self.fn_);
        println!("  recommendation   {:.4} ({}/{})", self.rec.acc(), self.rec.ok, self.rec.n);
        for m in &self.misses {
            println!("  MISS {m}");
        }
    }

    fn add(&mut self, parser: &Parser, c: &Case) {
        let parsed = parser.parse(&c.text);
        assert_eq!(parsed.language, c.lang, "{}: language", c.id);
        let r = parsed.report;
        let got_b = triple(&r.birads, c.effective_sides);
        let got_d = triple(&r.density, c.effective_sides);
        self.b_all.add(got_b[0] == c.birads[0]);
        self.d_all.add(got_d[0] == c.density[0]);
        for k in 1..3 {
            self.b_side.add(got_b[k] == c.birads[k]);
            self.d_side.add(got_d[k] == c.density[k]);
        }
        let got_f: HashSet<_> = r.findings.iter().map(|f| (f.finding_type, f.side, f.status)).collect();
        self.tp += got_f.intersection(&c.findings).count();
        self.fp += got_f.difference(&c.findings).count();
        self.fn_ += c.findings.difference(&got_f).count();
        let got_rec = r.recommendation.and_then(|x| x.action.map(|a| (a, x.interval_months)));
        if let Some(want) = c.rec {
            self.rec.add(got_rec == want);
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
            self.misses.push(m);
        }
    }
}

#[test]
fn corpus_field_accuracy_meets_thresholds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut cases = load_jsonl(&dir);
    let hand_en = cases.iter().filter(|c| c.lang == "en").count();
    let hand_zh = cases.iter().filter(|c| c.lang == "zh").count();
    cases.extend(generated_sim_cases(150));
    load_sim(&dir.join("sim"), &mut cases);
    if let Ok(extra) = std::env::var("MAMMORGTOOL_SIM_CORPUS") {
        load_sim(Path::new(&extra), &mut cases);
    }
    let parser = Parser::new().expect("lexicon builds");
    let (mut en, mut zh) = (Scores::default(), Scores::default());
    for c in &cases {
        if c.lang == "zh" { zh.add(&parser, c) } else { en.add(&parser, c) }
    }
    let n_en = cases.len() - hand_zh;
    en.print(&format!("corpus en: {n_en} reports ({hand_en} hand-written)"));
    zh.print(&format!("corpus zh: {hand_zh} reports (all hand-written)"));
    assert!(en.b_all.acc() >= 0.98, "en BI-RADS overall accuracy {:.4}", en.b_all.acc());
    assert!(en.b_side.acc() >= 0.95, "en BI-RADS per-side accuracy {:.4}", en.b_side.acc());
    assert!(en.d_all.acc() >= 0.98, "en density accuracy {:.4}", en.d_all.acc());
    assert!(en.f1() >= 0.95, "en finding type+side+status F1 {:.4}", en.f1());
    assert!(hand_en >= 150, "only {hand_en} hand-written English reports");
    assert!(zh.b_all.acc() >= 0.95, "zh BI-RADS overall accuracy {:.4}", zh.b_all.acc());
    assert!(zh.b_side.acc() >= 0.95, "zh BI-RADS per-side accuracy {:.4}", zh.b_side.acc());
    assert!(zh.d_all.acc() >= 0.95, "zh density accuracy {:.4}", zh.d_all.acc());
    assert!(zh.d_side.acc() >= 0.95, "zh density per-side accuracy {:.4}", zh.d_side.acc());
    assert!(zh.f1() >= 0.90, "zh finding type+side+status F1 {:.4}", zh.f1());
    assert!(hand_zh >= 40, "only {hand_zh} hand-written Chinese reports");
}
