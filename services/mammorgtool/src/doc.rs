//! Document structure: section headers, sentences and clauses over the normalised text.
//!
//! Sections matter because the same words mean different things in different places: a
//! category in HISTORY is historical, "benign" opening an IMPRESSION sentence is an
//! assessment, and a RIGHT BREAST subsection gives every finding under it a side.

use std::cell::Cell;
use std::ops::Range;

use mammoflow_domain::Side;

use crate::lang::Lang;
use crate::lexicon::{Hit, SectionKind, Term};
use crate::normalize::Normalized;

mod bounds;

use bounds::sentence_bounds;

#[derive(Debug, Clone)]
pub(crate) struct Sentence {
    pub start: usize,
    pub end: usize,
    pub section: SectionKind,
    /// Side given by a per-side subsection header ("RIGHT BREAST:").
    pub side_scope: Option<Side>,
    /// Indices into [`Doc::hits`] of the hits inside this sentence.
    pub hits: Range<usize>,
    pub in_addendum: bool,
    /// Where the section holding this sentence starts (its header, or 0).
    pub section_start: usize,
}

/// A parsed document: normalised text, lexicon hits, sentences.
#[derive(Debug)]
pub(crate) struct Doc<'a> {
    pub src: &'a str,
    pub norm: Normalized,
    pub hits: Vec<Hit>,
    pub sentences: Vec<Sentence>,
    pub lang: Lang,
    /// Sorted clause-break positions (';' and stop words) inside sentences.
    breaks: Vec<usize>,
    /// Sorted comma positions: the end of a trigger's scope where the language says so.
    commas: Vec<usize>,
    /// Hits visited by scope scans: the parser's unit of work, checked for linear growth.
    work: Cell<u64>,
}

#[derive(Debug, Clone, Copy)]
enum HeaderRole {
    Main(SectionKind),
    Side(Side),
    SideMain(Side, SectionKind),
}

impl<'a> Doc<'a> {
    pub fn new(src: &'a str, norm: Normalized, hits: Vec<Hit>, lang: Lang) -> Doc<'a> {
        let headers = find_headers(&norm.text, &hits);
        let bounds = sentence_bounds(src, &norm, &headers, lang);
        let mut sentences = Vec::with_capacity(bounds.len());
        let (mut section, mut side, mut addendum) = (SectionKind::Preamble, None, false);
        let mut section_start = 0;
        // Inline side labels scope one sentence; inline history-like headers one line.
        let (mut side_inline, mut section_inline) = (false, false);
        let (mut hi, mut hdr) = (0usize, 0usize);
        let bytes = norm.text.as_bytes();
        for (start, end) in bounds {
            while hi < hits.len() && hits[hi].start < start {
                hi += 1;
            }
            if side_inline {
                side = None;
                side_inline = false;
            }
            // A one-line history/comparison header ends with its line, or earlier at a sentence
            // that opens with "Current:"/"Now"/"Today".
            let opens_current = hits.get(hi).is_some_and(|h| h.term == Term::Current && h.start.saturating_sub(start) <= 1);
            if section_inline && (starts_line(bytes, start) || opens_current) {
                section = SectionKind::Findings;
                section_inline = false;
                section_start = start;
            }
            while hdr < headers.len() && headers[hdr].0 < end {
                if headers[hdr].0 >= start {
                    let inline = headers[hdr].2;
                    match headers[hdr].1 {
                        HeaderRole::Main(k) => {
                            section = k;
                            section_start = headers[hdr].0;
                            side = None;
                            section_inline = inline
                                && matches!(k, SectionKind::History | SectionKind::Comparison | SectionKind::Technique);
                        }
                        HeaderRole::Side(s) => {
                            side = Some(s);
                            side_inline = inline;
                        }
                        HeaderRole::SideMain(s, k) => {
                            section = k;
                            section_start = headers[hdr].0;
                            side = Some(s);
                            side_inline = inline;
                        }
                    }
                    addendum |= section == SectionKind::Addendum;
                }
                hdr += 1;
            }
            while hi < hits.len() && hits[hi].start < start {
                hi += 1;
            }
            let first = hi;
            while hi < hits.len() && hits[hi].start < end {
                hi += 1;
            }
            sentences.push(Sentence {
                start,
                end,
                section,
                side_scope: side,
                hits: first..hi,
                in_addendum: addendum,
                section_start,
            });
        }
        let mut breaks: Vec<usize> = hits
            .iter()
            .filter(|h| h.term == Term::Stop)
            .map(|h| h.start)
            .chain(bytes.iter().enumerate().filter(|(_, b)| **b == b';').map(|(i, _)| i))
            .collect();
        breaks.sort_unstable();
        let commas = if lang.comma_ends_trigger_scope() {
            bytes.iter().enumerate().filter(|(_, b)| **b == b',').map(|(i, _)| i).collect()
        } else {
            Vec::new()
        };
        Doc { src, norm, hits, sentences, lang, breaks, commas, work: Cell::new(0) }
    }

    pub fn work(&self) -> u64 {
        self.work.get() + self.hits.len() as u64 + self.sentences.len() as u64
    }

    pub fn text(&self) -> &str {
        &self.norm.text
    }

    /// The clause around `pos` inside `sent`: bounded by ';', stop words and the sentence.
    pub fn clause(&self, sent: &Sentence, pos: usize) -> (usize, usize) {
        let i = self.breaks.partition_point(|&b| b <= pos);
        let start = if i > 0 { self.breaks[i - 1].max(sent.start) } else { sent.start };
        let end = self.breaks.get(i).map_or(sent.end, |&b| b.min(sent.end));
        (start, end)
    }

    /// The scope of a context trigger around `pos`: its clause, and in Chinese only the part
    /// between two commas (未见明显肿块及钙化，右乳外上象限见… negates nothing after the comma).
    pub fn scope(&self, sent: &Sentence, pos: usize) -> (usize, usize) {
        let (cs, ce) = self.clause(sent, pos);
        if self.commas.is_empty() {
            return (cs, ce);
        }
        let i = self.commas.partition_point(|&b| b <= pos);
        let start = if i > 0 { self.commas[i - 1].max(cs) } else { cs };
        let end = self.commas.get(i).map_or(ce, |&b| b.min(ce));
        (start, end)
    }

    /// The nearest side word before `pos` in the same section, looking back over at most a
    /// bounded number of hits so that the scan stays linear.
    pub fn side_before_in_section(&self, sent: &Sentence, pos: usize) -> Option<Side> {
        const MAX_HITS_BACK: usize = 48;
        let end = self.hits.partition_point(|h| h.start < pos);
        let from = end.saturating_sub(MAX_HITS_BACK);
        self.work.set(self.work.get() + (end - from) as u64 + 1);
        self.hits[from..end].iter().rev().take_while(|h| h.start >= sent.section_start).find_map(|h| match h.term {
            Term::Side(s) => Some(s),
            _ => None,
        })
    }

    /// Hits of `sent` that lie inside `[from, to)`.
    pub fn hits_in<'s>(&'s self, sent: &Sentence, from: usize, to: usize) -> impl DoubleEndedIterator<Item = (usize, &'s Hit)> + 's {
        // Binary search for the sub-range so a scan costs what it visits, not the sentence.
        let all = &self.hits[sent.hits.clone()];
        let lo = all.partition_point(|h| h.start < from);
        let hi = lo + all[lo..].partition_point(|h| h.start < to);
        self.work.set(self.work.get() + (hi - lo) as u64 + 1);
        let base = sent.hits.start + lo;
        all[lo..hi].iter().enumerate().map(move |(k, h)| (base + k, h)).filter(move |(_, h)| h.end <= to)
    }

    /// Number of words in `text[from..to]` (runs of non-space bytes).
    pub fn words_between(&self, from: usize, to: usize) -> usize {
        let t = &self.norm.text.as_bytes()[from.min(to)..to];
        let mut n = 0;
        let mut in_word = false;
        for &b in t {
            let w = b.is_ascii_alphanumeric() || b >= 0x80;
            if w && !in_word {
                n += 1;
            }
            in_word = w;
        }
        n
    }
}

fn header_role(term: Term) -> Option<HeaderRole> {
    match term {
        Term::Header(k) => Some(HeaderRole::Main(k)),
        Term::Birads | Term::CategoryKw => Some(HeaderRole::Main(SectionKind::Impression)),
        Term::DensityKw => Some(HeaderRole::Main(SectionKind::Composition)),
        Term::Side(s) => Some(HeaderRole::Side(s)),
        _ => None,
    }
}

/// Headers: a header word at the start of a line (or after a sentence end) followed by ':' or
/// ' -', or alone on its line. Returns (start, role, inline) sorted by start; `inline` means
/// content follows on the same line ("Left breast: unremarkable."), which scopes the header
/// to its line instead of a block.
fn find_headers(text: &str, hits: &[Hit]) -> Vec<(usize, HeaderRole, bool)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < hits.len() {
        let h = hits[i];
        let Some(mut role) = header_role(h.term) else {
            i += 1;
            continue;
        };
        if !at_line_start(b, h.start) {
            i += 1;
            continue;
        }
        // "Right breast findings:" — a side followed directly by a section name.
        let mut end = h.end;
        let mut used = 1;
        if let (HeaderRole::Side(s), Some(next)) = (role, hits.get(i + 1)) {
            if let (Some(HeaderRole::Main(k)), true) =
                (header_role(next.term), text[end..next.start].trim().is_empty())
            {
                role = HeaderRole::SideMain(s, k);
                end = next.end;
                used = 2;
            }
        }
        let mut j = end;
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        let colon = j < b.len() && (b[j] == b':' || (b[j] == b'-' && j > end));
        let alone = j >= b.len() || b[j] == b'\n';
        // A bare word alone on a line is a header only for section names and sides, not for
        // "BI-RADS" or "density" that may wrap onto the next line with their value.
        let line_ok = alone && matches!(h.term, Term::Header(_) | Term::Side(_));
        if colon || line_ok {
            let mut k = j + usize::from(colon);
            while k < b.len() && b[k] == b' ' {
                k += 1;
            }
            let inline = k < b.len() && b[k] != b'\n';
            out.push((h.start, role, inline));
        }
        i += used;
    }
    out
}

fn starts_line(b: &[u8], pos: usize) -> bool {
    let mut q = pos;
    while q > 0 && b[q - 1] == b' ' {
        q -= 1;
    }
    q == 0 || b[q - 1] == b'\n'
}

fn at_line_start(b: &[u8], pos: usize) -> bool {
    let mut q = pos;
    while q > 0 && matches!(b[q - 1], b' ' | b'-' | b'*' | b'#' | b'>') {
        q -= 1;
    }
    q == 0 || matches!(b[q - 1], b'\n' | b'.' | b';')
}
