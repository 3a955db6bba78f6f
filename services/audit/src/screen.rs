//! The inputs of the program audit: one screening exam with the reader's and the AI's category,
//! the work-up that followed, and its outcome; and the positive-screen definition, a value
//! because programmes differ.

use mammoflow_domain::BiRads;
use serde::{Deserialize, Serialize};

/// What follow-up found within the programme's window (US 1 year; EU interval-cancer windows
/// 2 years, UK 3; screening.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Cancer (invasive or DCIS) diagnosed within the window: pathology or registry.
    Malignant,
    /// No cancer within a closed window, or benign pathology.
    Benign,
    /// Window still open, or pathology / registry not linked yet.
    Unknown,
}

/// One screening exam as the audit sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreeningExam {
    /// The radiologist's final screening category (after arbitration or consensus where the
    /// programme double-reads); `None` while unread.
    pub reader: Option<BiRads>,
    /// The AI's category (parsed from the generated report); `None` when the study was
    /// ineligible or inference failed.
    pub ai: Option<BiRads>,
    /// Tissue diagnosis recommended at screening or at the diagnostic work-up it triggered
    /// (final BI-RADS 4 or 5): the PPV2 population.
    pub biopsy_recommended: bool,
    /// Biopsy actually done: the PPV3 population.
    pub biopsy_performed: bool,
    pub outcome: Outcome,
}

/// Which set of BI-RADS categories makes a screen "positive" (recalled, abnormal
/// interpretation). Every program figure depends on it, so it is recorded with the figures.
///
/// Category 6 (known cancer) is never positive in any preset: such women are not screened,
/// and an exam wrongly assessed 6 must not count as a detection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositiveScreenDefinition {
    pub name: String,
    pub positive: Vec<BiRads>,
}

const FOUR_AND_FIVE: [BiRads; 5] = [
    BiRads::Suspicious,
    BiRads::LowSuspicion,
    BiRads::ModerateSuspicion,
    BiRads::HighSuspicion,
    BiRads::HighlySuggestive,
];

impl PositiveScreenDefinition {
    /// ACR BI-RADS 5th edition "Follow-up and outcome monitoring", as used for MQSA audits and
    /// by the BCSC: 0, 3, 4 (A–C) and 5 are positive (screening.md §4: "BCSC {0, 3, 4, 5}").
    /// The same set as `BiRads::is_recall`.
    pub fn acr_mqsa() -> PositiveScreenDefinition {
        let mut positive = vec![BiRads::Incomplete, BiRads::ProbablyBenign];
        positive.extend(FOUR_AND_FIVE);
        PositiveScreenDefinition { name: "acr-mqsa-0345".into(), positive }
    }

    /// ACR basic audit as tabulated in screening.md §4 \[S9\]: 0, 4 (A–C) and 5; category 3
    /// counts as negative.
    pub fn acr_basic() -> PositiveScreenDefinition {
        let mut positive = vec![BiRads::Incomplete];
        positive.extend(FOUR_AND_FIVE);
        PositiveScreenDefinition { name: "acr-basic-045".into(), positive }
    }

    /// European recall to assessment, mapped onto BI-RADS as 0, 4 (A–C) and 5. European
    /// programmes record "recall" rather than a category; this mapping is an assumption that
    /// counts "probably benign" as not recalled, as EU screening has no short-interval
    /// follow-up arm.
    pub fn eu_recall() -> PositiveScreenDefinition {
        PositiveScreenDefinition { name: "eu-recall-045".into(), ..PositiveScreenDefinition::acr_basic() }
    }

    pub fn is_positive(&self, category: BiRads) -> bool {
        self.positive.contains(&category)
    }
}

/// Whose reading a figure describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadingSource {
    Reader,
    Ai,
    /// Positive when the reader **or** the AI is positive: the "recall if either suggests"
    /// double-reading rule (NHS reading types, screening.md §1.5) with the AI in one reader
    /// slot, i.e. the upper bound of what AI support can add to recall and detection. Only
    /// exams with both readings count.
    ReaderOrAi,
}

impl ReadingSource {
    pub const ALL: [ReadingSource; 3] = [ReadingSource::Reader, ReadingSource::Ai, ReadingSource::ReaderOrAi];

    /// The exam's screening result under `def`, or `None` when this source has not read it.
    pub fn is_positive(self, exam: &ScreeningExam, def: &PositiveScreenDefinition) -> Option<bool> {
        match self {
            ReadingSource::Reader => exam.reader.map(|c| def.is_positive(c)),
            ReadingSource::Ai => exam.ai.map(|c| def.is_positive(c)),
            ReadingSource::ReaderOrAi => Some(def.is_positive(exam.reader?) || def.is_positive(exam.ai?)),
        }
    }
}
