//! ConText/NegEx-style assertion and side scope for one mention.
//!
//! Scope rules (the same for findings, categories and recommendations):
//! - a pre-trigger ("no", "possible", "prior") covers what follows it in its clause, up to an
//!   affirmative verb ("is seen"), a stop word ("but") or `MAX_SCOPE_WORDS` words;
//! - a post-trigger ("not seen", "cannot be excluded") covers what precedes it in its clause,
//!   back to an affirmative verb;
//! - a hypothetical trigger ("if", "would be") covers the rest of its sentence;
//! - HISTORY and COMPARISON sections are historical unless a "current" word ("stable", "now")
//!   appears in the sentence.

use mammoflow_domain::Side;

use crate::doc::{Doc, Sentence};
use crate::lexicon::{Dir, Hit, SectionKind, Term};

/// Pre-trigger scope in words: long enough for "no mass, calcification, architectural
/// distortion, skin thickening or nipple retraction", short enough not to leak across a
/// run-on sentence.
const MAX_SCOPE_WORDS: usize = 16;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Assertion {
    pub negated: bool,
    pub uncertain: bool,
    pub historical: bool,
    pub hypothetical: bool,
}

pub(crate) fn assertion(doc: &Doc, sent: &Sentence, target: &Hit) -> Assertion {
    let (cs, ce) = doc.clause(sent, target.start);
    let mut a = Assertion::default();
    // Pre-triggers: walk back from the target to the nearest trigger.
    for (_, h) in doc.hits_in(sent, cs, target.start).rev() {
        match h.term {
            Term::PosVerb => break,
            // "Not seen microcalcifications": a post-trigger opening the clause acts forward.
            Term::Neg(Dir::Post) if doc.words_between(cs, h.start) == 0 => {
                a.negated = true;
                break;
            }
            Term::Neg(Dir::Pre) | Term::Unc(Dir::Pre)
                if doc.words_between(h.end, target.start) <= MAX_SCOPE_WORDS =>
            {
                if matches!(h.term, Term::Neg(_)) {
                    a.negated = true;
                } else {
                    a.uncertain = true;
                }
                break;
            }
            _ => {}
        }
    }
    // Post-triggers: walk forward to the clause end.
    for (_, h) in doc.hits_in(sent, target.end, ce) {
        match h.term {
            Term::PosVerb | Term::Neg(Dir::Pre) | Term::Unc(Dir::Pre) => break,
            Term::Neg(Dir::Post) => {
                a.negated = true;
                break;
            }
            Term::Unc(Dir::Post) => {
                a.uncertain = true;
                break;
            }
            _ => {}
        }
    }
    if a.negated {
        a.uncertain = false;
    }
    a.historical = is_historical(doc, sent, cs, target);
    a.hypothetical = is_hypothetical(doc, sent, target);
    a
}

fn is_historical(doc: &Doc, sent: &Sentence, clause_start: usize, target: &Hit) -> bool {
    let current_in_sentence = doc.hits_in(sent, sent.start, sent.end).any(|(_, h)| h.term == Term::Current);
    if matches!(sent.section, SectionKind::History | SectionKind::Comparison) {
        return !current_in_sentence;
    }
    // The nearest history trigger before the target in its clause, not cancelled by a
    // "current" word between them or after the target in the clause.
    let mut hist = false;
    for (_, h) in doc.hits_in(sent, clause_start, target.start) {
        match h.term {
            Term::Hist => hist = true,
            Term::Current => hist = false,
            _ => {}
        }
    }
    hist && !doc.hits_in(sent, target.end, sent.end).any(|(_, h)| h.term == Term::Current)
}

fn is_hypothetical(doc: &Doc, sent: &Sentence, target: &Hit) -> bool {
    let (cs, ce) = doc.clause(sent, target.start);
    if doc.hits_in(sent, cs, target.start).any(|(_, h)| matches!(h.term, Term::Hypo(_))) {
        return true;
    }
    // "BI-RADS 2 if the cyst is confirmed": a conditional right after the mention.
    doc.hits_in(sent, target.end, ce)
        .find(|(_, h)| matches!(h.term, Term::Hypo(_)))
        .is_some_and(|(_, h)| doc.words_between(target.end, h.start) <= 3)
}

/// The side of a mention. `claimed` marks side hits already taken as a following side by an
/// earlier finding of the same clause, so they are not reused as a premodifier.
pub(crate) fn side_of(doc: &Doc, sent: &Sentence, target: &Hit, claimed: &mut Vec<usize>, finding_like: bool) -> Option<Side> {
    let (cs, ce) = doc.clause(sent, target.start);
    let is_side = |h: &Hit| matches!(h.term, Term::Side(_));
    let is_anchor = |h: &Hit| {
        if finding_like {
            matches!(h.term, Term::Finding(_) | Term::FindingWith(..))
        } else {
            matches!(h.term, Term::Birads | Term::CategoryKw | Term::CatPhrase(_) | Term::DensityKw | Term::DensityPhrase(_))
        }
    };
    let side_val = |h: &Hit| match h.term {
        Term::Side(s) => Some(s),
        _ => None,
    };
    // 0. A category followed by its side in the same phrase ("BI-RADS 2 for the right
    //    breast"): no punctuation and at most three words between.
    if !finding_like {
        let text = doc.text();
        if let Some((_, h)) = doc.hits_in(sent, target.end, ce).find(|(_, h)| is_side(h) || is_anchor(h)) {
            let gap = &text[target.end..h.start];
            let prepositions = gap.split(' ').filter(|w| !w.is_empty()).all(|w| matches!(w, "for" | "the" | "in" | "of" | "on" | "at"));
            if is_side(h) && prepositions {
                return side_val(h);
            }
        }
    }
    // 1. Premodifier: the nearest unclaimed side before the target, close, no other anchor
    //    or side between ("right breast mass", "left upper outer quadrant calcifications").
    for (idx, h) in doc.hits_in(sent, cs, target.start).rev() {
        if is_anchor(h) {
            break;
        }
        if is_side(h) {
            if !claimed.contains(&idx) && doc.words_between(h.end, target.start) <= 5 {
                return side_val(h);
            }
            break;
        }
    }
    // 2. A following side before the next anchor ("mass in the right breast").
    for (idx, h) in doc.hits_in(sent, target.end, ce) {
        if is_anchor(h) {
            break;
        }
        if is_side(h) {
            claimed.push(idx);
            return side_val(h);
        }
    }
    // 3. The nearest preceding side in the clause ("in the left breast there is a mass and
    //    calcifications").
    if let Some((_, h)) = doc.hits_in(sent, cs, target.start).rev().find(|(_, h)| is_side(h)) {
        return side_val(h);
    }
    // 4. A list shares the side written after it ("no mass, calcification or distortion in
    //    either breast").
    if let Some((_, h)) = doc.hits_in(sent, target.end, ce).find(|(_, h)| is_side(h)) {
        return side_val(h);
    }
    // 5. An earlier clause of the same sentence ("In the right breast, there is...; ...").
    if let Some((_, h)) = doc.hits_in(sent, sent.start, cs).rev().find(|(_, h)| is_side(h)) {
        return side_val(h);
    }
    sent.side_scope
}
