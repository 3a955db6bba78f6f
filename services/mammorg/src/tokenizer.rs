//! Tokenizer with clinical term atoms: a byte-level BPE (exact decoding, no unknown tokens)
//! trained on a built-in English screening-report corpus, then every clinical term added as one
//! ordinary (non-special) token after the base vocabulary, the way the official model appends its
//! 70 terms after Vicuna's 32000 ids. Saved and loaded as HF `tokenizer.json`.

use crate::config::SpecialTokens;
use crate::error::{MammoRgError, Result};
use crate::terms;
use std::path::Path;
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
use tokenizers::models::TrainerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::{AddedToken, Tokenizer};

/// Placeholder tag of the prompt; its four occurrences become the visual block.
pub const IMAGE_TAG: &str = "<image>";

/// Vicuna v1 system sentence (the official template), kept verbatim in English.
pub const SYSTEM_PROMPT: &str = "A chat between a curious user and an artificial intelligence assistant. \
The assistant gives helpful, detailed, and polite answers to the user's questions.";

/// The English instruction replacing the official Chinese one.
pub const INSTRUCTION: &str = "Write a mammography report with Findings and Impression sections.";

/// The Vicuna v1 prompt with the four image tags.
pub fn vicuna_prompt() -> String {
    format!("{SYSTEM_PROMPT} USER: {tags}\n{INSTRUCTION} ASSISTANT:", tags = IMAGE_TAG.repeat(4))
}

/// A tokenised prompt around the visual block: `before` starts with BOS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptIds {
    pub before: Vec<u32>,
    pub after: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct TermTokenizer {
    inner: Tokenizer,
    special: SpecialTokens,
}

const SPECIAL: [&str; 3] = ["<unk>", "<s>", "</s>"];

impl TermTokenizer {
    /// Trains the base BPE (`base_vocab_size` entries including the 256 byte symbols and the
    /// three specials `<unk>`=0, `<s>`=1, `</s>`=2) on the built-in corpus plus `extra_corpus`,
    /// then appends [`terms::clinical_terms`] and `extra_terms` as atomic tokens.
    pub fn build_english(base_vocab_size: usize, extra_corpus: &[String], extra_terms: &[String]) -> Result<Self> {
        let mut tokenizer = Tokenizer::new(BPE::default());
        tokenizer.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
        tokenizer.with_decoder(Some(ByteLevel::default()));
        let trainer = BpeTrainerBuilder::new()
            .vocab_size(base_vocab_size)
            .min_frequency(2)
            .show_progress(false)
            .special_tokens(SPECIAL.iter().map(|s| AddedToken::from(*s, true)).collect())
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .build();
        let corpus: Vec<String> = builtin_corpus().into_iter().chain(extra_corpus.iter().cloned()).collect();
        tokenizer.train(&mut TrainerWrapper::BpeTrainer(trainer), corpus.iter())?;
        // Terms go in after training so that they get ids after the base vocabulary.
        let terms = terms::clinical_terms().into_iter().chain(extra_terms.iter().cloned());
        tokenizer.add_tokens(terms.map(|t| AddedToken::from(t, false).single_word(true).normalized(false)))?;
        let special = SpecialTokens { pad_id: 0, bos_id: 1, eos_id: 2 };
        let tok = TermTokenizer { inner: tokenizer, special };
        tok.check_specials()?;
        Ok(tok)
    }

    /// Loads `tokenizer.json` (a converted official tokenizer works too: `<unk>`, `<s>`, `</s>`
    /// at 0, 1, 2 as in LLaMA).
    pub fn load(path: &Path) -> Result<Self> {
        let inner = Tokenizer::from_file(path)?;
        let tok = TermTokenizer { inner, special: SpecialTokens { pad_id: 0, bos_id: 1, eos_id: 2 } };
        tok.check_specials()?;
        Ok(tok)
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        self.inner.save(path, true)?;
        Ok(())
    }

    fn check_specials(&self) -> Result<()> {
        for (name, id) in SPECIAL.iter().zip([self.special.pad_id, self.special.bos_id, self.special.eos_id]) {
            if self.inner.token_to_id(name) != Some(id) {
                return Err(MammoRgError::Tokenizer(format!("expected {name} at id {id}")));
            }
        }
        Ok(())
    }

    pub fn special_tokens(&self) -> SpecialTokens {
        self.special
    }

    /// Size including added terms; the model's vocabulary must be at least this large.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// Token ids of a text, no BOS/EOS.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        Ok(self.inner.encode(text, false)?.get_ids().to_vec())
    }

    /// Text of ids, special tokens skipped (decoding is exact for byte-level BPE and terms).
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        Ok(self.inner.decode(ids, true)?)
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// The official prompt tokenisation: split at the image tags, tokenise every chunk on its
    /// own, BOS on the first. The four tags must be adjacent (they form one visual block).
    pub fn encode_prompt(&self, prompt: &str) -> Result<PromptIds> {
        let (head, rest) = prompt
            .split_once(IMAGE_TAG)
            .ok_or_else(|| MammoRgError::Input(format!("prompt has no {IMAGE_TAG} tag")))?;
        let tail = rest
            .strip_prefix(&IMAGE_TAG.repeat(3))
            .ok_or_else(|| MammoRgError::Input("the prompt needs four adjacent image tags".into()))?;
        if tail.contains(IMAGE_TAG) {
            return Err(MammoRgError::Input("the prompt has more than four image tags".into()));
        }
        let mut before = vec![self.special.bos_id];
        before.extend(self.encode(head)?);
        Ok(PromptIds { before, after: self.encode(tail)? })
    }

    /// Report text followed by EOS: the stage-2 target.
    pub fn encode_target(&self, report: &str) -> Result<Vec<u32>> {
        let mut ids = self.encode(report)?;
        ids.push(self.special.eos_id);
        Ok(ids)
    }

    pub fn inner(&self) -> &Tokenizer {
        &self.inner
    }
}

/// A small English screening-report corpus covering the prompt template and every term, so that
/// the base BPE learns the report's ordinary words as whole tokens.
pub fn builtin_corpus() -> Vec<String> {
    let mut lines = vec![
        vicuna_prompt().replace(IMAGE_TAG, ""),
        "Findings: The breasts are almost entirely fatty. There is no suspicious mass, calcification or architectural distortion. Impression: Negative mammogram. BI-RADS 1.".into(),
        "Findings: There are scattered areas of fibroglandular density. Benign-appearing calcifications are seen in both breasts. Impression: Benign findings. BI-RADS 2.".into(),
        "Findings: The breasts are heterogeneously dense, which may obscure small masses. An oval circumscribed mass is seen in the right upper outer quadrant at 10 o'clock, middle depth, measuring 8 mm. Impression: Probably benign. BI-RADS 3. Short-interval follow-up in 6 months is recommended.".into(),
        "Findings: The breasts are extremely dense, which lowers the sensitivity of mammography. An irregular spiculated mass with associated architectural distortion is seen in the left upper inner quadrant, posterior depth, measuring 15 mm. Impression: Highly suggestive of malignancy. BI-RADS 5. Ultrasound-guided core needle biopsy is recommended.".into(),
        "Findings: Grouped fine pleomorphic calcifications are present in the left breast at 2 o'clock. Impression: Suspicious. BI-RADS 4B. Stereotactic biopsy is recommended.".into(),
        "Findings: A focal asymmetry is seen in the right breast on the mediolateral oblique view only. Impression: Incomplete. BI-RADS 0. Recall for additional imaging evaluation with spot compression and ultrasound.".into(),
        "Findings: Skin thickening and nipple retraction of the left breast. An enlarged lymph node is seen in the left axilla. Impression: BI-RADS 4C. Biopsy and surgical consultation are recommended.".into(),
        "Findings: No mass, architectural distortion, suspicious microcalcification, skin thickening or nipple retraction is seen in either breast. Impression: Negative. BI-RADS 1. Routine screening mammography in 1 year.".into(),
        "Findings: Known biopsy-proven malignancy in the right breast with a clip at the site. Impression: Known biopsy-proven malignancy. BI-RADS 6. Surgical consultation.".into(),
        "Findings: Stable intramammary lymph node and post-surgical changes in the right breast. Vascular calcifications. Impression: Benign. BI-RADS 2.".into(),
        "Findings: Amorphous calcifications in a segmental distribution and fine linear branching calcifications in a linear distribution. Impression: BI-RADS 4A. Biopsy is recommended.".into(),
        "Findings: A round mass with indistinct and microlobulated margins, high density, in the left lower outer quadrant. A developing asymmetry and a global asymmetry. Impression: BI-RADS 4B.".into(),
    ];
    for term in terms::graph_nodes().iter().map(String::as_str).chain(terms::EXTRA_TERMS.iter().copied()) {
        lines.push(format!("There is {term} in the right breast. No {term} is seen in the left breast."));
    }
    for (i, loc) in terms::LOCATION_TERMS.iter().enumerate() {
        lines.push(format!("Findings: A {} mass at {} o'clock in the {loc}, measuring {} mm.", terms::DESCRIPTOR_TERMS[i % 8], i % 12 + 1, 5 + i));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenizer() -> TermTokenizer {
        TermTokenizer::build_english(600, &[], &[]).expect("tokenizer")
    }

    #[test]
    fn every_clinical_term_is_one_token_and_decodes_exactly() {
        let tok = tokenizer();
        for term in terms::clinical_terms() {
            let ids = tok.encode(&term).expect("encode");
            assert_eq!(ids.len(), 1, "{term:?} -> {ids:?}");
            assert!(ids[0] as usize >= tok.inner().get_vocab_size(false), "{term:?} should be an added id");
            assert_eq!(tok.decode(&ids).expect("decode"), term);
            // Also as one unit inside a sentence.
            let sentence = format!("There is {term}, stable.");
            let ids = tok.encode(&sentence).expect("encode");
            assert!(ids.contains(&tok.token_to_id(&term).expect("id")), "{sentence:?}");
            assert_eq!(tok.decode(&ids).expect("decode"), sentence);
        }
    }

    #[test]
    fn terms_do_not_match_inside_longer_words() {
        let tok = tokenizer();
        let mass = tok.token_to_id("mass").expect("mass");
        assert!(!tok.encode("massive").expect("encode").contains(&mass));
        // Leftmost-longest: the longer term wins.
        let ids = tok.encode("fine linear branching").expect("encode");
        assert_eq!(ids, vec![tok.token_to_id("fine linear branching").expect("id")]);
    }

    #[test]
    fn prompt_splits_around_four_image_tags_and_round_trips_json() {
        let tok = tokenizer();
        let p = tok.encode_prompt(&vicuna_prompt()).expect("prompt");
        assert_eq!(p.before[0], 1);
        assert_eq!(tok.decode(&p.after).expect("decode"), format!("\n{INSTRUCTION} ASSISTANT:"));
        assert!(tok.encode_prompt("USER: <image><image> x").is_err());
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("tokenizer.json");
        tok.save(&path).expect("save");
        let loaded = TermTokenizer::load(&path).expect("load");
        let text = "Findings: Grouped fine pleomorphic calcifications. Impression: BI-RADS 4B.";
        assert_eq!(loaded.encode(text).expect("a"), tok.encode(text).expect("b"));
        assert_eq!(loaded.vocab_size(), tok.vocab_size());
    }
}
