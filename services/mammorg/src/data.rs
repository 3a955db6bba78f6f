//! Training data: a folder of studies (`<dir>/<study>/{RCC,RMLO,LCC,LMLO}.dcm`, `truth.json`,
//! `report.txt`, the simulator's layout) to preprocessed planes, stage-1 labels and report text,
//! and the report-retrieval database built from the training reports.

use crate::error::{MammoRgError, Result};
use crate::model::VIEW_ORDER;
use crate::preprocess::{expand_channels, planes_from_paths_framed, PreprocessOptions};
use crate::terms::{self, Relation, BIRADS_CLASSES, DENSITY_CLASSES, DESCRIPTOR_TERMS, FINDING_TYPES, LOCATION_TERMS};
use crate::tokenizer::TermTokenizer;
use crate::train::{lesion_map, Stage1Labels};
use candle_core::{Device, Tensor};
use mammoflow_dicom::synth::StudyTruth;
use mammoflow_domain::{FindingStatus, FindingType, Laterality, Side, StructuredReport};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};

/// One training study.
#[derive(Debug, Clone)]
pub struct StudyExample {
    pub folder: PathBuf,
    /// Preprocessed planes `[4, S, S]` in [`VIEW_ORDER`] (one channel; see
    /// [`expand_channels`]).
    pub planes: Tensor,
    pub labels: Stage1Labels,
    pub report: String,
    pub truth: StructuredReport,
    /// Generator seed recorded in `truth.json` (for the model card).
    pub generator_seed: u64,
}

/// The four files of a study folder in [`VIEW_ORDER`] (`RCC.dcm`, `RMLO.dcm`, ...).
pub fn view_paths(folder: &Path) -> [PathBuf; 4] {
    VIEW_ORDER.map(|v| folder.join(format!("{}.dcm", v.code())))
}

/// Study folders of `dir` (those with a `truth.json`), sorted by name for determinism.
pub fn study_folders(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| MammoRgError::io(dir, e))?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("truth.json").is_file())
        .collect();
    out.sort();
    Ok(out)
}

/// Loads one study folder.
pub fn load_study(folder: &Path, opts: &PreprocessOptions, device: &Device) -> Result<StudyExample> {
    let read = |name: &str| {
        let p = folder.join(name);
        std::fs::read_to_string(&p).map_err(|e| MammoRgError::io(&p, e))
    };
    let truth_path = folder.join("truth.json");
    let truth: StudyTruth =
        serde_json::from_str(&read("truth.json")?).map_err(|source| MammoRgError::Json { path: truth_path, source })?;
    let report = read("report.txt")?;
    let (planes, frames) = planes_from_paths_framed(&view_paths(folder), opts, device)?;
    let mut labels = labels_from_report(&truth.report);
    labels.lesions = truth.lesion_marks.as_ref().map(|marks| lesion_map(marks, &frames, &truth.report));
    Ok(StudyExample {
        folder: folder.to_path_buf(),
        planes,
        labels,
        report,
        generator_seed: truth.seed,
        truth: truth.report,
    })
}

/// Loads every study folder of `dir`.
pub fn load_dir(dir: &Path, opts: &PreprocessOptions, device: &Device) -> Result<Vec<StudyExample>> {
    study_folders(dir)?.iter().map(|f| load_study(f, opts, device)).collect()
}

/// Stage-1 labels of a structured report (index 0 = right breast, 1 = left). Values the report
/// does not state, an unsubdivided BI-RADS 4 (no head class) and uncertain findings are masked;
/// findings and descriptors outside the graph are ignored.
pub fn labels_from_report(r: &StructuredReport) -> Stage1Labels {
    let sides = [Laterality::Right, Laterality::Left];
    let mut labels = Stage1Labels {
        density: sides.map(|s| r.density.for_side(s).and_then(|d| DENSITY_CLASSES.iter().position(|c| *c == d))),
        birads: sides.map(|s| r.birads.for_side(s).and_then(|b| BIRADS_CLASSES.iter().position(|c| *c == b))),
        ..Default::default()
    };
    for f in &r.findings {
        let Some(fi) = finding_index(f.finding_type) else { continue };
        let on = breasts(f.side);
        for &s in on {
            let state = match f.status {
                FindingStatus::Positive => Some(true),
                FindingStatus::Negative => Some(false),
                FindingStatus::Uncertain => None,
            };
            // A positive statement wins over a negative one for the same breast.
            if labels.findings[s][fi] != Some(true) {
                labels.findings[s][fi] = state;
            }
        }
        if f.status != FindingStatus::Positive {
            continue;
        }
        for &s in on {
            if let Some(l) = location_index(sides[s], &f.locations) {
                push_unique(&mut labels.relations, (Relation::LocatedAt, fi, l));
            }
            if let Some(b) = labels.birads[s] {
                push_unique(&mut labels.relations, (Relation::SuggestiveOf, fi, b));
            }
        }
        for x in f.descriptors.iter().filter_map(|d| descriptor_index(d)) {
            push_unique(&mut labels.relations, (Relation::ModifiedBy, fi, x));
        }
    }
    labels
}

/// The head index of a finding type (order of [`FINDING_TYPES`]); `None` outside the graph.
pub(crate) fn finding_index(finding_type: FindingType) -> Option<usize> {
    FINDING_TYPES.iter().position(|t| *t == finding_type)
}

/// The breasts (0 = right, 1 = left) a finding's side covers; a finding without a side is
/// taken to concern both.
pub(crate) fn breasts(side: Option<Side>) -> &'static [usize] {
    match side {
        Some(Side::Right) => &[0],
        Some(Side::Left) => &[1],
        Some(Side::Bilateral) | None => &[0, 1],
    }
}

/// The graph descriptor of a report descriptor (`fat_containing` is the node "fat-containing").
pub(crate) fn descriptor_index(descriptor: &str) -> Option<usize> {
    let (spaced, hyphenated) = (descriptor.replace('_', " "), descriptor.replace('_', "-"));
    DESCRIPTOR_TERMS.iter().position(|t| *t == spaced || *t == hyphenated)
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// The graph location of a finding: its quadrant, central/areolar region or axilla on that
/// side, else the whole breast.
fn location_index(side: Laterality, locations: &[String]) -> Option<usize> {
    let s = if side == Laterality::Left { "left" } else { "right" };
    let pick = |name: String| LOCATION_TERMS.iter().position(|t| *t == name);
    for loc in locations {
        let name = match loc.as_str() {
            "upper_outer_quadrant" | "upper_inner_quadrant" | "lower_outer_quadrant" | "lower_inner_quadrant" => {
                format!("{s} {}", loc.replace('_', " "))
            }
            "subareolar" | "retroareolar" => format!("{s} areolar region"),
            "central" => format!("{s} central region"),
            "axilla" | "axillary_tail" => format!("{s} axilla"),
            _ => continue,
        };
        if let Some(i) = pick(name) {
            return Some(i);
        }
    }
    pick(format!("{s} breast"))
}

/// A study's views as the model input batch `[B, 4, 3, S, S]`.
pub fn batch_views(examples: &[&StudyExample]) -> Result<Tensor> {
    let planes: Vec<&Tensor> = examples.iter().map(|e| &e.planes).collect();
    expand_channels(&Tensor::stack(&planes, 0)?)
}

/// Seed of the fixed projection of report embeddings (part of the database's definition).
pub const REPORT_EMBEDDING_SEED: u64 = 0x6d61_6d6d_6f72_6700;

/// Report embedding for the retrieval database: token counts of the report (terms are single
/// tokens, so clinical content dominates) through a fixed seeded Gaussian projection to `dim`,
/// L2-normalised. The official database holds BERT [CLS] vectors; no BERT is available here,
/// and the retrieval module only needs a fixed embedding of the training reports.
pub fn report_embedding(tokenizer: &TermTokenizer, text: &str, dim: usize) -> Result<Vec<f32>> {
    let ids = tokenizer.encode(text)?;
    let mut out = vec![0f32; dim];
    if ids.is_empty() {
        return Ok(out); // Empty text gives zeros, as in the official database.
    }
    let mut counts = std::collections::BTreeMap::<u32, f32>::new();
    for id in ids {
        *counts.entry(id).or_default() += 1.0;
    }
    for (id, c) in counts {
        let mut rng = ChaCha8Rng::seed_from_u64(REPORT_EMBEDDING_SEED ^ u64::from(id));
        for o in out.iter_mut() {
            // Sum of two uniforms is close enough to Gaussian for a random projection.
            *o += c.sqrt() * (rng.random::<f32>() + rng.random::<f32>() - 1.0);
        }
    }
    let norm = out.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
    out.iter_mut().for_each(|v| *v /= norm);
    Ok(out)
}

/// The retrieval database `[N, dim]` of the unique report texts (exact-text dedup, first
/// occurrence order).
pub fn report_database(tokenizer: &TermTokenizer, reports: &[&str], dim: usize, device: &Device) -> Result<Tensor> {
    let mut unique: Vec<&str> = Vec::new();
    for r in reports {
        if !unique.contains(r) {
            unique.push(r);
        }
    }
    if unique.is_empty() {
        return Err(MammoRgError::Input("no reports for the retrieval database".into()));
    }
    let mut data = Vec::with_capacity(unique.len() * dim);
    for r in &unique {
        data.extend(report_embedding(tokenizer, r, dim)?);
    }
    Ok(Tensor::from_vec(data, (unique.len(), dim), device)?)
}

/// Index of a BI-RADS head class's term in [`terms::DIAGNOSIS_TERMS`] (same order).
pub fn birads_term(class: usize) -> Option<&'static str> {
    terms::DIAGNOSIS_TERMS.get(class).copied().filter(|_| class < BIRADS_CLASSES.len())
}
