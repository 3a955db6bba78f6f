//! DICOM for mammoflow: header reading without pixels ([`header`]), the four-view selection
//! rule of screening routing ([`views`]), and a deterministic synthetic screening-study
//! generator writing real Part-10 files ([`synth`]).

pub mod header;
mod scan;
pub mod synth;
pub mod views;

pub use header::{read_header, read_header_bytes, CodedValue, DicomReadError, HeaderLimits, InstanceHeader};
pub use synth::{generate_study, simulate, write_study, SimulationOptions, SyntheticStudy, WrittenStudy};
pub use views::{select_standard_views, ViewSelection};
