//! The reference report: BI-RADS-style English written from the sampled labels. Wording
//! varies (layout, sentence templates, synonyms) but every statement is the truth: what is
//! negated is exactly the negative findings of `truth.json`, and so on.

use super::truth::{ExamLabels, Lesion, LesionKind, NEGATED_TYPES};
use super::truth::pick;
use mammoflow_domain::{BiRads, Density, FindingStatus, FindingType, Laterality};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

fn side_word(side: Laterality) -> &'static str {
    match side {
        Laterality::Right => "right",
        Laterality::Left => "left",
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

/// "a, b, or c" with an Oxford comma; "a or b"; "a".
fn list(items: &[&str], conj: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [a, b] => format!("{a} {conj} {b}"),
        [init @ .., last] => format!("{}, {conj} {last}", init.join(", ")),
    }
}

fn composition(rng: &mut ChaCha8Rng, labels: &ExamLabels) -> String {
    let short = |d: Density| match d {
        Density::A => "almost entirely fatty",
        Density::B => "scattered areas of fibroglandular density",
        Density::C => "heterogeneously dense",
        Density::D => "extremely dense",
    };
    let (r, l) = (labels.density_right, labels.density_left);
    if r != l {
        return format!(
            "Right breast: ACR {} ({}). Left breast: ACR {} ({}).",
            r.code().to_uppercase(), short(r), l.code().to_uppercase(), short(l)
        );
    }
    match rng.random_range(0..3) {
        0 => match r {
            Density::B => "There are scattered areas of fibroglandular density.".into(),
            d => format!("The breasts are {}.", d.wording()),
        },
        1 => format!("ACR {}: {}.", r.code().to_uppercase(), capitalise(r.wording())),
        _ => format!("Breast density category {}: {}.", r.code(), short(r)),
    }
}

fn location(lesion: &Lesion) -> String {
    let Some(p) = lesion.position else {
        return format!("throughout the {} breast", side_word(lesion.side));
    };
    let quadrant = p.quadrant(lesion.side).replace('_', " ");
    let depth = p.depth_term().replace("_depth", "");
    format!("in the {quadrant} of the {} breast at {} o'clock, {depth} depth", side_word(lesion.side), p.clock)
}

fn finding_sentence(rng: &mut ChaCha8Rng, lesion: &Lesion) -> String {
    let at = location(lesion);
    let size = lesion.size_mm;
    let hedge = if lesion.status == FindingStatus::Uncertain {
        pick(rng, &[("possible ", 0.5), ("questionable ", 0.3), ("probable ", 0.2)])
    } else {
        ""
    };
    match lesion.kind {
        LesionKind::Mass { fat_containing: true, .. } => format!(
            "There is a {size} mm oval circumscribed fat-containing mass {at}, consistent with an oil cyst."
        ),
        LesionKind::Mass { shape, margin, .. } => {
            let (shape, margin) = (shape.term(), margin.term());
            match rng.random_range(0..3) {
                0 => format!("There is a {hedge}{size} mm {shape} mass with {margin} margins {at}."),
                1 => capitalise(&format!("{hedge}{shape} mass with {margin} margins measuring {size} mm {at}.")),
                _ => format!("A {hedge}{shape}, {margin} mass is seen {at}, measuring {size} mm."),
            }
        }
        LesionKind::Calcifications { morphology, distribution: "diffuse" } => {
            format!("Benign-appearing {} calcifications are seen {at}.", morphology.replace('_', " "))
        }
        LesionKind::Calcifications { morphology, distribution } => {
            let m = morphology.replace('_', " ");
            let benign = if matches!(morphology, "vascular" | "coarse" | "rim") { "benign-appearing " } else { "" };
            match rng.random_range(0..2) {
                0 => capitalise(&format!("{hedge}{distribution} {benign}{m} calcifications {at}, spanning {size} mm.")),
                _ => format!("There are {hedge}{distribution} {benign}{m} calcifications {at}, extending over {size} mm."),
            }
        }
        LesionKind::Distortion => match rng.random_range(0..2) {
            0 => capitalise(&format!("{hedge}architectural distortion {at}, measuring approximately {size} mm.")),
            _ => format!("There is {hedge}architectural distortion {at}, spanning {size} mm."),
        },
        LesionKind::FocalAsymmetry => match rng.random_range(0..2) {
            0 => format!("A {hedge}focal asymmetry is present {at}, measuring {size} mm."),
            _ => format!("There is a {hedge}focal asymmetry {at}, approximately {size} mm."),
        },
        LesionKind::IntramammaryLymphNode => format!(
            "A benign-appearing {size} mm intramammary lymph node is noted {at}."
        ),
    }
}

fn negation(rng: &mut ChaCha8Rng, types: &[FindingType], scope: &str) -> String {
    let style = rng.random_range(0..3);
    let words: Vec<&str> = types
        .iter()
        .map(|t| match (t, style) {
            (FindingType::Mass, 0) => "suspicious masses",
            (FindingType::Mass, 1) => "dominant mass",
            (FindingType::Mass, _) => "mass",
            (FindingType::Calcification, 0) => "suspicious calcifications",
            (FindingType::Calcification, _) => "suspicious microcalcifications",
            (_, 0) => "areas of architectural distortion",
            _ => "architectural distortion",
        })
        .collect();
    match style {
        0 => format!("There are no {} {scope}.", list(&words, "or")),
        1 => format!("No {} is seen {scope}.", list(&words, "or")),
        _ => format!("No mammographic evidence of {} {scope}.", list(&words, "or")),
    }
}

fn findings(rng: &mut ChaCha8Rng, labels: &ExamLabels, per_side_headers: bool) -> String {
    if labels.lesions.is_empty() {
        return negation(rng, &NEGATED_TYPES, "in either breast");
    }
    let mut out = Vec::new();
    for side in [Laterality::Right, Laterality::Left] {
        let mut sentences: Vec<String> = labels.lesions_on(side).map(|l| finding_sentence(rng, l)).collect();
        let negated = labels.negated_on(side);
        if !negated.is_empty() {
            sentences.push(negation(rng, &negated, &format!("in the {} breast", side_word(side))));
        }
        let body = sentences.join(" ");
        out.push(if per_side_headers { format!("{}: {body}", capitalise(side_word(side))) } else { body });
    }
    out.join(if per_side_headers { "\n" } else { " " })
}

fn category_phrase(rng: &mut ChaCha8Rng, c: BiRads) -> String {
    match rng.random_range(0..3) {
        0 => format!("BI-RADS Category {}: {}.", c.code(), c.wording()),
        1 => format!("BI-RADS {} - {}.", c.code(), c.wording()),
        _ => format!("{} (BI-RADS {}).", c.wording(), c.code()),
    }
}

fn impression(rng: &mut ChaCha8Rng, labels: &ExamLabels) -> String {
    let exam = labels.exam_birads();
    let overall = category_phrase(rng, exam);
    if labels.birads_left == labels.birads_right {
        return overall;
    }
    let side = |l: Laterality, c: BiRads| format!("{} breast: BI-RADS {} - {}.", capitalise(side_word(l)), c.code(), c.wording());
    format!("{} {} Overall: {overall}", side(Laterality::Right, labels.birads_right), side(Laterality::Left, labels.birads_left))
}

fn recommendation(rng: &mut ChaCha8Rng, labels: &ExamLabels) -> String {
    let exam = labels.exam_birads();
    let worst = [Laterality::Right, Laterality::Left]
        .into_iter()
        .find(|l| {
            let c = if *l == Laterality::Right { labels.birads_right } else { labels.birads_left };
            c == exam
        })
        .map(side_word)
        .unwrap_or("right");
    let calcs_only = labels.lesions.iter().filter(|l| side_word(l.side) == worst).all(|l| l.finding_type() == FindingType::Calcification);
    match exam {
        BiRads::Negative | BiRads::Benign => pick(rng, &[
            ("Routine screening mammography in 12 months.", 1.0),
            ("Continue annual screening mammography in 1 year.", 1.0),
            ("Recommend routine annual screening mammogram.", 1.0),
        ]).to_string(),
        BiRads::Incomplete => match rng.random_range(0..2) {
            0 => format!("Recall for additional imaging of the {worst} breast: diagnostic mammography with spot compression views and ultrasound as needed."),
            _ => format!("Additional evaluation of the {worst} breast with diagnostic mammography and ultrasound is recommended."),
        },
        BiRads::ProbablyBenign => format!("Short-interval follow-up diagnostic mammogram of the {worst} breast in 6 months."),
        _ if calcs_only => format!("Stereotactic-guided biopsy of the {worst} breast calcifications is recommended."),
        _ => format!("Ultrasound-guided core needle biopsy of the {worst} breast finding is recommended."),
    }
}

/// Writes the report for `labels`; `age` goes into the indication line.
pub fn write_report(rng: &mut ChaCha8Rng, labels: &ExamLabels, age: u8) -> String {
    let mut out = String::new();
    let comp = composition(rng, labels);
    let imp = impression(rng, labels);
    let rec = recommendation(rng, labels);
    // The `write!` calls into a String cannot fail; the results are ignored for that reason.
    match rng.random_range(0..3) {
        0 => {
            let f = findings(rng, labels, true);
            let _ = write!(
                out,
                "EXAMINATION: Bilateral screening digital mammogram.\n\
                 CLINICAL INDICATION: Routine screening. Patient age {age}.\n\
                 TECHNIQUE: Standard craniocaudal and mediolateral oblique views of both breasts.\n\
                 COMPARISON: None available.\n\n\
                 BREAST COMPOSITION: {comp}\n\nFINDINGS:\n{f}\n\n\
                 IMPRESSION:\n{imp}\n\nRECOMMENDATION:\n{rec}\n"
            );
        }
        1 => {
            let f = findings(rng, labels, false);
            let _ = write!(
                out,
                "SCREENING MAMMOGRAM, BILATERAL\n\n\
                 CC and MLO views of both breasts were obtained. No prior examinations are available for comparison.\n\n\
                 {comp} {f}\n\nASSESSMENT: {imp}\n{rec}\n"
            );
        }
        _ => {
            let f = findings(rng, labels, true);
            let _ = write!(
                out,
                "Indication: screening, {age}-year-old woman.\nViews: RCC, LCC, RMLO, LMLO.\n\
                 Breast composition: {comp}\n\nFindings:\n{f}\n\n\
                 Final assessment: {imp}\nRecommendation: {rec}\n"
            );
        }
    }
    out
}
