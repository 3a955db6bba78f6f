//! Errors for inputs the audit cannot compute on. An undefined *ratio* (zero denominator, no
//! outcomes yet) is not an error: it is a `None` with a reason (see [`crate::Undefined`]).

/// Invalid input to an audit computation.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum AuditError {
    /// A distribution or sample that must hold data is empty (e.g. a drift window).
    #[error("the {which} sample is empty")]
    EmptySample { which: &'static str },
    /// Two distributions that must be aligned bin by bin have different lengths.
    #[error("{what}: {left} bins against {right}")]
    LengthMismatch { what: &'static str, left: usize, right: usize },
    /// A value is NaN or infinite where a finite number is required.
    #[error("non-finite value in the {which} sample")]
    NonFinite { which: &'static str },
    /// Bin edges are not strictly increasing finite numbers, or there are fewer than two.
    #[error("invalid bins: {0}")]
    InvalidBins(String),
    /// A drift threshold or other parameter is out of its range.
    #[error("invalid parameter {name}: {value}")]
    InvalidParameter { name: &'static str, value: f64 },
    /// mammorgtool refused the pairs of one cell.
    #[cfg(feature = "clinical")]
    #[error("clinical-efficacy evaluation: {0}")]
    Clinical(#[from] mammorgtool::metrics::EvalError),
}
