//! The four standard screening views and laterality.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which breast an image shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Laterality {
    Right,
    Left,
}

impl Laterality {
    /// DICOM ImageLaterality code ("R"/"L").
    pub fn dicom_code(self) -> &'static str {
        match self {
            Laterality::Right => "R",
            Laterality::Left => "L",
        }
    }
}

/// Side of a finding in a report: one breast or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Right,
    Left,
    Bilateral,
}

impl From<Laterality> for Side {
    fn from(l: Laterality) -> Side {
        match l {
            Laterality::Right => Side::Right,
            Laterality::Left => Side::Left,
        }
    }
}

/// Standard projections of a screening exam.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Projection {
    /// Cranio-caudal.
    #[serde(rename = "CC")]
    Cc,
    /// Medio-lateral oblique.
    #[serde(rename = "MLO")]
    Mlo,
}

/// One of the four standard screening views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum View {
    Rcc,
    Lcc,
    Rmlo,
    Lmlo,
}

impl View {
    /// Display order (right before left, CC before MLO in pairs). MammoRG feeds the views in
    /// its own order, `mammorg::VIEW_ORDER` (RCC, RMLO, LCC, LMLO).
    pub const ALL: [View; 4] = [View::Rcc, View::Lcc, View::Rmlo, View::Lmlo];

    pub fn new(laterality: Laterality, projection: Projection) -> View {
        match (laterality, projection) {
            (Laterality::Right, Projection::Cc) => View::Rcc,
            (Laterality::Left, Projection::Cc) => View::Lcc,
            (Laterality::Right, Projection::Mlo) => View::Rmlo,
            (Laterality::Left, Projection::Mlo) => View::Lmlo,
        }
    }

    pub fn laterality(self) -> Laterality {
        match self {
            View::Rcc | View::Rmlo => Laterality::Right,
            View::Lcc | View::Lmlo => Laterality::Left,
        }
    }

    pub fn projection(self) -> Projection {
        match self {
            View::Rcc | View::Lcc => Projection::Cc,
            View::Rmlo | View::Lmlo => Projection::Mlo,
        }
    }

    /// "RCC", "LMLO", ...: also the file stem in a simulated study folder.
    pub fn code(self) -> &'static str {
        match self {
            View::Rcc => "RCC",
            View::Lcc => "LCC",
            View::Rmlo => "RMLO",
            View::Lmlo => "LMLO",
        }
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a standard view: {0:?}")]
pub struct UnknownView(pub String);

impl FromStr for View {
    type Err = UnknownView;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        View::ALL
            .into_iter()
            .find(|v| v.code() == upper)
            .ok_or_else(|| UnknownView(s.to_string()))
    }
}
