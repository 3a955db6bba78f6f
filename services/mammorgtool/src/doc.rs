//! Document structure: section headers, sentences and clauses over the normalised text.
//!
//! Sections matter because the same words mean different things in different places: a
//! category in HISTORY is historical, "benign" opening an IMPRESSION sentence is an
//! assessment, and a RIGHT BREAST subsection gives every finding under it a side.

use std::cell::Cell;
use std::ops::Range;

use mammoflow_domain::Side;

use crate::lexicon::{Hit, SectionKind, Term};
use crate::normalize::Normalized;

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
}

/// A parsed document: normalised text, lexicon hits, sentences.
#[derive(Debug)]
pub(crate) struct Doc<'a> {
    pub src: &'a str,
    pub norm: Normalized,
    pub hits: Vec<Hit>,
    pub sentences: Vec<Sentence>,
    /// Sorted clause-break positions (';' and stop words) inside sentences.
    breaks: Vec<usize>,
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
    pub fn new(src: &'a str, norm: Normalized, hits: Vec<Hit>) -> Doc<'a> {
        let headers = find_headers(&norm.text, &hits);
        let bounds = sentence_bounds(src, &norm, &headers);
        let mut sentences = Vec::with_capacity(bounds.len());
        let (mut section, mut side, mut addendum) = (SectionKind::Preamble, None, false);
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
            }
            while hdr < headers.len() && headers[hdr].0 < end {
                if headers[hdr].0 >= start {
                    let inline = headers[hdr].2;
                    match headers[hdr].1 {
                        HeaderRole::Main(k) => {
                            section = k;
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
            });
        }
        let mut breaks: Vec<usize> = hits
            .iter()
            .filter(|h| h.term == Term::Stop)
            .map(|h| h.start)
            .chain(bytes.iter().enumerate().filter(|(_, b)| **b == b';').map(|(i, _)| i))
            .collect();
        breaks.sort_unstable();
        Doc { src, norm, hits, sentences, breaks, work: Cell::new(0) }
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

/// Longest sentence before a forced split at the next space.
const MAX_SENTENCE_BYTES: usize = 1200;

/// Sentence boundaries as (start, end) pairs covering the text.
fn sentence_bounds(src: &str, norm: &Normalized, headers: &[(usize, HeaderRole, bool)]) -> Vec<(usize, usize)> {
    let b = norm.text.as_bytes();
    let sb = src.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut hdr = headers.iter().map(|h| h.0).peekable();
    let mut i = 0;
    while i < b.len() {
        if hdr.peek() == Some(&i) {
            hdr.next();
            if i > start {
                out.push((start, i));
                start = i;
            }
        }
        let c = b[i];
        let split_after = match c {
            b'.' | b'!' | b'?' => {
                let next = b.get(i + 1).copied();
                let decimal = c == b'.'
                    && i > 0
                    && b[i - 1].is_ascii_digit()
                    && next.is_some_and(|n| n.is_ascii_digit());
                !decimal && matches!(next, None | Some(b' ') | Some(b'\n')) && !is_abbreviation(b, i)
            }
            b'\n' => newline_ends_sentence(b, sb, norm, i),
            // Cap run-on "sentences" so every per-sentence scan stays bounded and parsing stays
            // linear in the input length.
            b' ' => i - start >= MAX_SENTENCE_BYTES,
            _ => false,
        };
        if split_after {
            out.push((start, i + 1));
            start = i + 1;
        }
        i += 1;
    }
    if start < b.len() {
        out.push((start, b.len()));
    }
    out
}

fn is_abbreviation(b: &[u8], dot: usize) -> bool {
    let mut s = dot;
    while s > 0 && (b[s - 1].is_ascii_alphabetic() || b[s - 1] == b'.') {
        s -= 1;
    }
    matches!(&b[s..dot], b"e.g" | b"i.e" | b"approx" | b"dr" | b"vs" | b"mr" | b"mrs" | b"ms" | b"fig" | b"cf" | b"etc" | b"ca")
}

/// A line break ends a sentence unless the text just wraps: it does when the previous line
/// ends in ':' or is blank, or the next line starts with a capital, a digit or a bullet.
fn newline_ends_sentence(b: &[u8], src: &[u8], norm: &Normalized, i: usize) -> bool {
    let mut p = i;
    while p > 0 && b[p - 1] == b' ' {
        p -= 1;
    }
    if p == 0 || b[p - 1] == b'\n' {
        return true;
    }
    let prev = b[p - 1];
    if prev == b',' {
        return false;
    }
    let mut n = i + 1;
    while n < b.len() && b[n] == b' ' {
        n += 1;
    }
    if n >= b.len() || b[n] == b'\n' {
        return true;
    }
    let nb = b[n];
    let bullet = matches!(nb, b'-' | b'*' | b'#' | b'>')
        || (nb.is_ascii_digit() && matches!(b.get(n + 1), Some(b'.') | Some(b')')));
    let so = norm.src_offset(n);
    let upper = src.get(so).is_some_and(|c| c.is_ascii_uppercase() || *c >= 0x80);
    bullet || upper
}
