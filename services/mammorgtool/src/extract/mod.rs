//! Field extractors. Each reads the [`Doc`](crate::doc::Doc) and returns candidates with
//! their evidence spans (normalised byte offsets); [`crate::resolve`] turns candidates into the
//! final fields.

pub(crate) mod assess;
pub(crate) mod findings;
pub(crate) mod recommend;
mod suffix;
pub(crate) mod values;

use mammoflow_domain::Side;

use crate::report::WarningCode;

/// How a value was written; decides precedence and confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A code after a keyword ("BI-RADS 4A", "ACR C", "density: 3").
    Code,
    /// A standard phrase ("Probably benign", "heterogeneously dense").
    Phrase,
    /// UK M1-M5 score mapped to BI-RADS.
    UkScore,
    /// French-style "ACR 4" assessment.
    AcrNumber,
}

/// One mention of a per-breast value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cand<T> {
    pub value: T,
    /// None: stated for the exam as a whole.
    pub side: Option<Side>,
    pub span: (usize, usize),
    pub source: Source,
    pub addendum: bool,
}

/// A warning raised during extraction, with its evidence span in normalised text.
#[derive(Debug, Clone)]
pub(crate) struct Note {
    pub code: WarningCode,
    pub span: Option<(usize, usize)>,
    pub message: String,
}

impl Note {
    pub fn new(code: WarningCode, start: usize, end: usize, message: &str) -> Note {
        Note { code, span: Some((start, end)), message: message.to_string() }
    }
}
