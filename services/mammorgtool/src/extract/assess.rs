//! BI-RADS assessment and breast-density mentions.
//!
//! Both are read in one left-to-right pass because they share trigger words: "BI-RADS C",
//! "ACR Category C" and "BIRADS density 3" are densities, "ACR 4" (French) and "BI-RADS 4" are
//! assessments. Each reader consumes the words it used, so a later trigger inside them (the
//! "category" of "density category 2") is not read a second time.

use mammoflow_domain::{BiRads, Density, Side};

use super::values::{category_base, density_code, density_letter, glued_sub, is_placeholder, side_word, tokens, with_sub, Tok, Token};
use super::{Cand, Note, Source};
use crate::context::{assertion, side_of};
use crate::doc::{Doc, Sentence};
use crate::lexicon::{Hit, SectionKind, Term};
use crate::report::WarningCode as W;

const CAT_FILLER: &[&str] = &[
    "category", "cat", "categories", "assessment", "final", "overall", "score", "class", "classification",
    "is", "of", "grade", "level", "kategorie", "the", "was", "breast", "breasts", "side", "sided", "classified",
    "as", "rads", "bi", "birads", "assessed", "acr",
];
const DENS_FILLER: &[&str] = &[
    "is", "are", "category", "cat", "type", "acr", "bi", "rads", "birads", "grade", "pattern", "level", "of",
    "the", "breast", "breasts", "tissue", "classified", "as", "mammographic", "composition", "density", "de", "typ",
];
const PHRASE_FILLER: &[&str] = &[
    "the", "overall", "final", "assessment", "impression", "conclusion", "is", "are", "breast", "breasts",
    "bilateral", "bilaterally", "right", "left", "both", "mammogram", "mammography", "mammographic",
    "examination", "exam", "study", "screening", "findings", "bi", "rads", "birads", "category", "this", "result",
    "results", "of", "appearance", "diagnostic", "digital", "summary", "opinion", "sided", "side", "overall",
];
const EXAM_WORDS: &[&str] = &["mammogram", "mammography", "mammographic", "examination", "exam", "study", "screening", "findings", "appearance"];

/// What followed a category trigger.
enum CatRead {
    Values(Vec<(BiRads, Option<Side>)>),
    Range(BiRads, BiRads),
    PickList,
    Placeholder,
    Density(Density),
    DensityFollows(usize),
    Phrase(usize),
    Nothing,
}

#[derive(Default)]
pub(crate) struct Assess {
    pub birads: Vec<Cand<BiRads>>,
    pub density: Vec<Cand<Density>>,
    pub notes: Vec<Note>,
}

pub(crate) fn extract(doc: &Doc) -> Assess {
    let mut out = Assess::default();
    for sent in &doc.sentences {
        let mut consumed = sent.start;
        for idx in sent.hits.clone() {
            let h = doc.hits[idx];
            if h.start < consumed {
                continue;
            }
            let before = consumed;
            consumed = h.end;
            match h.term {
                Term::Birads | Term::CategoryKw => {
                    let (read, end) = read_category(doc, sent, h.end);
                    consumed = consumed.max(end);
                    handle_category(doc, sent, &h, read, end, Source::Code, &mut out, &mut consumed);
                }
                Term::Side(_) if side_label_value(doc, sent, &h).is_some() => {
                    if let Some((b, end)) = side_label_value(doc, sent, &h) {
                        consumed = end;
                        push_birads(doc, sent, &Hit { end, ..h }, vec![(b, None)], Source::Code, &mut out);
                    }
                }
                Term::BiradsLit(b) => push_birads(doc, sent, &h, vec![(b, None)], Source::Code, &mut out),
                Term::UkScore(b) => {
                    out.notes.push(Note::new(W::UkScoreMapped, h.start, h.end, "UK M-score mapped to BI-RADS (approximate)"));
                    push_birads(doc, sent, &h, vec![(b, None)], Source::UkScore, &mut out);
                }
                Term::Acr => {
                    let (read, end) = read_category(doc, sent, h.end);
                    consumed = consumed.max(end);
                    // A number after "ACR" is a density only where the sentence talks about
                    // density; otherwise it is the French-style assessment.
                    if let CatRead::Values(v) = &read {
                        if density_context(doc, sent) {
                            if let Some((b, _)) = v.first() {
                                if let Some(d) = density_code(Tok::Num(b.code())) {
                                    push_density(doc, sent, &h, d, None, end, Source::Code, &mut out);
                                }
                            }
                            continue;
                        }
                    }
                    handle_category(doc, sent, &h, read, end, Source::AcrNumber, &mut out, &mut consumed);
                }
                Term::DensityKw => read_density_at(doc, sent, &h, h.end, false, &mut out, &mut consumed),
                Term::TypeKw if density_context(doc, sent) => read_density_at(doc, sent, &h, h.end, true, &mut out, &mut consumed),
                Term::DensityPhrase(d) => push_density(doc, sent, &h, d, None, h.end, Source::Phrase, &mut out),
                Term::CatSuffix => super::suffix::read(doc, sent, &h, before, &mut out),
                Term::CatPhrase(b) => phrase(doc, sent, &h, b, &mut out),
                Term::Desc("benign", _) => phrase(doc, sent, &h, BiRads::Benign, &mut out),
                Term::NodeNormal if &doc.text()[h.start..h.end] == "normal" => {
                    let after = tokens(doc.text(), h.end, sent.end).next();
                    let ends = match after.map(|t| t.tok) {
                        None | Some(Tok::Punct(_)) => true,
                        Some(Tok::Word(w)) => EXAM_WORDS.contains(&w) || w == "bilateral",
                        _ => false,
                    };
                    if ends {
                        phrase(doc, sent, &h, BiRads::Negative, &mut out);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn handle_category(doc: &Doc, sent: &Sentence, h: &Hit, read: CatRead, end: usize, source: Source, out: &mut Assess, consumed: &mut usize) {
    match read {
        CatRead::Values(v) => push_birads(doc, sent, &Hit { end, ..*h }, v, source, out),
        CatRead::Range(a, b) => {
            out.notes.push(Note::new(W::BiradsRange, h.start, end, "category range; the more severe end is used"));
            push_birads(doc, sent, &Hit { end, ..*h }, vec![(a.most_severe(b), None)], source, out);
        }
        CatRead::PickList => out.notes.push(Note::new(W::PickList, h.start, end, "unfilled category pick-list")),
        CatRead::Placeholder => out.notes.push(Note::new(W::TemplatePlaceholder, h.start, end, "category placeholder left unfilled")),
        CatRead::Density(d) => push_density(doc, sent, h, d, None, end, Source::Code, out),
        CatRead::DensityFollows(p) => read_density_at(doc, sent, h, p, false, out, consumed),
        CatRead::Phrase(p) => {
            if let Some(ph) = doc.hits[sent.hits.clone()].iter().find(|x| x.start == p) {
                if let Term::CatPhrase(b) = ph.term {
                    *consumed = (*consumed).max(ph.end);
                    push_birads(doc, sent, &Hit { end: ph.end, ..*h }, vec![(b, None)], Source::Code, out);
                }
            }
        }
        CatRead::Nothing => {}
    }
}

pub(super) fn push_birads(doc: &Doc, sent: &Sentence, h: &Hit, vals: Vec<(BiRads, Option<Side>)>, source: Source, out: &mut Assess) {
    let a = assertion(doc, sent, h);
    if a.hypothetical {
        out.notes.push(Note::new(W::HypotheticalCategory, h.start, h.end, "hypothetical category ignored"));
        return;
    }
    if a.historical || sent.section == SectionKind::Technique {
        out.notes.push(Note::new(W::HistoricalCategory, h.start, h.end, "historical category ignored"));
        return;
    }
    let mut claimed = Vec::new();
    let ctx_side = side_of(doc, sent, h, &mut claimed, false);
    for (value, side) in vals {
        out.birads.push(Cand {
            value,
            side: side.or(ctx_side),
            span: (h.start, h.end),
            source,
            addendum: sent.in_addendum,
        });
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn push_density(doc: &Doc, sent: &Sentence, h: &Hit, d: Density, side: Option<Side>, end: usize, source: Source, out: &mut Assess) {
    let hit = Hit { end, ..*h };
    let a = assertion(doc, sent, &hit);
    if a.hypothetical || a.historical {
        return;
    }
    let side = side.or_else(|| side_of(doc, sent, &hit, &mut Vec::new(), false));
    out.density.push(Cand { value: d, side, span: (h.start, end), source, addendum: sent.in_addendum });
}

/// A category phrase counts as the assessment when it opens an impression clause (after
/// filler such as "Right breast:" or "Overall assessment is"), or describes the exam anywhere
/// ("Negative mammogram", "The examination is benign").
fn phrase(doc: &Doc, sent: &Sentence, h: &Hit, b: BiRads, out: &mut Assess) {
    let (cs, _) = doc.clause(sent, h.start);
    let text = doc.text();
    let mut has_exam = false;
    for t in tokens(text, cs, h.start) {
        match t.tok {
            Tok::Punct(_) => {}
            Tok::Word(w) if PHRASE_FILLER.contains(&w) => has_exam |= EXAM_WORDS.contains(&w),
            _ => return,
        }
    }
    if let Some(Token { tok: Tok::Word(w), .. }) = tokens(text, h.end, sent.end).find(|t| !matches!(t.tok, Tok::Word("bilateral" | "screening" | "diagnostic"))) {
        has_exam |= EXAM_WORDS.contains(&w);
    }
    let impression = matches!(sent.section, SectionKind::Impression | SectionKind::Addendum);
    if !(impression || has_exam) {
        return;
    }
    if assertion(doc, sent, h).negated {
        return;
    }
    // "Suspicious right breast mass": the phrase qualifies a finding, so it speaks for the
    // exam, not for the side named inside the finding's description.
    let qualifies_finding = doc.hits[sent.hits.clone()]
        .iter()
        .find(|x| x.start >= h.end)
        .is_some_and(|x| matches!(x.term, Term::Finding(_) | Term::FindingWith(..)) && doc.words_between(h.end, x.start) <= 4);
    let before = out.birads.len();
    push_birads(doc, sent, h, vec![(b, None)], Source::Phrase, out);
    if qualifies_finding {
        for c in &mut out.birads[before..] {
            c.side = None;
        }
    }
}

/// "Right: 1." in an assessment block: a side label followed only by a category value, in
/// the impression or right after a sentence that named BI-RADS.
fn side_label_value(doc: &Doc, sent: &Sentence, h: &Hit) -> Option<(BiRads, usize)> {
    let toks: Vec<Token> = tokens(doc.text(), h.end, sent.end).take(5).collect();
    if !matches!(toks.first().map(|t| t.tok), Some(Tok::Punct(b':'))) {
        return None;
    }
    let (b, k) = value_at(&toks, 1)?;
    if !matches!(toks.get(k).map(|t| t.tok), None | Some(Tok::Punct(b'.' | b',' | b';'))) {
        return None;
    }
    let prev_named = sent.hits.start > 0
        && doc.hits[..sent.hits.start].iter().rev().take(3).any(|x| matches!(x.term, Term::Birads | Term::UkScore(_)));
    (sent.section == SectionKind::Impression || prev_named).then(|| (b, toks[k - 1].end))
}

fn density_context(doc: &Doc, sent: &Sentence) -> bool {
    if sent.section == SectionKind::Composition {
        return true;
    }
    let t = &doc.text()[sent.start..sent.end];
    doc.lang.density_words().iter().any(|w| t.contains(w))
}

fn read_category(doc: &Doc, sent: &Sentence, pos: usize) -> (CatRead, usize) {
    let toks: Vec<Token> = tokens(doc.text(), pos, sent.end).take(24).collect();
    let mut i = 0;
    let mut side = None;
    let mut end = pos;
    while i < toks.len() && i < 8 {
        match toks[i].tok {
            Tok::Punct(b':' | b'=' | b'(' | b')' | b'-' | b'#' | b'\'' | b'"') => {}
            t if is_placeholder(t) => return (CatRead::Placeholder, toks[i].end),
            Tok::Word("density" | "composition" | "type" | "typ" | "pattern") => {
                return (CatRead::DensityFollows(toks[i].start), toks[i].start)
            }
            Tok::Word(w) if side_word(w).is_some() => side = side_word(w),
            Tok::Word(w) if CAT_FILLER.contains(&w) || doc.lang.cat_filler(w) => {}
            _ => break,
        }
        end = toks[i].end;
        i += 1;
    }
    let Some(t) = toks.get(i) else { return (CatRead::Nothing, end) };
    if let Some(d) = density_letter(t.tok) {
        return (CatRead::Density(d), t.end);
    }
    let Some((first, mut j)) = value_at(&toks, i) else {
        return if doc.hits[sent.hits.clone()].iter().any(|h| h.start == t.start && matches!(h.term, Term::CatPhrase(_))) {
            (CatRead::Phrase(t.start), t.end)
        } else {
            (CatRead::Nothing, end)
        };
    };
    end = toks[j - 1].end;
    // A bare 4 refined in parentheses: "BI-RADS 4 (4B)", "BI-RADS 4类（4B）".
    let mut first = first;
    if first == BiRads::Suspicious {
        let k = j + usize::from(matches!(toks.get(j).map(|t| t.tok), Some(Tok::Word("类"))));
        if let (Some(Tok::Punct(b'(')), Some((sub, nk))) = (toks.get(k).map(|t| t.tok), value_at(&toks, k + 1)) {
            if matches!(sub, BiRads::LowSuspicion | BiRads::ModerateSuspicion | BiRads::HighSuspicion) {
                first = sub;
                j = nk;
                end = toks[nk - 1].end;
            }
        }
    }
    // Range ("IV-V", "2-3").
    if let (Some(sep), Some(next)) = (toks.get(j), value_at(&toks, j + 1)) {
        if matches!(sep.tok, Tok::Punct(b'-' | b'/' | b'~') | Tok::Word("or" | "to" | "至" | "或" | "到")) {
            return (CatRead::Range(first, next.0), toks[next.1 - 1].end);
        }
    }
    // "IV-V" normalises to "iv v": two Roman numerals in a row are a range too.
    let roman = |t: Option<&Token>| matches!(t.map(|t| t.tok), Some(Tok::Word(w)) if w.bytes().all(|c| matches!(c, b'i' | b'v')));
    if roman(toks.get(i)) && roman(toks.get(j)) {
        if let Some((second, k)) = value_at(&toks, j) {
            if value_at(&toks, k).is_none() {
                return (CatRead::Range(first, second), toks[k - 1].end);
            }
        }
    }
    // Pick-list ("0 1 2 3 4 5 6"): two or more further values straight after.
    let (mut k, mut more) = (j, 0);
    loop {
        let kk = if matches!(toks.get(k).map(|t| t.tok), Some(Tok::Punct(b','))) { k + 1 } else { k };
        match value_at(&toks, kk) {
            Some((_, nk)) => {
                more += 1;
                k = nk;
            }
            None => break,
        }
    }
    if more >= 2 {
        return (CatRead::PickList, toks[k - 1].end);
    }
    // Side after the value, then more "value side" pairs ("BI-RADS 2 right, 4A left").
    let mut vals = Vec::new();
    let mut cur = first;
    loop {
        let mut s = side;
        if s.is_none() {
            if let Some(Tok::Word(w)) = toks.get(j).map(|t| t.tok) {
                if let Some(sw) = side_word(w) {
                    s = Some(sw);
                    end = toks[j].end;
                    j += 1;
                }
            }
        }
        vals.push((cur, s));
        if s.is_none() {
            break;
        }
        // ", left 1" / "and 4A left"
        let mut k = j;
        if matches!(toks.get(k).map(|t| t.tok), Some(Tok::Punct(b',')) | Some(Tok::Word("and"))) {
            k += 1;
        }
        let pre_side = toks.get(k).and_then(|t| if let Tok::Word(w) = t.tok { side_word(w) } else { None });
        if pre_side.is_some() {
            k += 1;
        }
        match value_at(&toks, k) {
            Some((v, nk)) if pre_side.is_some() || toks.get(nk).is_some_and(|t| matches!(t.tok, Tok::Word(w) if side_word(w).is_some())) => {
                cur = v;
                side = pre_side;
                end = toks[nk - 1].end;
                j = nk;
            }
            _ => break,
        }
    }
    (CatRead::Values(vals), end)
}

/// A category value at token `i`: returns it and the index after it.
fn value_at(toks: &[Token], i: usize) -> Option<(BiRads, usize)> {
    let t = toks.get(i)?;
    if let Some(b) = glued_sub(t.tok) {
        return Some((b, i + 1));
    }
    let base = category_base(t.tok)?;
    if base == 4 {
        if let Some(Tok::Word(w @ ("a" | "b" | "c"))) = toks.get(i + 1).map(|t| t.tok) {
            return with_sub(4, Some(w.as_bytes()[0])).map(|b| (b, i + 2));
        }
    }
    // A number glued to a unit or followed by one is a size, not a category.
    if let Some(Tok::Word("cm" | "mm" | "o" | "clock" | "month" | "months" | "year" | "years")) = toks.get(i + 1).map(|t| t.tok) {
        return None;
    }
    with_sub(base, None).map(|b| (b, i + 1))
}

#[allow(clippy::too_many_arguments)]
fn read_density_at(doc: &Doc, sent: &Sentence, h: &Hit, pos: usize, strict: bool, out: &mut Assess, consumed: &mut usize) {
    let toks: Vec<Token> = tokens(doc.text(), pos, sent.end).take(12).collect();
    let mut i = 0;
    let mut side = None;
    while i < toks.len() && i < 8 {
        match toks[i].tok {
            Tok::Punct(b':' | b'=' | b'(' | b'-' | b'\'') => {}
            t if is_placeholder(t) => {
                out.notes.push(Note::new(W::TemplatePlaceholder, h.start, toks[i].end, "density placeholder left unfilled"));
                *consumed = (*consumed).max(toks[i].end);
                return;
            }
            Tok::Word(w) if !strict && side_word(w).is_some() => side = side_word(w),
            Tok::Word(w) if !strict && (DENS_FILLER.contains(&w) || doc.lang.dens_filler(w)) => {}
            _ => break,
        }
        i += 1;
    }
    let Some(t) = toks.get(i) else { return };
    // A density phrase after the keyword ("Breast density: heterogeneously dense") is read
    // by its own hit; nothing to consume here.
    let code = density_code(t.tok).filter(|_| {
        !matches!(toks.get(i + 1).map(|n| n.tok), Some(Tok::Word("cm" | "mm" | "x")) | Some(Tok::Num(_)))
    });
    let Some(d) = code else { return };
    // Pick-list "a b c d": two more codes straight after.
    if toks.get(i + 1).and_then(|n| density_letter(n.tok)).is_some() && toks.get(i + 2).and_then(|n| density_letter(n.tok)).is_some() {
        out.notes.push(Note::new(W::PickList, h.start, t.end, "unfilled density pick-list"));
        *consumed = (*consumed).max(toks.get(i + 3).map_or(t.end, |n| n.end));
        return;
    }
    let mut end = t.end;
    if side.is_none() {
        if let Some(Tok::Word(w)) = toks.get(i + 1).map(|n| n.tok) {
            if let Some(s) = side_word(w) {
                side = Some(s);
                end = toks[i + 1].end;
            }
        }
    }
    *consumed = (*consumed).max(end);
    push_density(doc, sent, h, d, side, end, Source::Code, out);
}
