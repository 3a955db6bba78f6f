//! The lexicon matcher: one Aho-Corasick automaton over every term, run once per report.
//!
//! Terms are written in the normalised form of [`crate::normalize`]; the builder normalises
//! them again so a table entry may be written with hyphens or capitals. A match counts only on
//! word boundaries, and among overlapping matches the leftmost-longest valid one wins, so
//! "probably benign" beats "probably" and "intramammary lymph node" beats "lymph node".

mod terms;
mod zh;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use mammoflow_domain::{BiRads, Density, FindingType, RecommendationAction, Side};

use crate::lang::Lang;
use crate::normalize::Normalized;

/// Direction of a trigger's scope (NegEx "pre" and "post" triggers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    Pre,
    Post,
}

/// Which findings a descriptor may modify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DescClass {
    Shape,
    Margin,
    MassDensity,
    CalcMorph,
    CalcDist,
    Asym,
    Any,
}

impl DescClass {
    pub fn fits(self, t: FindingType) -> bool {
        use FindingType as F;
        let massy = matches!(t, F::Mass | F::Nodule | F::LymphNode | F::IntramammaryLymphNode);
        match self {
            DescClass::Shape => massy || t == F::Calcification,
            DescClass::Margin | DescClass::MassDensity => massy || t == F::Asymmetry,
            DescClass::CalcMorph | DescClass::CalcDist => t == F::Calcification,
            DescClass::Asym => matches!(t, F::Asymmetry | F::SkinThickening | F::ArchitecturalDistortion),
            DescClass::Any => true,
        }
    }
}

/// Report sections (ACR report organisation plus common local headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SectionKind {
    Preamble,
    History,
    Technique,
    Comparison,
    Composition,
    Findings,
    Impression,
    Recommendation,
    Addendum,
}

/// What a lexicon entry means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Term {
    Finding(FindingType),
    /// A finding whose name already carries a descriptor ("milk of calcium").
    FindingWith(FindingType, &'static str, DescClass),
    /// A finding written with its own negation inside the phrase (皮肤未见增厚, 未见肿大淋巴结).
    FindingNeg(FindingType),
    Desc(&'static str, DescClass),
    Loc(&'static str),
    Side(Side),
    Neg(Dir),
    Unc(Dir),
    /// A past-tense or history trigger ("prior", "history of").
    Hist,
    /// A word that makes a statement current again ("stable", "now", "unchanged").
    Current,
    Hypo(Dir),
    /// Ends negation, uncertainty and side scope ("but", "however").
    Stop,
    /// "associated": the finding belongs to the lesion described before it.
    Assoc,
    /// An affirmative verb ("is seen", "are present"): ends a pre-negation's scope.
    PosVerb,
    Header(SectionKind),
    /// "BI-RADS" and its spellings.
    Birads,
    /// A spelling that already carries its value ("Bi-Radso" = 0).
    BiradsLit(BiRads),
    /// "category", "assessment", "classification": may introduce an assessment value.
    CategoryKw,
    /// 类 after a value ("4a类", "3类"): the value is read backwards from it.
    CatSuffix,
    /// "ACR": density code when followed by a letter, French-style assessment by a number.
    Acr,
    /// UK 5-point mammography score M1..M5.
    UkScore(BiRads),
    /// "density", "composition": introduces a density value.
    DensityKw,
    /// "type": a density code only in a density context ("type C", "type II").
    TypeKw,
    DensityPhrase(Density),
    CatPhrase(BiRads),
    Rec(RecommendationAction),
    /// "follow-up": an action decided by its interval.
    FollowUp,
    RecVerb,
    /// Length unit, in tenths of a millimetre per unit.
    Unit(u32),
    Clock,
    /// Month-valued unit word ("month" = 1, "year" = 12).
    Months(u32),
    /// A word that is an interval by itself ("annual" = 12).
    Interval(u32),
    NumWord(u32),
    /// "normal", "non-enlarged": negates an abnormal axillary node.
    NodeNormal,
    FromNipple,
    Malignancy,
    /// "mammogram", "examination": lets a category phrase describe the exam.
    ExamWord,
    Placeholder,
    /// Consumes a phrase that would otherwise mis-trigger ("biopsy clip", "skin marker").
    Ignore,
}

/// One lexicon match in normalised text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub start: usize,
    pub end: usize,
    pub term: Term,
}

/// The compiled lexicon; build once and share (it is `Sync`).
#[derive(Debug)]
pub(crate) struct Lexicon {
    /// Leftmost-longest automaton: the fast main pass.
    ac: AhoCorasick,
    /// Overlapping automaton over the same patterns: the fallback where the longest match at
    /// a position ends inside a word ("right breast" in "right breasts") and a shorter one
    /// ("right") is the valid match.
    overlap: AhoCorasick,
    max_len: usize,
    terms: Vec<Term>,
    /// Whether a pattern may start right after a digit ("12mm", "4cm").
    glue_digit: Vec<bool>,
}

#[derive(Debug, thiserror::Error)]
#[error("building the lexicon automaton failed: {0}")]
pub struct LexiconError(#[from] aho_corasick::BuildError);

impl Lexicon {
    /// The English lexicon.
    pub fn new() -> Result<Lexicon, LexiconError> {
        Lexicon::for_lang(Lang::En)
    }

    /// The lexicon of one language. Chinese reports spell codes, units and some headers in
    /// Latin letters, so the Chinese lexicon is the English table plus the Chinese one.
    pub fn for_lang(lang: Lang) -> Result<Lexicon, LexiconError> {
        let mut patterns = Vec::new();
        let mut terms = Vec::new();
        let mut glue = Vec::new();
        let mut table = terms::table();
        if lang == Lang::Zh {
            table.extend(zh::table());
        }
        for (words, term) in table {
            for w in words {
                let norm = Normalized::new(w).text;
                patterns.push(norm);
                terms.push(term);
                glue.push(matches!(term, Term::Unit(_) | Term::Clock | Term::Months(_)));
            }
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)?;
        let overlap = AhoCorasick::builder().match_kind(MatchKind::Standard).build(&patterns)?;
        let max_len = patterns.iter().map(String::len).max().unwrap_or(0);
        Ok(Lexicon { ac, overlap, max_len, terms, glue_digit: glue })
    }

    fn valid(&self, bytes: &[u8], s: usize, e: usize, pid: usize) -> bool {
        let first_word = bytes[s].is_ascii_alphanumeric();
        let last_word = bytes[e - 1].is_ascii_alphanumeric();
        let before_ok = s == 0
            || !first_word
            || !bytes[s - 1].is_ascii_alphanumeric()
            || (self.glue_digit[pid] && bytes[s - 1].is_ascii_digit());
        let after_ok = e == bytes.len() || !last_word || !bytes[e].is_ascii_alphanumeric();
        before_ok && after_ok
    }

    /// The longest valid match starting exactly at `start`, if any.
    fn longest_valid_at(&self, text: &str, start: usize) -> Option<(usize, usize)> {
        let bytes = text.as_bytes();
        let mut end = (start + self.max_len).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let input = Input::new(text).range(start..end);
        let mut best: Option<(usize, usize)> = None;
        for m in self.overlap.find_overlapping_iter(input) {
            let pid = m.pattern().as_usize();
            if m.start() == start && self.valid(bytes, m.start(), m.end(), pid) && best.is_none_or(|(e, _)| m.end() > e) {
                best = Some((m.end(), pid));
            }
        }
        best
    }

    /// All valid hits in `text`, leftmost-longest, non-overlapping, sorted by start.
    pub fn scan(&self, text: &str) -> Vec<Hit> {
        let bytes = text.as_bytes();
        let mut hits = Vec::with_capacity(text.len() / 12 + 8);
        let mut pos = 0;
        while pos < text.len() {
            let Some(m) = self.ac.find(Input::new(text).range(pos..)) else { break };
            let (s, e, pid) = (m.start(), m.end(), m.pattern().as_usize());
            if self.valid(bytes, s, e, pid) {
                hits.push(Hit { start: s, end: e, term: self.terms[pid] });
                pos = e;
                continue;
            }
            let mid_word = s > 0 && bytes[s - 1].is_ascii_alphabetic() && bytes[s].is_ascii_alphanumeric();
            if mid_word {
                // No pattern may start inside a word after a letter ("r" in "mammogram"): jump
                // to the end of the word instead of re-searching byte by byte.
                pos = s;
                while pos < bytes.len() && bytes[pos].is_ascii_alphabetic() {
                    pos += 1;
                }
                pos = pos.max(s + 1);
                while pos < text.len() && !text.is_char_boundary(pos) {
                    pos += 1;
                }
                continue;
            }
            if let Some((e2, pid2)) = self.longest_valid_at(text, s) {
                hits.push(Hit { start: s, end: e2, term: self.terms[pid2] });
                pos = e2;
            } else {
                // Nothing valid starts here; a valid match may start inside this one.
                pos = s + 1;
                while pos < text.len() && !text.is_char_boundary(pos) {
                    pos += 1;
                }
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms_of(text: &str) -> Vec<Term> {
        let lex = Lexicon::new().expect("lexicon builds");
        lex.scan(&Normalized::new(text).text).into_iter().map(|h| h.term).collect()
    }

    #[test]
    fn longest_match_wins_and_boundaries_hold() {
        assert_eq!(terms_of("probably benign"), vec![Term::CatPhrase(BiRads::ProbablyBenign)]);
        assert_eq!(
            terms_of("intramammary lymph node"),
            vec![Term::Finding(FindingType::IntramammaryLymphNode)]
        );
        // "mass" inside "massive" and "no" inside "node" are not words.
        assert!(!terms_of("massive").contains(&Term::Finding(FindingType::Mass)));
        assert!(!terms_of("nodes").contains(&Term::Neg(Dir::Pre)));
        // Units may be glued to their number.
        assert_eq!(terms_of("12mm"), vec![Term::Unit(10)]);
    }

    #[test]
    fn spelling_variants_normalise_to_one_term() {
        for s in ["BI-RADS", "Bi-Rads", "BIRADS", "BI RADS", "bi/rads", "BIRAD"] {
            assert_eq!(terms_of(s), vec![Term::Birads], "{s}");
        }
    }
}
