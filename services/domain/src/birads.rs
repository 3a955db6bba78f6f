//! BI-RADS assessment categories (mammography, 5th edition) and their clinical severity order.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A final assessment category. Serialised as the code radiologists write: "0", "4A", ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum BiRads {
    #[serde(rename = "0")]
    Incomplete,
    #[serde(rename = "1")]
    Negative,
    #[serde(rename = "2")]
    Benign,
    #[serde(rename = "3")]
    ProbablyBenign,
    /// Category 4 without a subdivision.
    #[serde(rename = "4")]
    Suspicious,
    #[serde(rename = "4A")]
    LowSuspicion,
    #[serde(rename = "4B")]
    ModerateSuspicion,
    #[serde(rename = "4C")]
    HighSuspicion,
    #[serde(rename = "5")]
    HighlySuggestive,
    #[serde(rename = "6")]
    KnownMalignancy,
}

impl BiRads {
    pub const ALL: [BiRads; 10] = [
        BiRads::Incomplete,
        BiRads::Negative,
        BiRads::Benign,
        BiRads::ProbablyBenign,
        BiRads::Suspicious,
        BiRads::LowSuspicion,
        BiRads::ModerateSuspicion,
        BiRads::HighSuspicion,
        BiRads::HighlySuggestive,
        BiRads::KnownMalignancy,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BiRads::Incomplete => "0",
            BiRads::Negative => "1",
            BiRads::Benign => "2",
            BiRads::ProbablyBenign => "3",
            BiRads::Suspicious => "4",
            BiRads::LowSuspicion => "4A",
            BiRads::ModerateSuspicion => "4B",
            BiRads::HighSuspicion => "4C",
            BiRads::HighlySuggestive => "5",
            BiRads::KnownMalignancy => "6",
        }
    }

    /// The category's standard wording.
    pub fn wording(self) -> &'static str {
        match self {
            BiRads::Incomplete => "Incomplete: need additional imaging evaluation",
            BiRads::Negative => "Negative",
            BiRads::Benign => "Benign",
            BiRads::ProbablyBenign => "Probably benign",
            BiRads::Suspicious => "Suspicious",
            BiRads::LowSuspicion => "Low suspicion for malignancy",
            BiRads::ModerateSuspicion => "Moderate suspicion for malignancy",
            BiRads::HighSuspicion => "High suspicion for malignancy",
            BiRads::HighlySuggestive => "Highly suggestive of malignancy",
            BiRads::KnownMalignancy => "Known biopsy-proven malignancy",
        }
    }

    /// Rank in the clinical severity order used to combine the two breasts into one exam
    /// category: 1 < 2 < 3 < 6 < 0 < 4 < 4A < 4B < 4C < 5. Category 6 ranks below 0 because a
    /// known cancer needs no new work-up, while an incomplete exam does. An unsubdivided 4 ranks
    /// below its subdivisions because a subdivided category carries more information.
    pub fn severity_rank(self) -> u8 {
        match self {
            BiRads::Negative => 0,
            BiRads::Benign => 1,
            BiRads::ProbablyBenign => 2,
            BiRads::KnownMalignancy => 3,
            BiRads::Incomplete => 4,
            BiRads::Suspicious => 5,
            BiRads::LowSuspicion => 6,
            BiRads::ModerateSuspicion => 7,
            BiRads::HighSuspicion => 8,
            BiRads::HighlySuggestive => 9,
        }
    }

    /// The more severe of two categories (see [`BiRads::severity_rank`]).
    pub fn most_severe(self, other: BiRads) -> BiRads {
        if other.severity_rank() > self.severity_rank() {
            other
        } else {
            self
        }
    }

    /// 4, 4A, 4B, 4C or 5: a tissue diagnosis is recommended.
    pub fn is_suspicious(self) -> bool {
        self.severity_rank() >= BiRads::Suspicious.severity_rank()
    }

    /// Whether a screening exam with this category is a recall (0, 3, 4*, 5).
    pub fn is_recall(self) -> bool {
        matches!(self, BiRads::Incomplete | BiRads::ProbablyBenign) || self.is_suspicious()
    }
}

/// Orders by clinical severity, not by code.
impl Ord for BiRads {
    fn cmp(&self, other: &Self) -> Ordering {
        self.severity_rank().cmp(&other.severity_rank())
    }
}

impl PartialOrd for BiRads {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for BiRads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a BI-RADS category code: {0:?}")]
pub struct UnknownBiRads(pub String);

/// Parses the canonical code only ("0".."6", "4A".."4C", case-insensitive). Free-text forms
/// ("IV", "probably benign") are the report parser's job.
impl FromStr for BiRads {
    type Err = UnknownBiRads;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        BiRads::ALL
            .into_iter()
            .find(|b| b.code() == upper)
            .ok_or_else(|| UnknownBiRads(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_order_matches_clinical_combination_rule() {
        let mut all = BiRads::ALL.to_vec();
        all.sort();
        let codes: Vec<_> = all.iter().map(|b| b.code()).collect();
        assert_eq!(codes, ["1", "2", "3", "6", "0", "4", "4A", "4B", "4C", "5"]);
        assert_eq!(BiRads::Negative.most_severe(BiRads::Incomplete), BiRads::Incomplete);
        assert_eq!(BiRads::KnownMalignancy.most_severe(BiRads::ProbablyBenign), BiRads::KnownMalignancy);
    }

    #[test]
    fn codes_round_trip_through_serde_and_from_str() {
        for b in BiRads::ALL {
            let json = serde_json::to_string(&b).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", b.code()));
            assert_eq!(b.code().to_lowercase().parse::<BiRads>(), Ok(b));
        }
        assert!("IV".parse::<BiRads>().is_err());
    }

    #[test]
    fn recall_and_suspicion_flags() {
        assert!(BiRads::Incomplete.is_recall());
        assert!(!BiRads::Benign.is_recall());
        assert!(BiRads::LowSuspicion.is_suspicious());
        assert!(!BiRads::KnownMalignancy.is_suspicious());
    }
}
