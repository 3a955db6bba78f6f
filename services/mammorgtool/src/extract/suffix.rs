//! Chinese category suffix 类: the value written right before it ("4a类", "3类", "Ⅳ类",
//! "3-4A类") is a BI-RADS category, a lone letter ("C类") a density code, as MammoRGTool reads
//! them. A value already read after "BI-RADS" ("BI-RADS 4A类") is not read again.

use mammoflow_domain::BiRads;

use super::assess::{push_birads, push_density, Assess};
use super::values::{category_base, density_letter, glued_sub, tokens, with_sub, Tok, Token};
use super::{Note, Source};
use crate::doc::{Doc, Sentence};
use crate::lexicon::Hit;
use crate::report::WarningCode as W;

/// How far back a value may start: "Ⅳa" or "3 - 4 a" fit easily.
const WINDOW_BYTES: usize = 24;

/// Reads the value before the suffix `h`; `from` is the end of the text already consumed.
pub(super) fn read(doc: &Doc, sent: &Sentence, h: &Hit, from: usize, out: &mut Assess) {
    let text = doc.text();
    let lo = h.start.saturating_sub(WINDOW_BYTES).max(from).max(sent.start);
    let lo = (lo..=h.start).find(|&i| text.is_char_boundary(i)).unwrap_or(h.start);
    let toks: Vec<Token> = tokens(text, lo, h.start).collect();
    let Some((value, start, k)) = value_before(&toks, toks.len()) else { return };
    let hit = Hit { start, ..*h };
    match value {
        Value::Density(d) => push_density(doc, sent, &hit, d, None, h.end, Source::Code, out),
        Value::Category(b) => {
            // "3-4A类": a range, the more severe end counts.
            let sep = k.checked_sub(1).map(|i| toks[i].tok);
            let is_sep = matches!(sep, Some(Tok::Punct(b'-' | b'~' | b'/') | Tok::Word("至" | "或" | "到")));
            let low = if is_sep { value_before(&toks, k - 1) } else { None };
            if let Some((Value::Category(a), s2, _)) = low {
                out.notes.push(Note::new(W::BiradsRange, s2, h.end, "category range; the more severe end is used"));
                push_birads(doc, sent, &Hit { start: s2, ..*h }, vec![(a.most_severe(b), None)], Source::Code, out);
            } else {
                push_birads(doc, sent, &hit, vec![(b, None)], Source::Code, out);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Value {
    Category(BiRads),
    Density(mammoflow_domain::Density),
}

/// The value ending at token `n` (exclusive): the value, its start byte and its first token.
fn value_before(toks: &[Token], n: usize) -> Option<(Value, usize, usize)> {
    let last = toks.get(n.checked_sub(1)?)?;
    let prev = n.checked_sub(2).and_then(|i| toks.get(i));
    if let Tok::Word(w @ ("a" | "b" | "c" | "d")) = last.tok {
        return match prev.map(|p| p.tok) {
            Some(Tok::Num("4") | Tok::Word("iv")) if w != "d" => {
                let b = with_sub(4, Some(w.as_bytes()[0]))?;
                Some((Value::Category(b), prev?.start, n - 2))
            }
            Some(Tok::Num(_)) => None,
            _ => density_letter(last.tok).map(|d| (Value::Density(d), last.start, n - 1)),
        };
    }
    if let Some(b) = glued_sub(last.tok) {
        return Some((Value::Category(b), last.start, n - 1));
    }
    let base = category_base(last.tok)?;
    Some((Value::Category(with_sub(base, None)?), last.start, n - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(t: &str) -> Option<Value> {
        let toks: Vec<Token> = tokens(t, 0, t.len()).collect();
        value_before(&toks, toks.len()).map(|v| v.0)
    }

    #[test]
    fn values_before_the_suffix() {
        assert_eq!(read_str("右乳4a"), Some(Value::Category(BiRads::LowSuspicion)));
        assert_eq!(read_str("bi rads 4 c"), Some(Value::Category(BiRads::HighSuspicion)));
        assert_eq!(read_str("左乳3"), Some(Value::Category(BiRads::ProbablyBenign)));
        assert_eq!(read_str("iva"), Some(Value::Category(BiRads::LowSuspicion)));
        assert_eq!(read_str("iv"), Some(Value::Category(BiRads::Suspicious)));
        assert_eq!(read_str("乳腺c"), Some(Value::Density(mammoflow_domain::Density::C)));
        // A size is no category, and "5d" is nothing.
        assert_eq!(read_str("1.5"), None);
        assert_eq!(read_str("5 d"), None);
    }
}
