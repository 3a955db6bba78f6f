//! Breast composition (BI-RADS 5th edition, categories a–d).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Density {
    /// Almost entirely fatty.
    A,
    /// Scattered areas of fibroglandular density.
    B,
    /// Heterogeneously dense, which may obscure small masses.
    C,
    /// Extremely dense, which lowers the sensitivity of mammography.
    D,
}

impl Density {
    pub const ALL: [Density; 4] = [Density::A, Density::B, Density::C, Density::D];

    pub fn code(self) -> &'static str {
        match self {
            Density::A => "a",
            Density::B => "b",
            Density::C => "c",
            Density::D => "d",
        }
    }

    /// The standard 5th-edition sentence fragment.
    pub fn wording(self) -> &'static str {
        match self {
            Density::A => "almost entirely fatty",
            Density::B => "scattered areas of fibroglandular density",
            Density::C => "heterogeneously dense, which may obscure small masses",
            Density::D => "extremely dense, which lowers the sensitivity of mammography",
        }
    }

    /// c and d are "dense breasts" for notification rules.
    pub fn is_dense(self) -> bool {
        matches!(self, Density::C | Density::D)
    }
}

impl fmt::Display for Density {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a breast density code: {0:?}")]
pub struct UnknownDensity(pub String);

impl FromStr for Density {
    type Err = UnknownDensity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Density::ALL
            .into_iter()
            .find(|d| d.code() == lower)
            .ok_or_else(|| UnknownDensity(s.to_string()))
    }
}
