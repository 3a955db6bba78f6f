//! Sentence boundaries.

use crate::lang::Lang;
use crate::normalize::Normalized;

use super::HeaderRole;

/// Longest sentence before a forced split at the next space.
const MAX_SENTENCE_BYTES: usize = 1200;

/// Sentence boundaries as (start, end) pairs covering the text.
pub(super) fn sentence_bounds(src: &str, norm: &Normalized, headers: &[(usize, HeaderRole, bool)], lang: Lang) -> Vec<(usize, usize)> {
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
            b';' => lang.semicolon_ends_sentence(),
            // Cap run-on "sentences" so every per-sentence scan stays bounded and parsing stays
            // linear in the input length.
            b' ' => i - start >= MAX_SENTENCE_BYTES,
            // Chinese text may have no spaces at all: split at any char boundary further on.
            _ if i - start >= 2 * MAX_SENTENCE_BYTES => norm.text.is_char_boundary(i + 1),
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
