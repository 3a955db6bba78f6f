//! Sampling the ground truth of one synthetic screening exam: density, per-breast BI-RADS and
//! the lesions behind it, with frequencies from birads.md §9.

use mammoflow_domain::{
    BiRads, Density, Finding, FindingStatus, FindingType, Laterality, PerBreast, Recommendation,
    RecommendationAction, Side, StructuredReport,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Picks from `(value, weight)` pairs; weights need not sum to one.
pub(crate) fn pick<T: Copy>(rng: &mut ChaCha8Rng, table: &[(T, f64)]) -> T {
    let total: f64 = table.iter().map(|(_, w)| w).sum();
    let mut x = rng.random::<f64>() * total;
    for &(value, w) in table {
        if x < w {
            return value;
        }
        x -= w;
    }
    table[table.len() - 1].0
}

/// US-like screening mix: ~90% 1/2 (2:1), ~10% recall (0), a few 3/4/5 so every code path
/// is exercised in a large run.
const SCREENING_MIX: &[(BiRads, f64)] = &[
    (BiRads::Negative, 0.585),
    (BiRads::Benign, 0.300),
    (BiRads::Incomplete, 0.100),
    (BiRads::ProbablyBenign, 0.006),
    (BiRads::Suspicious, 0.001),
    (BiRads::LowSuspicion, 0.003),
    (BiRads::ModerateSuspicion, 0.002),
    (BiRads::HighSuspicion, 0.001),
    (BiRads::HighlySuggestive, 0.002),
];

/// Training mix: roughly VinDr's per-exam mix with recalls added.
const ENRICHED_MIX: &[(BiRads, f64)] = &[
    (BiRads::Negative, 0.15),
    (BiRads::Benign, 0.20),
    (BiRads::Incomplete, 0.20),
    (BiRads::ProbablyBenign, 0.12),
    (BiRads::Suspicious, 0.03),
    (BiRads::LowSuspicion, 0.08),
    (BiRads::ModerateSuspicion, 0.07),
    (BiRads::HighSuspicion, 0.05),
    (BiRads::HighlySuggestive, 0.10),
];

/// Western density mix (RSNA site 1 proxy): a/b/c/d = 10/43/42/5 %.
const DENSITY_MIX: &[(Density, f64)] =
    &[(Density::A, 0.10), (Density::B, 0.43), (Density::C, 0.42), (Density::D, 0.05)];

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MassShape {
    Oval,
    Round,
    Irregular,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MassMargin {
    Circumscribed,
    Obscured,
    Microlobulated,
    Indistinct,
    Spiculated,
}

impl MassShape {
    pub fn term(self) -> &'static str {
        match self {
            MassShape::Oval => "oval",
            MassShape::Round => "round",
            MassShape::Irregular => "irregular",
        }
    }
}

impl MassMargin {
    pub fn term(self) -> &'static str {
        match self {
            MassMargin::Circumscribed => "circumscribed",
            MassMargin::Obscured => "obscured",
            MassMargin::Microlobulated => "microlobulated",
            MassMargin::Indistinct => "indistinct",
            MassMargin::Spiculated => "spiculated",
        }
    }
}

/// Calcification morphology, lexicon terms in snake_case.
pub type Morphology = &'static str;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LesionKind {
    Mass { shape: MassShape, margin: MassMargin, fat_containing: bool },
    /// `distribution` is "grouped", "segmental", "linear", "regional" or "diffuse".
    Calcifications { morphology: Morphology, distribution: &'static str },
    Distortion,
    FocalAsymmetry,
    IntramammaryLymphNode,
}

/// Where a lesion sits: clock face (viewed facing the patient), distance from the nipple in
/// the coronal plane (0..1 of the breast radius) and depth (0 nipple .. 1 chest wall).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    pub clock: u8,
    pub radial: f32,
    pub depth: f32,
}

impl Position {
    /// Lateral (+1) / medial (−1) and superior (+1) / inferior (−1) coordinates.
    pub fn lateral_superior(&self, side: Laterality) -> (f32, f32) {
        let phi = f32::from(self.clock % 12) * std::f32::consts::TAU / 12.0;
        // Facing the patient, 3 o'clock is the viewer's right: lateral for the left breast.
        let toward_3 = phi.sin() * self.radial;
        let lateral = match side {
            Laterality::Left => toward_3,
            Laterality::Right => -toward_3,
        };
        (lateral, phi.cos() * self.radial)
    }

    pub fn quadrant(&self, side: Laterality) -> &'static str {
        let (lateral, superior) = self.lateral_superior(side);
        match (superior >= 0.0, lateral >= 0.0) {
            (true, true) => "upper_outer_quadrant",
            (true, false) => "upper_inner_quadrant",
            (false, true) => "lower_outer_quadrant",
            (false, false) => "lower_inner_quadrant",
        }
    }

    pub fn depth_term(&self) -> &'static str {
        match self.depth {
            d if d < 1.0 / 3.0 => "anterior_depth",
            d if d < 2.0 / 3.0 => "middle_depth",
            _ => "posterior_depth",
        }
    }

    pub fn locations(&self, side: Laterality) -> Vec<String> {
        vec![self.quadrant(side).into(), format!("clock_{}", self.clock), self.depth_term().into()]
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lesion {
    pub side: Laterality,
    pub kind: LesionKind,
    /// `None` for diffuse findings drawn all over the breast.
    pub position: Option<Position>,
    pub size_mm: f32,
    pub status: FindingStatus,
}

impl Lesion {
    pub fn finding_type(&self) -> FindingType {
        match self.kind {
            LesionKind::Mass { .. } => FindingType::Mass,
            LesionKind::Calcifications { .. } => FindingType::Calcification,
            LesionKind::Distortion => FindingType::ArchitecturalDistortion,
            LesionKind::FocalAsymmetry => FindingType::Asymmetry,
            LesionKind::IntramammaryLymphNode => FindingType::IntramammaryLymphNode,
        }
    }

    pub fn descriptors(&self) -> Vec<String> {
        match self.kind {
            LesionKind::Mass { shape, margin, fat_containing } => {
                let mut d = vec![shape.term().to_string(), margin.term().to_string()];
                if fat_containing {
                    d.push("fat_containing".into());
                }
                d
            }
            LesionKind::Calcifications { morphology, distribution } => {
                vec![morphology.to_string(), distribution.to_string()]
            }
            LesionKind::FocalAsymmetry => vec!["focal".into()],
            LesionKind::Distortion | LesionKind::IntramammaryLymphNode => vec![],
        }
    }

    pub fn finding(&self) -> Finding {
        Finding {
            finding_type: self.finding_type(),
            side: Some(self.side.into()),
            status: self.status,
            descriptors: self.descriptors(),
            locations: self.position.map(|p| p.locations(self.side)).unwrap_or_default(),
            size_mm: self.position.map(|_| self.size_mm),
            span: None,
        }
    }
}

/// The sampled labels of one exam; the report text and the pixels are both written from it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExamLabels {
    pub density_right: Density,
    pub density_left: Density,
    pub birads_right: BiRads,
    pub birads_left: BiRads,
    pub lesions: Vec<Lesion>,
}

/// The types a negative statement covers; a side's positive types are left out of it.
pub const NEGATED_TYPES: [FindingType; 3] =
    [FindingType::Mass, FindingType::Calcification, FindingType::ArchitecturalDistortion];

impl ExamLabels {
    pub fn exam_birads(&self) -> BiRads {
        self.birads_right.most_severe(self.birads_left)
    }

    pub fn lesions_on(&self, side: Laterality) -> impl Iterator<Item = &Lesion> {
        self.lesions.iter().filter(move |l| l.side == side)
    }

    /// Types the report denies on `side` (those not described there).
    pub fn negated_on(&self, side: Laterality) -> Vec<FindingType> {
        NEGATED_TYPES
            .into_iter()
            .filter(|t| !self.lesions_on(side).any(|l| l.finding_type() == *t))
            .collect()
    }

    /// The structured report the reference text states. Both breasts negative ⇒ one
    /// bilateral negation (the text says "either breast"), else one per side.
    pub fn structured(&self) -> StructuredReport {
        let mut findings: Vec<Finding> = self.lesions.iter().map(Lesion::finding).collect();
        let negative = |t: FindingType, side: Side| Finding {
            finding_type: t,
            side: Some(side),
            status: FindingStatus::Negative,
            descriptors: vec![],
            locations: vec![],
            size_mm: None,
            span: None,
        };
        if self.lesions.is_empty() {
            findings.extend(NEGATED_TYPES.map(|t| negative(t, Side::Bilateral)));
        } else {
            for side in [Laterality::Right, Laterality::Left] {
                findings.extend(self.negated_on(side).into_iter().map(|t| negative(t, side.into())));
            }
        }
        let same_density = self.density_left == self.density_right;
        StructuredReport {
            birads: PerBreast {
                overall: Some(self.exam_birads()),
                left: Some(self.birads_left),
                right: Some(self.birads_right),
            },
            density: PerBreast {
                overall: same_density.then_some(self.density_left),
                left: Some(self.density_left),
                right: Some(self.density_right),
            },
            findings,
            recommendation: Some(recommendation(self.exam_birads())),
        }
    }
}

pub fn recommendation(category: BiRads) -> Recommendation {
    let (action, interval_months) = match category {
        BiRads::Negative | BiRads::Benign => (RecommendationAction::RoutineScreening, Some(12)),
        BiRads::Incomplete => (RecommendationAction::AdditionalImaging, None),
        BiRads::ProbablyBenign => (RecommendationAction::ShortIntervalFollowUp, Some(6)),
        BiRads::KnownMalignancy => (RecommendationAction::SurgicalConsultation, None),
        _ => (RecommendationAction::Biopsy, None),
    };
    Recommendation { action: Some(action), interval_months, discordant: false }
}

pub fn sample_labels(rng: &mut ChaCha8Rng, enrich_abnormal: bool) -> ExamLabels {
    let density_right = pick(rng, DENSITY_MIX);
    // Same composition both sides in >99% of exams; otherwise one step apart.
    let density_left = if rng.random_bool(0.01) {
        let i = Density::ALL.iter().position(|d| *d == density_right).unwrap_or(1);
        Density::ALL[if i == 0 { 1 } else { i - 1 }]
    } else {
        density_right
    };
    let exam = pick(rng, if enrich_abnormal { ENRICHED_MIX } else { SCREENING_MIX });
    let abnormal_side = if rng.random_bool(0.5) { Laterality::Right } else { Laterality::Left };
    let other_side = match abnormal_side {
        Laterality::Right => Laterality::Left,
        Laterality::Left => Laterality::Right,
    };
    let mut lesions = Vec::new();
    let (mut cat_abnormal, mut cat_other) = (exam, BiRads::Negative);
    match exam {
        BiRads::Negative => {}
        BiRads::Benign => {
            lesions.push(benign_lesion(rng, abnormal_side));
            if rng.random_bool(0.3) {
                lesions.push(benign_lesion(rng, other_side));
                cat_other = BiRads::Benign;
            }
        }
        _ => {
            lesions.extend(category_lesions(rng, exam, abnormal_side));
            if rng.random_bool(0.25) {
                lesions.push(benign_lesion(rng, other_side));
                cat_other = BiRads::Benign;
            }
        }
    }
    if lesions.iter().all(|l| l.side != abnormal_side) {
        cat_abnormal = BiRads::Negative;
    }
    let (birads_right, birads_left) = match abnormal_side {
        Laterality::Right => (cat_abnormal, cat_other),
        Laterality::Left => (cat_other, cat_abnormal),
    };
    ExamLabels { density_right, density_left, birads_right, birads_left, lesions }
}

fn position(rng: &mut ChaCha8Rng) -> Position {
    // Off-axis clock hours keep the quadrant unambiguous (12, 3, 6 and 9 lie on borders).
    const CLOCKS: [u8; 8] = [1, 2, 4, 5, 7, 8, 10, 11];
    Position {
        clock: CLOCKS[rng.random_range(0..CLOCKS.len())],
        radial: rng.random_range(0.3..0.85),
        depth: rng.random_range(0.1..0.9),
    }
}

fn lesion(rng: &mut ChaCha8Rng, side: Laterality, kind: LesionKind, size: std::ops::Range<f32>) -> Lesion {
    let size_mm = (rng.random_range(size) * 10.0).round() / 10.0;
    Lesion { side, kind, position: Some(position(rng)), size_mm, status: FindingStatus::Positive }
}

fn benign_lesion(rng: &mut ChaCha8Rng, side: Laterality) -> Lesion {
    match rng.random_range(0..10) {
        0..=4 => {
            let morphology = pick(rng, &[("vascular", 0.4), ("coarse", 0.25), ("round", 0.2), ("rim", 0.15)]);
            if morphology == "vascular" || rng.random_bool(0.5) {
                Lesion {
                    side,
                    kind: LesionKind::Calcifications { morphology, distribution: "diffuse" },
                    position: None,
                    size_mm: 0.0,
                    status: FindingStatus::Positive,
                }
            } else {
                lesion(rng, side, LesionKind::Calcifications { morphology, distribution: "regional" }, 20.0..40.0)
            }
        }
        5..=7 => {
            // Intramammary nodes sit mostly in the upper outer quadrant, toward the axilla.
            let mut node = lesion(rng, side, LesionKind::IntramammaryLymphNode, 5.0..9.0);
            if let Some(p) = node.position.as_mut() {
                p.clock = match side {
                    Laterality::Right => [10, 11][rng.random_range(0..2)],
                    Laterality::Left => [1, 2][rng.random_range(0..2)],
                };
                p.depth = rng.random_range(0.5..0.9);
            }
            node
        }
        _ => {
            let kind = LesionKind::Mass { shape: MassShape::Oval, margin: MassMargin::Circumscribed, fat_containing: true };
            lesion(rng, side, kind, 8.0..20.0)
        }
    }
}

fn category_lesions(rng: &mut ChaCha8Rng, category: BiRads, side: Laterality) -> Vec<Lesion> {
    let mass = |rng: &mut ChaCha8Rng, shape, margin, size| {
        lesion(rng, side, LesionKind::Mass { shape, margin, fat_containing: false }, size)
    };
    let calcs = |rng: &mut ChaCha8Rng, morphology, distribution, size| {
        lesion(rng, side, LesionKind::Calcifications { morphology, distribution }, size)
    };
    match category {
        BiRads::Incomplete => {
            // Recall findings: asymmetry ≈50%, calcifications ≈17%, mass ≈14%, AD ≈5% (EMBED).
            // A recall is a finding the screening read cannot characterise yet: asymmetries
            // larger than those called probably benign, masses whose margin is obscured,
            // regional amorphous calcifications. Characterisable ones (and distortion, ≈5%)
            // get their final 3/4/5 category in this mix, which keeps 0 readable from the image.
            let mut l = match pick(rng, &[(0, 0.55), (1, 0.20), (2, 0.25)]) {
                0 => lesion(rng, side, LesionKind::FocalAsymmetry, 15.0..35.0),
                1 => calcs(rng, "amorphous", "regional", 10.0..25.0),
                _ => {
                    let shape = pick(rng, &[(MassShape::Oval, 0.5), (MassShape::Round, 0.3), (MassShape::Irregular, 0.2)]);
                    mass(rng, shape, MassMargin::Obscured, 6.0..20.0)
                }
            };
            if rng.random_bool(0.3) {
                l.status = FindingStatus::Uncertain;
            }
            vec![l]
        }
        BiRads::ProbablyBenign => vec![match pick(rng, &[(0, 0.6), (1, 0.25), (2, 0.15)]) {
            0 => mass(rng, MassShape::Oval, MassMargin::Circumscribed, 6.0..15.0),
            1 => {
                let m = pick(rng, &[("round", 0.5), ("punctate", 0.5)]);
                calcs(rng, m, "grouped", 3.0..8.0)
            }
            _ => lesion(rng, side, LesionKind::FocalAsymmetry, 8.0..14.5),
        }],
        BiRads::HighlySuggestive => {
            if rng.random_bool(0.7) {
                let mut out = vec![mass(rng, MassShape::Irregular, MassMargin::Spiculated, 10.0..35.0)];
                if rng.random_bool(0.4) {
                    let mut c = calcs(rng, "fine_linear_branching", "segmental", 15.0..40.0);
                    c.position = out[0].position;
                    out.push(c);
                }
                out
            } else {
                let distribution = pick(rng, &[("segmental", 0.6), ("linear", 0.4)]);
                vec![calcs(rng, "fine_linear_branching", distribution, 15.0..45.0)]
            }
        }
        // Category 4 as a whole: a reader who does not subdivide assigns it to what one who
        // does would call 4A, 4B or 4C, so its lesions are drawn from those three.
        BiRads::Suspicious => {
            let sub = pick(rng, &[(BiRads::LowSuspicion, 0.4), (BiRads::ModerateSuspicion, 0.35), (BiRads::HighSuspicion, 0.25)]);
            category_lesions(rng, sub, side)
        }
        // 4A/4B/4C follow the likelihood of malignancy the atlas gives the descriptors (calcium
        // morphology: coarse heterogeneous ≈13%, amorphous ≈21%, fine pleomorphic ≈29%, fine
        // linear branching ≈70%; margins: microlobulated < indistinct < spiculated; linear or
        // segmental distribution and distortion raise it), so the subcategory can be read
        // from the lesion as a radiologist reads it, not drawn independently of it.
        BiRads::LowSuspicion => vec![match pick(rng, &[(0, 0.5), (1, 0.5)]) {
            0 => {
                let shape = pick(rng, &[(MassShape::Oval, 0.5), (MassShape::Round, 0.5)]);
                mass(rng, shape, MassMargin::Microlobulated, 6.0..15.0)
            }
            _ => calcs(rng, "coarse_heterogeneous", "grouped", 4.0..12.0),
        }],
        BiRads::ModerateSuspicion => vec![match pick(rng, &[(0, 0.45), (1, 0.55)]) {
            0 => mass(rng, MassShape::Irregular, MassMargin::Indistinct, 8.0..20.0),
            _ => {
                let m = pick(rng, &[("amorphous", 0.5), ("fine_pleomorphic", 0.5)]);
                calcs(rng, m, "grouped", 5.0..15.0)
            }
        }],
        // 4C (and any category the mixes do not draw). Spiculated masses under 10 mm are 4C;
        // larger ones, and fine linear branching calcifications, are 5.
        _ => vec![match pick(rng, &[(0, 0.35), (1, 0.35), (2, 0.30)]) {
            0 => mass(rng, MassShape::Irregular, MassMargin::Spiculated, 5.0..9.9),
            1 => {
                let distribution = pick(rng, &[("segmental", 0.5), ("linear", 0.5)]);
                calcs(rng, "fine_pleomorphic", distribution, 10.0..30.0)
            }
            _ => lesion(rng, side, LesionKind::Distortion, 10.0..25.0),
        }],
    }
}
