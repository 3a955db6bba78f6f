//! Text normalisation with an offset map back to the source.
//!
//! Every later stage works on one normalised copy of the report: ASCII lower case, one space
//! for each run of horizontal whitespace, hyphens and slashes between word characters turned
//! into spaces ("Bi-Rads", "BI/RADS", "follow-up" all read as two words), typographic quotes and
//! dashes folded to ASCII, full-width and Roman-numeral code points spelled in ASCII, the
//! Chinese full stop 。 read as ". " and 【header】 as "header:". The lexicon
//! is then written once, in that normal form, instead of listing every spelling. Each normalised
//! byte remembers the source byte it came from, so evidence spans point into the original text.

/// A normalised report and the map from its bytes to the source bytes.
#[derive(Debug, Default)]
pub(crate) struct Normalized {
    pub text: String,
    /// Bytes under construction; moved into `text` when done.
    bytes: Vec<u8>,
    /// `map[i]` is the source byte offset of normalised byte `i`; one extra entry holds the
    /// source length so that an exclusive end maps too.
    map: Vec<u32>,
}

impl Normalized {
    pub fn new(src: &str) -> Normalized {
        let mut out = Normalized {
            text: String::new(),
            bytes: Vec::with_capacity(src.len() + 8),
            map: Vec::with_capacity(src.len() + 9),
        };
        let bytes = src.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if is_plain_ascii(b) {
                // Most of an English report: copy the run of plain bytes in one go.
                let run = bytes[i..].iter().position(|&b| !is_plain_ascii(b)).map_or(bytes.len(), |n| i + n);
                out.bytes.extend(bytes[i..run].iter().map(u8::to_ascii_lowercase));
                out.map.extend(i as u32..run as u32);
                i = run;
                continue;
            }
            if b == b' ' {
                // The other common byte, kept out of the char decoding below.
                out.space(i);
                i += 1;
                continue;
            }
            // `i` is always a char boundary: runs and chars end on one.
            let c = src[i..].chars().next().unwrap_or('\u{fffd}');
            let next = src[i + c.len_utf8()..].chars().next();
            out.special(c, i, next, bytes);
            i += c.len_utf8();
        }
        out.map.push(src.len() as u32);
        // Only whole UTF-8 encodings of chars and ASCII bytes were pushed, so this succeeds;
        // the lossy fallback keeps the function total anyway.
        let bytes = std::mem::take(&mut out.bytes);
        out.text = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        out
    }

    /// One char that is not plain ASCII, at source offset `i`, followed by `next`.
    fn special(&mut self, c: char, i: usize, next: Option<char>, bytes: &[u8]) {
        // Full-width ASCII forms (ＢＩ－ＲＡＤＳ, ４Ａ, ：，；) read as their ASCII twins.
        let c = match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xff01 + 0x21).unwrap_or(c),
            c => c,
        };
        match c {
            '\r' => {
                // "\r\n" becomes one newline; a lone "\r" is a newline too.
                if bytes.get(i + 1) != Some(&b'\n') {
                    self.push(b'\n', i);
                }
            }
            '\n' => self.push(b'\n', i),
            ' ' | '\t' | '\u{a0}' | '\u{2009}' | '\u{202f}' | '\u{3000}' => self.space(i),
            '-' | '/' | '\u{2010}' | '\u{2011}' | '\u{2013}' | '\u{2014}' => {
                let prev_word = self.last().is_some_and(|b| b.is_ascii_alphanumeric());
                let next_word = next.is_some_and(char::is_alphanumeric);
                let prev_digit = self.last().is_some_and(|b| b.is_ascii_digit());
                let next_digit = next.is_some_and(|n| n.is_ascii_digit());
                // Between two words the mark only joins them ("bi-rads", "follow-up");
                // between two numbers it is a range or a date and must stay.
                if prev_word && next_word && !(prev_digit && next_digit) {
                    self.push(b' ', i);
                } else if c == '/' {
                    self.push(b'/', i);
                } else {
                    self.push(b'-', i);
                }
            }
            '\u{2018}' | '\u{2019}' | '\u{2032}' | '`' => self.push(b'\'', i),
            '\u{201c}' | '\u{201d}' => self.push(b'"', i),
            '\u{00d7}' => {
                // "12mm×10mm": a spaced "x" keeps "mm" a word before it.
                self.space(i);
                self.push(b'x', i);
                if next.is_some_and(|n| !n.is_whitespace()) {
                    self.push(b' ', i);
                }
            }
            '\u{2160}'..='\u{216b}' | '\u{2170}'..='\u{217b}' => {
                // Roman numerals as single code points: Ⅰ..Ⅻ and ⅰ..ⅻ.
                const ROMAN: [&str; 12] = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"];
                let base = if c >= '\u{2170}' { 0x2170 } else { 0x2160 };
                let idx = (c as u32 - base) as usize;
                for b in ROMAN[idx].bytes() {
                    self.push(b, i);
                }
            }
            '\u{3002}' => {
                // The Chinese full stop ends a sentence even with no space after it.
                self.push(b'.', i);
                if next.is_some_and(|n| !n.is_whitespace()) {
                    self.push(b' ', i + c.len_utf8());
                }
            }
            // 【检查所见】 is a header like "检查所见：".
            '\u{3010}' => self.space(i),
            '\u{3011}' => self.push(b':', i),
            c if c.is_ascii() => self.push((c as u8).to_ascii_lowercase(), i),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    self.push(b, i);
                }
            }
        }
    }

    fn push(&mut self, b: u8, src: usize) {
        self.bytes.push(b);
        self.map.push(src as u32);
    }

    /// One space, unless the text starts here or already ends in a space or a line break.
    fn space(&mut self, src: usize) {
        if !matches!(self.last(), Some(b' ') | Some(b'\n') | None) {
            self.push(b' ', src);
        }
    }

    fn last(&self) -> Option<u8> {
        self.bytes.last().copied()
    }

    /// Source byte offset of a normalised byte offset (`pos == len` allowed).
    pub fn src_offset(&self, pos: usize) -> usize {
        self.map.get(pos).copied().unwrap_or_else(|| self.map.last().copied().unwrap_or(0)) as usize
    }
}

/// ASCII bytes copied as they are (lower-cased): everything but whitespace, line breaks and
/// the marks [`Normalized::special`] rewrites.
fn is_plain_ascii(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'-' | b'/' | b'`')
}

/// CJK ideographs, CJK punctuation and the full-width forms not folded to ASCII.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c, '\u{2e80}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{fe30}'..='\u{fe4f}' | '\u{ff00}'..='\u{ffef}' | '\u{20000}'..='\u{2ffff}')
        && !matches!(c, '\u{ff01}'..='\u{ff5e}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_punctuation_and_full_width_forms() {
        let n = Normalized::new("诊断意见：ＢＩ－ＲＡＤＳ ４Ａ类。左乳");
        assert_eq!(n.text, "诊断意见:bi rads 4a类. 左乳");
        assert_eq!(Normalized::new("约12mm×10mm").text, "约12mm x 10mm");
        let n = Normalized::new("【检查所见】双乳");
        assert_eq!(n.text, "检查所见:双乳");
        // Every normalised byte maps to a char boundary of the source.
        let src = "右乳。BI-RADS：3类；";
        let n = Normalized::new(src);
        for k in 0..=n.text.len() {
            assert!(src.is_char_boundary(n.src_offset(k)));
        }
    }
}
