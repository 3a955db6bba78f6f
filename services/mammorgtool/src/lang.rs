//! Report language and the language-dependent data of the shared pipeline.
//!
//! There is one implementation of every rule (sections, scopes, severity combination,
//! discordance, confidence, schema mapping). What differs between English and Chinese is data:
//! the lexicon ([`crate::lexicon`]), the filler words a value reader may skip, the words that
//! mark a density sentence, and a few scope settings that follow from how each language writes:
//! - Chinese has no spaces, so a clause cannot be measured in words: the trigger scope of
//!   未见/考虑/术后 ends at a comma instead (one 分句), and `；` ends a sentence;
//! - Chinese puts the side first (右乳外上象限见…), and a category takes the side of the nearest
//!   preceding 左/右/双 word, as in MammoRGTool (`reference/mammorg.md` §13);
//! - a Chinese impression mixes diagnosis and advice in one sentence, so an imaging word there
//!   (结合超声考虑…) is a recommendation only after a verb such as 建议.

use crate::normalize::is_cjk;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Lang {
    #[default]
    En,
    Zh,
}

/// Chinese characters a category reader may skip between "BI-RADS" and its value
/// ("BI-RADS分类为4A类", "BI-RADS评估：3类").
const ZH_CAT_FILLER: &[&str] = &["分", "类", "级", "为", "是", "属", "于", "评", "估", "总", "体", "最", "终", "结", "果"];
/// Chinese characters a density reader may skip ("腺体密度为C", "乳腺呈c型").
const ZH_DENS_FILLER: &[&str] = &["呈", "为", "是", "属", "于"];
const EN_DENSITY_WORDS: &[&str] = &["dens", "glandular", "fatty", "composition"];
const ZH_DENSITY_WORDS: &[&str] = &["dens", "glandular", "fatty", "composition", "密度", "腺体", "致密", "脂肪", "构成", "类型", "分型"];

impl Lang {
    /// Detects Chinese: more CJK characters than Latin words (a Chinese report still spells
    /// "BI-RADS", "ACR" and "mm" in Latin letters; an English report may quote a Chinese name).
    pub fn detect(text: &str) -> Lang {
        if text.is_ascii() {
            return Lang::En;
        }
        let b = text.as_bytes();
        let words = (0..b.len()).filter(|&i| b[i].is_ascii_alphabetic() && (i == 0 || !b[i - 1].is_ascii_alphabetic())).count();
        // Full-width forms (：，（）ＡＢ) are East Asian typing too.
        let cjk = text.chars().filter(|c| is_cjk(*c) || ('\u{ff01}'..='\u{ff5e}').contains(c)).count();
        if cjk > 0 && cjk >= words {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Extra words a category reader may skip before the value.
    pub fn cat_filler(self, w: &str) -> bool {
        self == Lang::Zh && ZH_CAT_FILLER.contains(&w)
    }

    /// Extra words a density reader may skip before the code.
    pub fn dens_filler(self, w: &str) -> bool {
        self == Lang::Zh && ZH_DENS_FILLER.contains(&w)
    }

    /// Substrings (of normalised text) that make a sentence talk about density.
    pub fn density_words(self) -> &'static [&'static str] {
        match self {
            Lang::En => EN_DENSITY_WORDS,
            Lang::Zh => ZH_DENSITY_WORDS,
        }
    }

    /// Whether a comma ends the scope of negation, uncertainty and history triggers.
    pub fn comma_ends_trigger_scope(self) -> bool {
        self == Lang::Zh
    }

    /// Whether ';' ends a sentence (in English it only ends a clause).
    pub fn semicolon_ends_sentence(self) -> bool {
        self == Lang::Zh
    }

    /// Whether a category or finding takes the side of the nearest preceding side word first
    /// (Chinese), instead of the English order (premodifier, then a following "in the right").
    pub fn side_from_nearest_preceding(self) -> bool {
        self == Lang::Zh
    }

    /// Whether a recommendation term in an impression sentence counts without a verb before it.
    pub fn impression_is_rec_context(self) -> bool {
        self == Lang::En
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_chinese_reports_with_latin_codes() {
        assert_eq!(Lang::detect("双乳呈不均匀致密型（ACR C型）。BI-RADS 2类。"), Lang::Zh);
        assert_eq!(Lang::detect("Densité de type C. BI-RADS 2."), Lang::En);
        assert_eq!(Lang::detect("BI-RADS 2"), Lang::En);
        assert_eq!(Lang::detect("BI-RADS分类：C类。"), Lang::Zh);
        assert_eq!(Lang::detect("Patient 王芳, screening mammogram: no mass. BI-RADS 1."), Lang::En);
    }
}
