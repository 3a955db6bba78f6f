//! From candidates to fields: per-breast combination by clinical severity, conflicts,
//! finding merge, recommendation concordance, confidence and evidence.

use std::collections::HashMap;

use mammoflow_domain::{
    BiRads, Density, Finding, FindingStatus, FindingType, PerBreast, Recommendation, RecommendationAction as R, Side, StructuredReport,
};

use crate::doc::Doc;
use crate::extract::findings::RawFinding;
use crate::extract::recommend::RecCand;
use crate::extract::{Cand, Note, Source};
use crate::report::{Confidence, WarningCode as W};

/// (field, value, span in normalised bytes, rule).
pub(crate) type EvidenceItem = (String, String, (usize, usize), &'static str);

/// Which candidates fill a per-breast slot.
type Slot = (&'static str, fn(Option<Side>) -> bool);

/// Everything a report resolves to, spans still in normalised bytes.
pub(crate) struct Resolved {
    pub report: StructuredReport,
    pub confidence: Confidence,
    pub notes: Vec<Note>,
    /// (field, value, span, rule)
    pub evidence: Vec<EvidenceItem>,
}

pub(crate) fn resolve(
    doc: &Doc,
    explain: bool,
    birads: Vec<Cand<BiRads>>,
    density: Vec<Cand<Density>>,
    raw: Vec<RawFinding>,
    rec: Option<RecCand>,
    mut notes: Vec<Note>,
) -> Resolved {
    let mut evidence = Vec::new();

    // BI-RADS: stated codes win over phrases; an addendum wins over the body.
    // A sided phrase ("Left breast: negative.") still fills a side that no code names.
    let coded: Vec<_> = birads.iter().filter(|c| c.source != Source::Phrase).copied().collect();
    let mut pool = if coded.is_empty() { birads.clone() } else { coded.clone() };
    if !coded.is_empty() {
        for p in birads.iter().filter(|c| c.source == Source::Phrase && matches!(c.side, Some(Side::Left | Side::Right))) {
            if !coded.iter().any(|c| c.side == p.side || c.side == Some(Side::Bilateral)) {
                pool.push(*p);
            }
        }
    }
    if !pool.is_empty() && pool.iter().all(|c| c.source == Source::Phrase) {
        notes.push(Note { code: W::PhraseOnlyAssessment, span: Some(pool[0].span), message: "assessment read from its phrase only".into() });
    }
    let pool = addendum_wins(pool, &mut notes, |a, b| a == b);
    let (b, bconf) = combine(&pool, BiRads::most_severe, W::ConflictingBirads, &mut notes, explain.then_some(&mut evidence), "birads");
    let mut birads_pb = b;
    let mut birads_conf = bconf;
    if let (Some(l), Some(r)) = (birads_pb.left, birads_pb.right) {
        let sides = l.most_severe(r);
        match birads_pb.overall {
            None => {
                birads_pb.overall = Some(sides);
                birads_conf.overall = min_conf(birads_conf.left, birads_conf.right);
            }
            Some(o) if sides > o => {
                notes.push(Note { code: W::ConflictingBirads, span: None, message: format!("overall {o} is less severe than a side ({sides}); using {sides}") });
                birads_pb.overall = Some(sides);
                birads_conf.overall = birads_conf.overall.map(|c| c * 0.7);
            }
            _ => {}
        }
    } else if birads_pb.overall.is_none() {
        let one = birads_pb.left.or(birads_pb.right);
        birads_pb.overall = one;
        birads_conf.overall = if birads_pb.left.is_some() { birads_conf.left } else { birads_conf.right };
    }
    if birads_pb.overall.is_none() {
        notes.push(Note { code: W::NoAssessment, span: None, message: "no BI-RADS assessment found".into() });
    }

    // Density: codes win over phrases when they disagree.
    let coded: Vec<_> = density.iter().filter(|c| c.source == Source::Code).copied().collect();
    let phrases: Vec<_> = density.iter().filter(|c| c.source != Source::Code).copied().collect();
    if let (Some(c), Some(p)) = (coded.first(), phrases.first()) {
        if coded.iter().chain(&phrases).any(|x| x.value != c.value) {
            notes.push(Note { code: W::ConflictingDensity, span: Some(p.span), message: format!("density code {} and phrase {} disagree; code used", c.value, p.value) });
        }
    }
    let pool = if coded.is_empty() { phrases } else { coded };
    let pool = addendum_wins(pool, &mut notes, |a, b| a == b);
    let (mut density_pb, mut density_conf) = combine(&pool, Density::max, W::ConflictingDensity, &mut notes, explain.then_some(&mut evidence), "density");
    if density_pb.overall.is_none() {
        // Both sides stated: the denser one describes the exam (what notification rules use).
        density_pb.overall = match (density_pb.left, density_pb.right) {
            (Some(l), Some(r)) => Some(l.max(r)),
            (l, r) => l.or(r),
        };
        density_conf.overall = min_conf(density_conf.left, density_conf.right);
    }

    let findings = merge_findings(raw, doc_side(doc), &mut notes, explain.then_some(&mut evidence));
    let finding_conf = if findings.is_empty() { 0.5 } else { 0.85 };

    let recommendation = rec.map(|r| {
        let discordant = birads_pb.overall.is_some_and(|c| discordant(c, r.action));
        if discordant {
            notes.push(Note { code: W::DiscordantRecommendation, span: Some(r.span), message: format!("{:?} does not fit the assessment", r.action) });
        }
        if explain {
            evidence.push(("recommendation".into(), format!("{:?}", r.action), r.span, "recommendation term in a recommendation context"));
        }
        Recommendation { action: Some(r.action), interval_months: r.interval_months, discordant }
    });
    Resolved {
        report: StructuredReport { birads: birads_pb, density: density_pb, findings, recommendation },
        confidence: Confidence {
            birads: birads_conf,
            density: density_conf,
            findings: finding_conf,
            recommendation: recommendation.map(|_| 0.85),
        },
        notes,
        evidence,
    }
}

fn min_conf(a: Option<f32>, b: Option<f32>) -> Option<f32> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// When an addendum states the value, only the addendum counts (the latest word wins).
fn addendum_wins<T: Copy>(pool: Vec<Cand<T>>, notes: &mut Vec<Note>, same: impl Fn(&T, &T) -> bool) -> Vec<Cand<T>> {
    let (add, body): (Vec<_>, Vec<_>) = pool.into_iter().partition(|c| c.addendum);
    if add.is_empty() {
        return body;
    }
    if body.iter().any(|b| !add.iter().any(|a| same(&a.value, &b.value))) {
        notes.push(Note { code: W::AddendumOverride, span: Some(add[0].span), message: "addendum changes the value stated in the body".into() });
    }
    add
}

fn combine<T: Copy + PartialEq + std::fmt::Display>(
    pool: &[Cand<T>],
    pick: impl Fn(T, T) -> T,
    conflict: W,
    notes: &mut Vec<Note>,
    mut evidence: Option<&mut Vec<EvidenceItem>>,
    field: &str,
) -> (PerBreast<T>, PerBreast<f32>) {
    let mut out = PerBreast::default();
    let mut conf = PerBreast::default();
    let slots: [Slot; 3] = [
        ("overall", |s| s.is_none()),
        ("left", |s| matches!(s, Some(Side::Left | Side::Bilateral))),
        ("right", |s| matches!(s, Some(Side::Right | Side::Bilateral))),
    ];
    for (name, fits) in slots {
        let mine: Vec<&Cand<T>> = pool.iter().filter(|c| fits(c.side)).collect();
        let Some(first) = mine.first() else { continue };
        let mut v = first.value;
        let mut span = first.span;
        for c in &mine[1..] {
            let nv = pick(v, c.value);
            if nv != v {
                span = c.span;
            }
            v = nv;
        }
        let distinct = mine.iter().any(|c| c.value != first.value);
        if distinct {
            notes.push(Note { code: conflict, span: Some(span), message: format!("several values for {field}.{name}; using the most severe ({v})") });
        }
        let base = match first.source {
            Source::Code => 0.95,
            Source::AcrNumber => 0.85,
            Source::Phrase => 0.8,
            Source::UkScore => 0.75,
        };
        let c = if distinct { base * 0.7 } else { base };
        let value = Some(v);
        match name {
            "overall" => (out.overall, conf.overall) = (value, Some(c)),
            "left" => (out.left, conf.left) = (value, Some(c)),
            _ => (out.right, conf.right) = (value, Some(c)),
        }
        if let Some(ev) = evidence.as_deref_mut() {
            ev.push((format!("{field}.{name}"), v.to_string(), span, rule_of(first.source)));
        }
    }
    (out, conf)
}

fn rule_of(s: Source) -> &'static str {
    match s {
        Source::Code => "code after a keyword",
        Source::Phrase => "standard phrase",
        Source::UkScore => "UK M-score mapped",
        Source::AcrNumber => "ACR number as assessment",
    }
}

/// Category vs recommendation (BI-RADS management table).
pub(crate) fn discordant(cat: BiRads, a: R) -> bool {
    match cat {
        BiRads::Negative | BiRads::Benign => a != R::RoutineScreening,
        BiRads::ProbablyBenign => a != R::ShortIntervalFollowUp,
        BiRads::Incomplete => !matches!(a, R::AdditionalImaging),
        _ => matches!(a, R::RoutineScreening | R::ShortIntervalFollowUp),
    }
}

/// The one breast a report talks about, when every side word names the same single breast.
fn doc_side(doc: &Doc) -> Option<Side> {
    let mut sides = doc.hits.iter().filter_map(|h| if let crate::lexicon::Term::Side(s) = h.term { Some(s) } else { None });
    let first = sides.next()?;
    (first != Side::Bilateral && sides.all(|s| s == first)).then_some(first)
}

/// Merges repeated mentions: a later unsided mention of a finding takes the side of the last
/// sided positive one ("The mass is irregular"), then equal (type, side, status) merge.
fn merge_findings(
    raw: Vec<RawFinding>,
    doc_side: Option<Side>,
    notes: &mut Vec<Note>,
    mut evidence: Option<&mut Vec<EvidenceItem>>,
) -> Vec<Finding> {
    let mut out: Vec<(Finding, (usize, usize))> = Vec::with_capacity(raw.len());
    // Side of the next sided mention of each (type, status), from a reverse pass, and of the
    // last one, updated going forward: both O(1) per finding so merging stays linear.
    let mut next_sided: Vec<Option<Side>> = vec![None; raw.len()];
    let mut seen: HashMap<(FindingType, FindingStatus), Side> = HashMap::new();
    for (i, f) in raw.iter().enumerate().rev() {
        next_sided[i] = seen.get(&(f.ftype, f.status)).copied();
        if let Some(s) = f.side {
            seen.insert((f.ftype, f.status), s);
        }
    }
    let mut last_sided: HashMap<(FindingType, FindingStatus), Side> = HashMap::new();
    let mut last_any: Option<Side> = None;
    for (i, mut f) in raw.into_iter().enumerate() {
        if f.side.is_none() && f.associated {
            // "Associated calcifications": the side of the lesion described before.
            f.side = last_any;
        }
        if f.side.is_none() && f.status != FindingStatus::Negative {
            // The same finding described again without its side: the last sided mention,
            // else the next one ("This case shows a developing asymmetry. ... in the right").
            f.side = last_sided.get(&(f.ftype, f.status)).copied().or(next_sided[i]);
        }
        if f.side.is_none() && f.status != FindingStatus::Negative {
            // A report that only ever names one breast (a unilateral diagnostic exam).
            f.side = doc_side;
        }
        if let Some(s) = f.side {
            last_sided.insert((f.ftype, f.status), s);
            last_any = Some(s);
        }
        if let Some((g, _)) = out.iter_mut().find(|(g, _)| g.finding_type == f.ftype && g.side == f.side && g.status == f.status) {
            for d in f.descriptors {
                if !g.descriptors.iter().any(|x| x == d) {
                    g.descriptors.push(d.to_string());
                }
            }
            for l in f.locations {
                if !g.locations.contains(&l) {
                    g.locations.push(l);
                }
            }
            g.size_mm = g.size_mm.or(f.size_mm);
            continue;
        }
        out.push((
            Finding {
                finding_type: f.ftype,
                side: f.side,
                status: f.status,
                descriptors: f.descriptors.iter().map(|d| d.to_string()).collect(),
                locations: f.locations,
                size_mm: f.size_mm,
                span: None,
            },
            f.span,
        ));
    }
    for (k, (f, span)) in out.iter().enumerate() {
        if let Some(side) = f.side {
            for loc in &f.locations {
                if let (Some(q), Some(stated)) = (quadrant_of_clock(side, loc), f.locations.iter().find(|l| l.ends_with("_quadrant"))) {
                    if q != stated {
                        notes.push(Note { code: W::ClockQuadrantMismatch, span: Some(*span), message: format!("{loc} is {q} on the {side:?} side, report says {stated}") });
                    }
                }
            }
        }
        let Some(ev) = evidence.as_deref_mut() else { continue };
        ev.push((format!("findings[{k}]"), format!("{} {} {}", f.finding_type.name(), f.side.map_or("unsided", side_name), status_name(f.status)), *span, "lexicon term with context rules"));
    }
    // A hedged mention of a finding already asserted on the same side is its re-description
    // ("a mass ... likely a cyst"), not a second finding.
    let asserted: Vec<(FindingType, Option<Side>)> =
        out.iter().filter(|(f, _)| f.status == FindingStatus::Positive).map(|(f, _)| (f.finding_type, f.side)).collect();
    out.retain(|(f, _)| {
        f.status != FindingStatus::Uncertain
            || !asserted.iter().any(|(t, s)| *t == f.finding_type && (*s == f.side || f.side.is_none()))
    });
    // "Right … nodule; left … nodule. Impression: bilateral nodules": the bilateral mention
    // sums up the two sided ones.
    let sided: Vec<(FindingType, FindingStatus, Side)> =
        out.iter().filter_map(|(f, _)| f.side.filter(|s| *s != Side::Bilateral).map(|s| (f.finding_type, f.status, s))).collect();
    out.retain(|(f, _)| {
        let both = |side| sided.contains(&(f.finding_type, f.status, side));
        f.side != Some(Side::Bilateral) || !(both(Side::Left) && both(Side::Right))
    });
    // Spans are attached by the caller once mapped to characters.
    out.into_iter().map(|(mut f, span)| {
        f.span = Some([span.0, span.1]);
        f
    }).collect()
}

pub(crate) fn side_name(s: Side) -> &'static str {
    match s {
        Side::Left => "left",
        Side::Right => "right",
        Side::Bilateral => "bilateral",
    }
}

fn status_name(s: mammoflow_domain::FindingStatus) -> &'static str {
    match s {
        FindingStatus::Positive => "positive",
        FindingStatus::Negative => "negative",
        FindingStatus::Uncertain => "uncertain",
    }
}

/// Quadrant implied by a clock position ("clock_2" on the left is upper-outer). None on the
/// 12/3/6/9 boundaries.
pub(crate) fn quadrant_of_clock(side: Side, loc: &str) -> Option<&'static str> {
    let rest = loc.strip_prefix("clock_")?;
    let (h, half) = match rest.split_once('_') {
        Some((h, _)) => (h.parse::<u32>().ok()?, true),
        None => (rest.parse::<u32>().ok()?, false),
    };
    let p2 = (h % 12) * 2 + u32::from(half); // half-hours from 12 o'clock
    if p2 % 6 == 0 {
        return None;
    }
    let q = p2 / 6; // 0: 12-3, 1: 3-6, 2: 6-9, 3: 9-12
    Some(match (side, q) {
        (Side::Right, 0) | (Side::Left, 3) => "upper_inner_quadrant",
        (Side::Right, 1) | (Side::Left, 2) => "lower_inner_quadrant",
        (Side::Right, 2) | (Side::Left, 1) => "lower_outer_quadrant",
        (Side::Right, 3) | (Side::Left, 0) => "upper_outer_quadrant",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_face_maps_to_quadrants_by_side() {
        assert_eq!(quadrant_of_clock(Side::Left, "clock_2"), Some("upper_outer_quadrant"));
        assert_eq!(quadrant_of_clock(Side::Right, "clock_2"), Some("upper_inner_quadrant"));
        assert_eq!(quadrant_of_clock(Side::Right, "clock_10_30"), Some("upper_outer_quadrant"));
        assert_eq!(quadrant_of_clock(Side::Right, "clock_12"), None);
        assert_eq!(quadrant_of_clock(Side::Left, "clock_7"), Some("lower_inner_quadrant"));
    }

    #[test]
    fn discordance_follows_the_management_table() {
        assert!(discordant(BiRads::Negative, R::Biopsy));
        assert!(!discordant(BiRads::Benign, R::RoutineScreening));
        assert!(discordant(BiRads::ModerateSuspicion, R::RoutineScreening));
        assert!(!discordant(BiRads::HighlySuggestive, R::Biopsy));
        assert!(!discordant(BiRads::Incomplete, R::AdditionalImaging));
    }
}
