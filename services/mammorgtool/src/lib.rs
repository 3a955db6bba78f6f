//! mammorgtool: a fast, deterministic, explainable parser of free-text mammography reports
//! (English and Chinese) into structured BI-RADS data, the official MammoRGTool output shape for
//! compatibility, and the clinical-efficacy and NLG metrics of the MammoRG paper.
//!
//! Pipeline per report: language detection ([`lang`]: the lexicon and a few scope settings
//! are chosen by language, the rules are shared) → [`normalize`] (one lower-cased copy with an
//! offset map) → one Aho-Corasick pass of the [`lexicon`] → [`doc`] (sections, sentences,
//! clauses) → extractors with ConText-style [`context`] rules → [`resolve`] (per-breast
//! combination by clinical severity, conflicts, confidence) → [`ParsedReport`].
//!
//! ```
//! let r = mammorgtool::parse("IMPRESSION: Right breast BI-RADS 4B. Left breast BI-RADS 2.");
//! assert_eq!(r.report.birads.overall.map(|b| b.code()), Some("4B"));
//!
//! let r = mammorgtool::parse("诊断意见：右乳外上象限肿块，BI-RADS 4B类；左乳BI-RADS 2类。");
//! assert_eq!(r.language, "zh");
//! assert_eq!(r.report.birads.left.map(|b| b.code()), Some("2"));
//! ```

pub mod cli;
pub mod cli_args;
mod context;
mod doc;
mod extract;
mod lang;
mod lexicon;
pub mod metrics;
mod normalize;
mod report;
mod resolve;
pub mod schema;

use std::sync::OnceLock;

pub use lexicon::LexiconError;
pub use report::{Confidence, Evidence, ParsedReport, Warning, WarningCode};

use doc::Doc;
use lang::Lang;
use lexicon::Lexicon;
use normalize::Normalized;

/// Version of the parser's rules and lexicon, stored next to every parsed result.
pub const PARSER_VERSION: &str = concat!("mammorgtool-", env!("CARGO_PKG_VERSION"), "+lex.2");

/// Default maximum report length in bytes. Real reports are 0.3-5 kB; anything far longer
/// is a concatenation or garbage and is refused rather than parsed slowly.
pub const DEFAULT_MAX_REPORT_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct ParserConfig {
    /// Reports longer than this are not parsed: the result carries a `too_long` warning.
    pub max_report_bytes: usize,
}

impl Default for ParserConfig {
    fn default() -> Self {
        ParserConfig { max_report_bytes: DEFAULT_MAX_REPORT_BYTES }
    }
}

/// Work done on one report, in units that do not depend on the machine (for tests of the
/// linear time bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseStats {
    pub bytes: usize,
    pub hits: usize,
    pub sentences: usize,
    /// Lexicon hits visited by all scope scans, plus hits and sentences.
    pub work: u64,
}

/// A parser holding the compiled lexicons. Build once, share freely (`Send + Sync`).
#[derive(Debug)]
pub struct Parser {
    lexicon: Lexicon,
    /// The Chinese lexicon, compiled on the first Chinese report.
    zh: OnceLock<Option<Lexicon>>,
    config: ParserConfig,
}

impl Parser {
    pub fn new() -> Result<Parser, LexiconError> {
        Parser::with_config(ParserConfig::default())
    }

    pub fn with_config(config: ParserConfig) -> Result<Parser, LexiconError> {
        Ok(Parser { lexicon: Lexicon::new()?, zh: OnceLock::new(), config })
    }

    pub fn config(&self) -> &ParserConfig {
        &self.config
    }

    /// Parses one report.
    pub fn parse(&self, text: &str) -> ParsedReport {
        self.parse_full(serde_json::Value::Null, text, false).0
    }

    /// Parses one report, keeping the caller's id; `explain` fills `evidence`.
    pub fn parse_with_id(&self, id: serde_json::Value, text: &str, explain: bool) -> ParsedReport {
        self.parse_full(id, text, explain).0
    }

    /// Parses and reports the work done.
    pub fn parse_with_stats(&self, text: &str) -> (ParsedReport, ParseStats) {
        self.parse_full(serde_json::Value::Null, text, false)
    }

    fn parse_full(&self, id: serde_json::Value, text: &str, explain: bool) -> (ParsedReport, ParseStats) {
        let mut out = ParsedReport {
            id,
            language: "en".into(),
            parser_version: PARSER_VERSION.into(),
            report: Default::default(),
            confidence: Default::default(),
            warnings: Vec::new(),
            evidence: Vec::new(),
        };
        let mut stats = ParseStats { bytes: text.len(), hits: 0, sentences: 0, work: 0 };
        if text.len() > self.config.max_report_bytes {
            out.warnings.push(Warning {
                code: WarningCode::TooLong,
                message: format!("report is {} bytes, over the limit of {}; not parsed", text.len(), self.config.max_report_bytes),
                span: None,
            });
            return (out, stats);
        }
        if text.trim().is_empty() {
            out.warnings.push(Warning { code: WarningCode::EmptyReport, message: "empty report".into(), span: None });
            return (out, stats);
        }
        let mut lang = Lang::detect(text);
        let letters = text.bytes().filter(u8::is_ascii_alphabetic).count();
        let visible = text.bytes().filter(|b| !b.is_ascii_whitespace()).count();
        if lang == Lang::En && visible > 0 && letters * 3 < visible {
            out.warnings.push(Warning { code: WarningCode::Unreadable, message: "few letters; text looks garbled".into(), span: None });
        }
        let lexicon = match lang {
            Lang::En => &self.lexicon,
            Lang::Zh => match self.zh.get_or_init(|| Lexicon::for_lang(Lang::Zh).ok()) {
                Some(zh) => zh,
                None => {
                    out.warnings.push(Warning {
                        code: WarningCode::UnsupportedLanguage,
                        message: "Chinese lexicon failed to build; English rules used".into(),
                        span: None,
                    });
                    lang = Lang::En;
                    &self.lexicon
                }
            },
        };
        out.language = lang.code().into();

        let norm = Normalized::new(text);
        let hits = lexicon.scan(&norm.text);
        let doc = Doc::new(text, norm, hits, lang);
        let assess = extract::assess::extract(&doc);
        let raw = extract::findings::extract(&doc);
        let rec = extract::recommend::extract(&doc);
        let resolved = resolve::resolve(&doc, explain, assess.birads, assess.density, raw, rec, assess.notes);

        let spans = SpanMapper::new(&doc);
        out.report = resolved.report;
        for f in &mut out.report.findings {
            f.span = f.span.map(|[s, e]| spans.chars(s, e));
        }
        out.confidence = resolved.confidence;
        for n in resolved.notes {
            out.warnings.push(Warning { code: n.code, message: n.message, span: n.span.map(|(s, e)| spans.chars(s, e)) });
        }
        if explain {
            out.evidence = resolved
                .evidence
                .into_iter()
                .map(|(field, value, (s, e), rule)| {
                    let (ss, se) = (doc.norm.src_offset(s), doc.norm.src_offset(e));
                    Evidence { field, value, span: spans.chars(s, e), text: text.get(ss..se).unwrap_or("").to_string(), rule: rule.into() }
                })
                .collect();
        }
        stats.hits = doc.hits.len();
        stats.sentences = doc.sentences.len();
        stats.work = doc.work();
        (out, stats)
    }
}

/// Maps normalised byte spans to character spans of the source text.
struct SpanMapper<'d, 'a> {
    doc: &'d Doc<'a>,
    /// Char index of every source byte offset; empty for ASCII text, where they are equal.
    char_at: Vec<u32>,
}

impl<'d, 'a> SpanMapper<'d, 'a> {
    fn new(doc: &'d Doc<'a>) -> Self {
        let mut char_at = Vec::new();
        if !doc.src.is_ascii() {
            char_at.reserve(doc.src.len() + 1);
            let mut n = 0u32;
            for (i, _) in doc.src.char_indices() {
                while char_at.len() < i {
                    char_at.push(n);
                }
                char_at.push(n);
                n += 1;
            }
            while char_at.len() <= doc.src.len() {
                char_at.push(n);
            }
        }
        SpanMapper { doc, char_at }
    }

    fn chars(&self, start: usize, end: usize) -> [usize; 2] {
        let (s, e) = (self.doc.norm.src_offset(start), self.doc.norm.src_offset(end));
        if self.char_at.is_empty() {
            return [s, e];
        }
        let at = |b: usize| self.char_at.get(b).copied().unwrap_or(0) as usize;
        [at(s), at(e)]
    }
}

static DEFAULT_PARSER: OnceLock<Option<Parser>> = OnceLock::new();

/// Parses one report with the default configuration (the lexicon is compiled on first use).
pub fn parse(text: &str) -> ParsedReport {
    match DEFAULT_PARSER.get_or_init(|| Parser::new().ok()) {
        Some(p) => p.parse(text),
        None => ParsedReport {
            id: serde_json::Value::Null,
            language: "en".into(),
            parser_version: PARSER_VERSION.into(),
            report: Default::default(),
            confidence: Default::default(),
            warnings: vec![Warning { code: WarningCode::Unreadable, message: "lexicon failed to build".into(), span: None }],
            evidence: Vec::new(),
        },
    }
}

/// The shared default parser, if its lexicon built.
pub fn default_parser() -> Option<&'static Parser> {
    DEFAULT_PARSER.get_or_init(|| Parser::new().ok()).as_ref()
}
