//! The management recommendation and its interval.

use mammoflow_domain::RecommendationAction as R;

use super::values::{tokens, Tok};
use crate::context::assertion;
use crate::doc::{Doc, Sentence};
use crate::lexicon::{Hit, SectionKind, Term};

#[derive(Debug, Clone, Copy)]
pub(crate) struct RecCand {
    pub action: R,
    pub interval_months: Option<u32>,
    pub span: (usize, usize),
}

/// Urgency order used to pick one action when a report names several.
fn urgency(a: R) -> u8 {
    match a {
        R::RoutineScreening => 1,
        R::ShortIntervalFollowUp => 2,
        R::AdditionalImaging => 3,
        R::SurgicalConsultation => 4,
        R::Biopsy => 5,
    }
}

pub(crate) fn extract(doc: &Doc) -> Option<RecCand> {
    let mut best: Option<RecCand> = None;
    for sent in &doc.sentences {
        if matches!(sent.section, SectionKind::History | SectionKind::Comparison | SectionKind::Technique) {
            continue;
        }
        let hits = &doc.hits[sent.hits.clone()];
        // An imperative "Routine screening." / "Recall for ultrasound." opens its sentence.
        let opens = hits
            .iter()
            .find(|h| !matches!(h.term, Term::Side(_)))
            .is_some_and(|h| matches!(h.term, Term::Rec(_) | Term::FollowUp) && doc.words_between(sent.start, h.start) <= 2)
            && doc.words_between(sent.start, sent.end) <= 10
            && !hits.iter().any(|h| h.term == Term::PosVerb);
        let rec_context = if doc.lang.impression_is_rec_context() {
            matches!(sent.section, SectionKind::Recommendation | SectionKind::Impression | SectionKind::Addendum)
                || opens
                || hits.iter().any(|h| matches!(h.term, Term::RecVerb | Term::Birads | Term::CategoryKw))
        } else {
            // Chinese: advice follows its verb (…考虑纤维腺瘤，BI-RADS 3类，建议6个月后复查).
            sent.section == SectionKind::Recommendation || opens
        };
        // Chinese: a term counts after a verb (建议…), and 定期复查 / 短期随访 in an impression
        // are advice by themselves.
        let verb_led = !doc.lang.impression_is_rec_context();
        let verb_at = hits.iter().find(|h| h.term == Term::RecVerb).map(|h| h.start);
        let mut here: Vec<RecCand> = Vec::new();
        for h in hits {
            let action = match h.term {
                Term::Rec(a) => Some(a),
                Term::FollowUp => None,
                _ => continue,
            };
            // A follow-up with a stated interval is a recommendation wherever it is written.
            let dated_follow_up = matches!(action, None | Some(R::ShortIntervalFollowUp)) && interval_near(doc, sent, h).is_some();
            let after_verb = verb_led && verb_at.is_some_and(|v| v < h.start);
            let plain_advice = verb_led
                && matches!(action, None | Some(R::RoutineScreening | R::ShortIntervalFollowUp))
                && matches!(sent.section, SectionKind::Impression | SectionKind::Addendum);
            if !(rec_context || dated_follow_up || after_verb || plain_advice) {
                continue;
            }
            let a = assertion(doc, sent, h);
            if a.negated || a.hypothetical || a.historical {
                continue;
            }
            if verb_led && !after_verb && follow_up_was_done(doc, sent, h) {
                continue;
            }
            let mut interval = interval_near(doc, sent, h);
            let said = &doc.text()[h.start..h.end];
            if action == Some(R::RoutineScreening) && (said.contains("annual") || said.contains("yearly")) {
                interval = Some(12);
            }
            let action = match (action, interval) {
                // "Routine follow-up in 6 months" / 定期随访（3-6个月）: the interval decides.
                (Some(R::RoutineScreening), Some(m)) if m < 12 => R::ShortIntervalFollowUp,
                (Some(a), _) => a,
                (None, Some(m)) if m < 12 => R::ShortIntervalFollowUp,
                (None, Some(_)) => R::RoutineScreening,
                (None, None) => continue,
            };
            let interval = match action {
                R::ShortIntervalFollowUp | R::RoutineScreening => interval,
                _ => None,
            };
            here.push(RecCand { action, interval_months: interval, span: (h.start, h.end) });
        }
        // "6-month follow-up ultrasound": the imaging word is the follow-up's modality.
        if here.iter().any(|c| c.action == R::ShortIntervalFollowUp) {
            here.retain(|c| c.action != R::AdditionalImaging);
        }
        for cand in here {
            let action = cand.action;
            let interval = cand.interval_months;
            best = match best {
                Some(b) if urgency(b.action) > urgency(action) => Some(b),
                Some(b) if urgency(b.action) == urgency(action) && (b.interval_months.is_some() || interval.is_none()) => Some(b),
                _ => Some(cand),
            };
        }
    }
    best
}

/// 两年随访稳定 / 随访较前无明显变化: a follow-up next to a "no change" word describes the past.
fn follow_up_was_done(doc: &Doc, sent: &Sentence, h: &Hit) -> bool {
    let (from, to) = doc.scope(sent, h.start);
    doc.hits_in(sent, from, to).any(|(_, x)| x.term == Term::Current)
}

/// The interval nearest to the action in its sentence: "6 months", "six-month", "annual",
/// "in 1 year".
fn interval_near(doc: &Doc, sent: &Sentence, h: &Hit) -> Option<u32> {
    let text = doc.text();
    let mut best: Option<(usize, u32)> = None;
    for k in sent.hits.clone() {
        let x = doc.hits[k];
        let months = match x.term {
            Term::Interval(m) => Some(m),
            Term::Months(unit) => count_before(doc, sent, &x).map(|n| n * unit),
            _ => None,
        };
        let Some(m) = months else { continue };
        // "follow-up in 6 months" (after, close) or "6-month follow-up" (just before); a
        // duration elsewhere ("stable for 3 years") is not the interval.
        let close = if x.start >= h.end {
            doc.words_between(h.end, x.start) <= 10
        } else {
            doc.words_between(x.end, h.start) <= 2
        };
        if !close {
            continue;
        }
        let dist = if x.start >= h.end { x.start - h.end } else { h.start.saturating_sub(x.end) };
        if best.is_none_or(|(d, _)| dist < d) {
            best = Some((dist, m));
        }
    }
    let _ = text;
    best.map(|(_, m)| m)
}

fn count_before(doc: &Doc, sent: &Sentence, unit: &Hit) -> Option<u32> {
    // Digits right before ("6 months", "6-month" normalised to "6 month").
    let text = doc.text();
    let from = unit.start.saturating_sub(6).max(sent.start);
    let from = (from..=unit.start).find(|&i| text.is_char_boundary(i)).unwrap_or(unit.start);
    if let Some(Tok::Num(n)) = tokens(text, from, unit.start).last().map(|t| t.tok) {
        return n.parse::<f32>().ok().map(|v| v as u32).filter(|v| *v > 0 && *v <= 60);
    }
    // A number word ("six months").
    doc.hits[sent.hits.clone()]
        .iter()
        .rev()
        .find(|x| x.end <= unit.start && unit.start - x.end <= 1)
        .and_then(|x| if let Term::NumWord(n) = x.term { Some(n) } else { None })
}
