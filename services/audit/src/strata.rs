//! The audit's standard slicing dimensions (issue 6; screening.md §5.5 "stratify by density, age
//! band, … site, device, vendor, software version"), so that a CLI `--by site,model_version`
//! and a portal page build the same keys. Any other key works through [`crate::group_by`].

use std::str::FromStr;

use chrono::{DateTime, Datelike, Utc};
use mammoflow_domain::Density;
use serde::{Deserialize, Serialize};

/// Key of a record whose value for a dimension is missing.
pub const UNKNOWN: &str = "unknown";

/// Lower edges of the default age bands: `<40`, `40-44`, …, `70-74`, `75+` (5-year bands as in
/// BCSC tables; programme age limits fall on band edges: 50–71 NHS, 40+ US).
pub const AGE_BAND_EDGES: [u32; 8] = [40, 45, 50, 55, 60, 65, 70, 75];

/// The slicing attributes of one audit record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Strata {
    /// Screening date-time (the study date), for period keys.
    pub at: Option<DateTime<Utc>>,
    pub site: Option<String>,
    pub manufacturer: Option<String>,
    pub device_model: Option<String>,
    /// The device's software versions as the DICOM header gives them.
    pub software_version: Option<String>,
    /// The AI's malignancy probability for the exam.
    pub ai_suspicion: Option<f32>,
    pub density: Option<Density>,
    /// Age in whole years at screening.
    pub age: Option<u32>,
    pub model_version: Option<String>,
    pub parser_version: Option<String>,
    /// Pseudonymous reader id, for per-reader audits.
    pub reader: Option<String>,
}

/// A time period for trend cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// `2025-03-14`
    Day,
    /// ISO 8601 week, `2025-W11` (weeks start on Monday; days around New Year may belong to
    /// the neighbouring ISO year).
    Week,
    /// `2025-03`
    Month,
}

impl Period {
    /// The period key of `at`; keys sort in time order.
    pub fn key(self, at: DateTime<Utc>) -> String {
        match self {
            Period::Day => at.format("%Y-%m-%d").to_string(),
            Period::Week => {
                let w = at.iso_week();
                format!("{:04}-W{:02}", w.year(), w.week())
            }
            Period::Month => format!("{:04}-{:02}", at.year(), at.month()),
        }
    }
}

/// The age band of `age` for ascending lower edges: `<e0`, `e0-(e1-1)`, …, `en+`.
pub fn age_band(age: u32, edges: &[u32]) -> String {
    match edges.iter().rposition(|&e| age >= e) {
        None => edges.first().map_or_else(|| "all".to_string(), |e| format!("<{e}")),
        Some(i) => match edges.get(i + 1) {
            Some(next) => format!("{}-{}", edges.get(i).copied().unwrap_or(0), next.saturating_sub(1)),
            None => format!("{}+", edges.get(i).copied().unwrap_or(0)),
        },
    }
}

/// The tenth of [0, 1] that probability `p` falls in: `0.0-0.1`, …, `0.9-1.0` (1.0 included in
/// the last; out-of-range values are clamped).
pub fn suspicion_band(p: f32) -> String {
    // Whole tenths; the float-to-int cast saturates and a NaN becomes 0.
    let tenth = ((p.clamp(0.0, 1.0) * 10.0).floor() as u32).min(9);
    format!("0.{tenth}-{}", if tenth == 9 { "1.0".to_string() } else { format!("0.{}", tenth + 1) })
}

/// One slicing dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Period(Period),
    Site,
    Manufacturer,
    DeviceModel,
    SoftwareVersion,
    Density,
    AgeBand,
    ModelVersion,
    ParserVersion,
    /// The AI's malignancy probability in tenths (`0.3-0.4`).
    AiSuspicion,
    Reader,
}

impl Dimension {
    /// The CLI name: `day`, `week`, `month`, `site`, `manufacturer`, `device_model`,
    /// `software_version`, `density`, `age_band`, `model_version`, `parser_version`,
    /// `ai_suspicion`, `reader`.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Period(Period::Day) => "day",
            Dimension::Period(Period::Week) => "week",
            Dimension::Period(Period::Month) => "month",
            Dimension::Site => "site",
            Dimension::Manufacturer => "manufacturer",
            Dimension::DeviceModel => "device_model",
            Dimension::SoftwareVersion => "software_version",
            Dimension::Density => "density",
            Dimension::AgeBand => "age_band",
            Dimension::ModelVersion => "model_version",
            Dimension::ParserVersion => "parser_version",
            Dimension::AiSuspicion => "ai_suspicion",
            Dimension::Reader => "reader",
        }
    }

    pub const ALL: [Dimension; 13] = [
        Dimension::Period(Period::Day),
        Dimension::Period(Period::Week),
        Dimension::Period(Period::Month),
        Dimension::Site,
        Dimension::Manufacturer,
        Dimension::DeviceModel,
        Dimension::SoftwareVersion,
        Dimension::Density,
        Dimension::AgeBand,
        Dimension::ModelVersion,
        Dimension::ParserVersion,
        Dimension::AiSuspicion,
        Dimension::Reader,
    ];

    /// This dimension's key for `s`; [`UNKNOWN`] when the attribute is missing.
    pub fn key(self, s: &Strata) -> String {
        let text = |v: &Option<String>| v.clone().unwrap_or_else(|| UNKNOWN.to_string());
        match self {
            Dimension::Period(p) => s.at.map_or_else(|| UNKNOWN.to_string(), |at| p.key(at)),
            Dimension::Site => text(&s.site),
            Dimension::Manufacturer => text(&s.manufacturer),
            Dimension::DeviceModel => text(&s.device_model),
            Dimension::SoftwareVersion => text(&s.software_version),
            Dimension::Density => s.density.map_or_else(|| UNKNOWN.to_string(), |d| d.code().to_string()),
            Dimension::AgeBand => s.age.map_or_else(|| UNKNOWN.to_string(), |a| age_band(a, &AGE_BAND_EDGES)),
            Dimension::ModelVersion => text(&s.model_version),
            Dimension::ParserVersion => text(&s.parser_version),
            Dimension::AiSuspicion => s.ai_suspicion.map_or_else(|| UNKNOWN.to_string(), suspicion_band),
            Dimension::Reader => text(&s.reader),
        }
    }
}

/// The composite key of `s` over several dimensions, in their order.
pub fn key_of(dims: &[Dimension], s: &Strata) -> Vec<String> {
    dims.iter().map(|d| d.key(s)).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit dimension {0:?}")]
pub struct UnknownDimension(pub String);

impl FromStr for Dimension {
    type Err = UnknownDimension;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Dimension::ALL.into_iter().find(|d| d.name() == wanted).ok_or_else(|| UnknownDimension(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspicion_bands_are_tenths_with_one_in_the_last() {
        assert_eq!(suspicion_band(0.0), "0.0-0.1");
        assert_eq!(suspicion_band(0.05), "0.0-0.1");
        assert_eq!(suspicion_band(0.31), "0.3-0.4");
        assert_eq!(suspicion_band(0.9), "0.9-1.0");
        assert_eq!(suspicion_band(1.0), "0.9-1.0");
        assert_eq!(suspicion_band(1.7), "0.9-1.0");
        assert_eq!(suspicion_band(-0.2), "0.0-0.1");
        assert_eq!(suspicion_band(f32::NAN), "0.0-0.1");
    }
}
