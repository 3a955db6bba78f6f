//! NLG metrics: corpus BLEU as sacrebleu computes it (13a tokenizer, "exp" smoothing, one
//! reference) and ROUGE-L F-measure as `rouge_score` computes it (lower case, alphanumeric
//! tokens, no stemming). A `zh` mode splits CJK characters first, since both default
//! tokenisers give meaningless numbers on unspaced Chinese (`reference/mammorg.md` §14).

use std::collections::HashMap;

/// sacrebleu's `13a` tokenisation (mteval-v13a).
pub fn tokenize_13a(line: &str, zh: bool) -> Vec<String> {
    let mut s = line.replace("<skipped>", "").replace("-\n", "").replace('\n', " ");
    if s.contains('&') {
        s = s.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() * 2);
    for (i, &c) in chars.iter().enumerate() {
        let prev = if i > 0 { chars[i - 1] } else { ' ' };
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        let punct = matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/');
        let cjk = zh && is_cjk(c);
        if punct || cjk {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else if c == '.' || c == ',' {
            // Period and comma split unless between digits.
            if !prev.is_ascii_digit() || !next.is_ascii_digit() {
                out.push(' ');
                out.push(c);
                out.push(' ');
            } else {
                out.push(c);
            }
        } else if c == '-' && prev.is_ascii_digit() {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out.split_whitespace().map(str::to_string).collect()
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

/// BLEU sufficient statistics of one segment: clipped matches and totals per order 1..=4.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BleuStats {
    pub correct: [u32; 4],
    pub total: [u32; 4],
    pub hyp_len: u32,
    pub ref_len: u32,
}

fn ngrams(toks: &[String], n: usize) -> HashMap<&[String], u32> {
    let mut m = HashMap::new();
    if toks.len() >= n {
        for w in toks.windows(n) {
            *m.entry(w).or_insert(0) += 1;
        }
    }
    m
}

pub(crate) fn bleu_stats(hyp: &[String], refr: &[String]) -> BleuStats {
    let mut s = BleuStats { hyp_len: hyp.len() as u32, ref_len: refr.len() as u32, ..Default::default() };
    for n in 1..=4 {
        let h = ngrams(hyp, n);
        let r = ngrams(refr, n);
        s.total[n - 1] = hyp.len().saturating_sub(n - 1) as u32;
        s.correct[n - 1] = h.iter().map(|(g, c)| (*c).min(r.get(g).copied().unwrap_or(0))).sum();
    }
    s
}

/// Corpus BLEU in [0, 1] with maximum order `order` (1 or 4).
pub(crate) fn corpus_bleu<'a>(stats: impl Iterator<Item = &'a BleuStats>, order: usize) -> Option<f64> {
    let mut sum = BleuStats::default();
    let mut n_seg = 0;
    for s in stats {
        n_seg += 1;
        for k in 0..4 {
            sum.correct[k] += s.correct[k];
            sum.total[k] += s.total[k];
        }
        sum.hyp_len += s.hyp_len;
        sum.ref_len += s.ref_len;
    }
    if n_seg == 0 {
        return None;
    }
    let mut smooth = 1.0f64;
    let mut log_sum = 0.0f64;
    for k in 0..order {
        let p = if sum.total[k] == 0 {
            0.0
        } else if sum.correct[k] == 0 {
            // sacrebleu "exp" smoothing.
            smooth *= 2.0;
            100.0 / (smooth * sum.total[k] as f64)
        } else {
            100.0 * sum.correct[k] as f64 / sum.total[k] as f64
        };
        log_sum += if p > 0.0 { p.ln() } else { -9_999_999_999.0 };
    }
    let bp = if sum.hyp_len == 0 {
        0.0
    } else if sum.hyp_len < sum.ref_len {
        (1.0 - sum.ref_len as f64 / sum.hyp_len as f64).exp()
    } else {
        1.0
    };
    Some(bp * (log_sum / order as f64).exp() / 100.0)
}

/// `rouge_score` default tokenizer: lower case, non-alphanumerics to spaces.
pub fn tokenize_rouge(text: &str, zh: bool) -> Vec<String> {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if zh && is_cjk(c) {
            s.push(' ');
            s.push(c);
            s.push(' ');
        } else {
            s.push(' ');
        }
    }
    s.split_whitespace().map(str::to_string).collect()
}

/// ROUGE-L F-measure (beta 1) of one pair.
pub(crate) fn rouge_l(hyp: &[String], refr: &[String]) -> f64 {
    if hyp.is_empty() || refr.is_empty() {
        return 0.0;
    }
    let mut prev = vec![0u32; hyp.len() + 1];
    let mut cur = vec![0u32; hyp.len() + 1];
    for r in refr {
        for (j, h) in hyp.iter().enumerate() {
            cur[j + 1] = if r == h { prev[j] + 1 } else { cur[j].max(prev[j + 1]) };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let lcs = prev[hyp.len()] as f64;
    let p = lcs / hyp.len() as f64;
    let r = lcs / refr.len() as f64;
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        tokenize_13a(s, false)
    }

    #[test]
    fn tokenizer_13a_splits_punctuation_but_not_decimals() {
        assert_eq!(toks("A 1.2 cm mass, BI-RADS 4."), vec!["A", "1.2", "cm", "mass", ",", "BI-RADS", "4", "."]);
        assert_eq!(toks("(left)"), vec!["(", "left", ")"]);
        assert_eq!(tokenize_13a("左乳肿块", true), vec!["左", "乳", "肿", "块"]);
    }

    #[test]
    fn bleu_hand_computed() {
        // hyp "the cat sat", ref "the cat sat down": unigram 3/3, bigram 2/2, BP exp(1-4/3).
        let s = bleu_stats(&toks("the cat sat"), &toks("the cat sat down"));
        let b1 = corpus_bleu([s].iter(), 1).unwrap_or(-1.0);
        assert!((b1 - (1.0f64 - 4.0 / 3.0).exp()).abs() < 1e-9, "{b1}");
        // Order 4: trigram 1/1, 4-gram 0/0 total → precision 0 → BLEU 0 (sacrebleu behaviour).
        let b4 = corpus_bleu([s].iter(), 4).unwrap_or(-1.0);
        assert_eq!(b4, 0.0);
        // Identical 4+ token segments score 1.
        let same = bleu_stats(&toks("a b c d e"), &toks("a b c d e"));
        assert!((corpus_bleu([same].iter(), 4).unwrap_or(0.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn rouge_l_hand_computed() {
        // LCS("a b c d", "a c d e") = 3 → P = R = 3/4 → F = 0.75.
        let f = rouge_l(&tokenize_rouge("a b c d", false), &tokenize_rouge("A c d e", false));
        assert!((f - 0.75).abs() < 1e-12);
    }
}
