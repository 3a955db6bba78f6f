//! Enum columns stored as text: one error type and one way to map a code back to its variant.

/// A text code that names no known variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownCode {
    pub what: &'static str,
    pub value: String,
}

/// `Display` and `FromStr` for an enum with `ALL` and `as_str`.
macro_rules! text_code {
    ($ty:ty, $what:literal) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::codes::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$ty>::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| $crate::codes::UnknownCode { what: $what, value: s.to_string() })
            }
        }
    };
}
pub(crate) use text_code;
