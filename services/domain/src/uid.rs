//! DICOM UIDs (StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID).

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A syntactically valid DICOM UID: at most 64 characters, dot-separated numeric components,
/// no empty component and no leading zero in a multi-digit component (PS3.5 §9.1).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DicomUid(String);

/// The published schema states the same rule as [`DicomUid::new`].
impl JsonSchema for DicomUid {
    fn schema_name() -> Cow<'static, str> {
        "DicomUid".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "DICOM UID: dot-separated numeric components, no leading zeros, at most 64 characters",
            "type": "string",
            "maxLength": 64,
            "pattern": "^(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))*$"
        })
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UidError {
    #[error("UID is empty")]
    Empty,
    #[error("UID is {0} characters long; DICOM allows at most 64")]
    TooLong(usize),
    #[error("UID {0:?} has an invalid component (digits only, no empty part, no leading zero)")]
    BadComponent(String),
}

impl DicomUid {
    pub const MAX_LEN: usize = 64;

    pub fn new(value: impl Into<String>) -> Result<Self, UidError> {
        // Trailing NUL padding is common in real files; it is not part of the UID.
        let value: String = value.into().trim_end_matches(['\0', ' ']).to_string();
        if value.is_empty() {
            return Err(UidError::Empty);
        }
        if value.len() > Self::MAX_LEN {
            return Err(UidError::TooLong(value.len()));
        }
        let valid = value.split('.').all(|part| {
            !part.is_empty()
                && part.bytes().all(|b| b.is_ascii_digit())
                && !(part.len() > 1 && part.starts_with('0'))
        });
        if !valid {
            return Err(UidError::BadComponent(value));
        }
        Ok(DicomUid(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DicomUid {
    type Error = UidError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        DicomUid::new(value)
    }
}

impl From<DicomUid> for String {
    fn from(uid: DicomUid) -> String {
        uid.0
    }
}

impl FromStr for DicomUid {
    type Err = UidError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DicomUid::new(s)
    }
}

impl fmt::Display for DicomUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_and_strips_padding() {
        let uid = DicomUid::new("1.2.840.10008.5.1.4.1.1.1.2\0").map(|u| u.to_string());
        assert_eq!(uid.as_deref(), Ok("1.2.840.10008.5.1.4.1.1.1.2"));
    }

    #[test]
    fn rejects_invalid() {
        assert_eq!(DicomUid::new(""), Err(UidError::Empty));
        assert!(matches!(DicomUid::new("1.02.3"), Err(UidError::BadComponent(_))));
        assert!(matches!(DicomUid::new("1..3"), Err(UidError::BadComponent(_))));
        assert!(matches!(DicomUid::new("1.2.a"), Err(UidError::BadComponent(_))));
        assert!(matches!(DicomUid::new("1.".repeat(40) + "1"), Err(UidError::TooLong(81))));
        assert!(serde_json::from_str::<DicomUid>("\"../etc\"").is_err());
    }
}
