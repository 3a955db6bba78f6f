//! Small readers for the values that follow a trigger word: categories ("4A", "IV", "o"),
//! density codes ("C", "3", "II"), numbers. They scan bytes of the normalised text directly,
//! which is cheaper than running a regex per trigger.

use mammoflow_domain::{BiRads, Density, Side};

use crate::normalize::is_cjk;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok<'t> {
    Word(&'t str),
    Num(&'t str),
    Punct(u8),
}

/// A token with its byte range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token<'t> {
    pub tok: Tok<'t>,
    pub start: usize,
    pub end: usize,
}

/// Tokens of `text[pos..limit]`, skipping spaces and newlines.
pub(crate) fn tokens(text: &str, pos: usize, limit: usize) -> impl Iterator<Item = Token<'_>> {
    let b = text.as_bytes();
    let limit = limit.min(b.len());
    let mut i = pos;
    std::iter::from_fn(move || {
        while i < limit && matches!(b[i], b' ' | b'\n') {
            i += 1;
        }
        if i >= limit {
            return None;
        }
        let s = i;
        let c = b[i];
        let tok = if c.is_ascii_digit() {
            while i < limit && b[i].is_ascii_digit() {
                i += 1;
            }
            // A decimal part belongs to the number ("1.2 cm"), a sentence period does not.
            if i + 1 < limit && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                i += 1;
                while i < limit && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            Tok::Num(&text[s..i])
        } else if c.is_ascii_alphabetic() || c >= 0x80 {
            // A CJK character is a word by itself: Chinese has no spaces, so "分类为4A类"
            // must read as 分 类 为 4 A 类.
            if let Some(ch) = cjk_at(text, i) {
                i = (i + ch.len_utf8()).min(b.len());
                return Some(Token { tok: Tok::Word(&text[s..i]), start: s, end: i });
            }
            while i < limit && (b[i].is_ascii_alphabetic() || b[i] >= 0x80) && cjk_at(text, i).is_none() {
                i += 1;
            }
            // Stop on a char boundary even when a multi-byte char runs into the limit.
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            if i == s {
                i = s + 1;
                while i < b.len() && !text.is_char_boundary(i) {
                    i += 1;
                }
                return Some(Token { tok: Tok::Punct(0), start: s, end: i });
            }
            Tok::Word(&text[s..i])
        } else {
            i += 1;
            Tok::Punct(c)
        };
        Some(Token { tok, start: s, end: i })
    })
}

fn cjk_at(text: &str, i: usize) -> Option<char> {
    if text.as_bytes().get(i).is_none_or(|b| *b < 0x80) || !text.is_char_boundary(i) {
        return None;
    }
    text[i..].chars().next().filter(|c| is_cjk(*c))
}

pub(crate) fn side_word(w: &str) -> Option<Side> {
    match w {
        "right" | "rt" | "r" | "rechts" | "droite" => Some(Side::Right),
        "left" | "lt" | "l" | "links" | "gauche" => Some(Side::Left),
        "bilateral" | "bilaterally" | "both" | "beidseits" => Some(Side::Bilateral),
        _ => None,
    }
}

/// A category number or Roman numeral, without subcategory.
pub(crate) fn category_base(tok: Tok) -> Option<u8> {
    match tok {
        Tok::Num(n) if n.len() == 1 => n.parse::<u8>().ok().filter(|v| *v <= 6),
        Tok::Word(w) => match w {
            "o" => Some(0),
            "i" => Some(1),
            "ii" => Some(2),
            "iii" => Some(3),
            "iv" => Some(4),
            "v" => Some(5),
            "vi" => Some(6),
            _ => None,
        },
        _ => None,
    }
}

/// Roman 4 with a glued subcategory ("IVa") or a digit-letter glued form ("4a").
pub(crate) fn glued_sub(tok: Tok) -> Option<BiRads> {
    match tok {
        Tok::Word("iva") => Some(BiRads::LowSuspicion),
        Tok::Word("ivb") => Some(BiRads::ModerateSuspicion),
        Tok::Word("ivc") => Some(BiRads::HighSuspicion),
        _ => None,
    }
}

pub(crate) fn with_sub(base: u8, sub: Option<u8>) -> Option<BiRads> {
    Some(match (base, sub) {
        (0, _) => BiRads::Incomplete,
        (1, _) => BiRads::Negative,
        (2, _) => BiRads::Benign,
        (3, _) => BiRads::ProbablyBenign,
        (4, None) => BiRads::Suspicious,
        (4, Some(b'a')) => BiRads::LowSuspicion,
        (4, Some(b'b')) => BiRads::ModerateSuspicion,
        (4, Some(b'c')) => BiRads::HighSuspicion,
        (4, Some(_)) => return None,
        (5, _) => BiRads::HighlySuggestive,
        (6, _) => BiRads::KnownMalignancy,
        _ => return None,
    })
}

/// A density code: letter a-d, 4th-edition number 1-4 or Roman I-IV.
pub(crate) fn density_code(tok: Tok) -> Option<Density> {
    match tok {
        Tok::Word("a") | Tok::Num("1") | Tok::Word("i") => Some(Density::A),
        Tok::Word("b") | Tok::Num("2") | Tok::Word("ii") => Some(Density::B),
        Tok::Word("c") | Tok::Num("3") | Tok::Word("iii") => Some(Density::C),
        Tok::Word("d") | Tok::Num("4") | Tok::Word("iv") => Some(Density::D),
        _ => None,
    }
}

pub(crate) fn density_letter(tok: Tok) -> Option<Density> {
    match tok {
        Tok::Word("a" | "b" | "c" | "d") => density_code(tok),
        _ => None,
    }
}

/// Template placeholders met where a value should be.
pub(crate) fn is_placeholder(tok: Tok) -> bool {
    matches!(tok, Tok::Punct(b'[' | b'_' | b'*' | b'<' | b'{' | b'?')) || matches!(tok, Tok::Word("x" | "xx" | "xxx"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_splits_words_numbers_and_punctuation() {
        let toks: Vec<Tok> = tokens("bi rads: 4a, 1.2 cm.", 0, 100).map(|t| t.tok).collect();
        assert_eq!(
            toks,
            vec![
                Tok::Word("bi"),
                Tok::Word("rads"),
                Tok::Punct(b':'),
                Tok::Num("4"),
                Tok::Word("a"),
                Tok::Punct(b','),
                Tok::Num("1.2"),
                Tok::Word("cm"),
                Tok::Punct(b'.')
            ]
        );
    }

    #[test]
    fn cjk_characters_are_single_words() {
        let t = "bi rads分类为4a类";
        let toks: Vec<Tok> = tokens(t, 0, t.len()).map(|t| t.tok).collect();
        assert_eq!(
            toks,
            vec![Tok::Word("bi"), Tok::Word("rads"), Tok::Word("分"), Tok::Word("类"), Tok::Word("为"), Tok::Num("4"), Tok::Word("a"), Tok::Word("类")]
        );
    }

    #[test]
    fn non_ascii_words_do_not_split_chars() {
        let t = "densité ≥ 4";
        let toks: Vec<Token> = tokens(t, 0, t.len()).collect();
        for tk in toks {
            assert!(t.is_char_boundary(tk.start) && t.is_char_boundary(tk.end));
        }
    }
}
