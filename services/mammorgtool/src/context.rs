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
//!
//! Chinese reports use the same rules with two settings of [`crate::lang::Lang`]: a comma ends
//! a trigger's scope (未见明显肿块及钙化，右乳见… — the words-based limit means nothing without
//! spaces), and the side comes from the nearest preceding 左/右/双 word.

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
    let (cs, ce) = doc.scope(sent, target.start);
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
    let (_, scope_end) = doc.scope(sent, target.start);
    let current_end = if doc.lang.comma_ends_trigger_scope() { scope_end } else { sent.end };
    hist && !doc.hits_in(sent, target.end, current_end).any(|(_, h)| h.term == Term::Current)
}

fn is_hypothetical(doc: &Doc, sent: &Sentence, target: &Hit) -> bool {
    let (cs, ce) = doc.clause(sent, target.start);
    if doc.hits_in(sent, cs, target.start).any(|(_, h)| matches!(h.term, Term::Hypo(_))) {
        return true;
    }
    // "BI-RADS 2 if the cyst is confirmed": a conditional right after the mention (in Chinese,
    // before the next comma: …BI-RADS 4A类，建议超声检查，必要时活检 keeps the category).
    let (_, se) = doc.scope(sent, target.start);
    doc.hits_in(sent, target.end, ce.min(se))
        .find(|(_, h)| matches!(h.term, Term::Hypo(_)))
        .is_some_and(|(_, h)| doc.words_between(target.end, h.start) <= 3)
}

/// The side of a mention. `claimed` marks side hits already taken as a following side by an
/// earlier finding of the same clause, so they are not reused as a premodifier.
pub(crate) fn side_of(doc: &Doc, sent: &Sentence, target: &Hit, claimed: &mut Vec<usize>, finding_like: bool) -> Option<Side> {
    if doc.lang.side_from_nearest_preceding() {
        return side_nearest_preceding(doc, sent, target, finding_like);
    }
    let (cs, ce) = doc.clause(sent, target.start);
    let is_side = |h: &Hit| matches!(h.term, Term::Side(_));
    let is_anchor = |h: &Hit| is_anchor(h, finding_like);
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

fn is_anchor(h: &Hit, finding_like: bool) -> bool {
    if finding_like {
        matches!(h.term, Term::Finding(_) | Term::FindingWith(..) | Term::FindingNeg(_))
    } else {
        matches!(h.term, Term::Birads | Term::CategoryKw | Term::CatSuffix | Term::CatPhrase(_) | Term::DensityKw | Term::DensityPhrase(_))
    }
}

/// The side rule of Chinese reports (MammoRGTool's, `reference/birads.md` §7 item 6): the
/// nearest preceding 左/右/双 word of the sentence (右乳外上象限肿块伴钙化，BI-RADS 4C类); else,
/// for a finding, a side written after it in its 分句 before the next finding (肿块位于右乳);
/// else the sentence's side header. [`side_in_section`] adds the section-level fallback.
fn side_nearest_preceding(doc: &Doc, sent: &Sentence, target: &Hit, finding_like: bool) -> Option<Side> {
    let side_val = |h: &Hit| match h.term {
        Term::Side(s) => Some(s),
        _ => None,
    };
    if let Some(s) = doc.hits_in(sent, sent.start, target.start).rev().find_map(|(_, h)| side_val(h)) {
        return Some(s);
    }
    // A density or category followed by a side (乳腺呈散在纤维腺体型，两侧大致对称) does not
    // take it: only findings look forward.
    if finding_like {
        let (_, se) = doc.scope(sent, target.start);
        for (_, h) in doc.hits_in(sent, target.end, se) {
            if is_anchor(h, finding_like) {
                break;
            }
            if let Some(s) = side_val(h) {
                return Some(s);
            }
        }
    }
    sent.side_scope
}

/// Chinese only: an asserted finding with no side in its sentence takes the nearest side word
/// earlier in its section (右乳外上象限见一肿块。其内见细小钙化。). A negated one does not: a
/// bare 未见钙化 speaks for the exam.
pub(crate) fn side_in_section(doc: &Doc, sent: &Sentence) -> Option<Side> {
    if !doc.lang.side_from_nearest_preceding() {
        return None;
    }
    doc.side_before_in_section(sent, sent.start)
}