//! DICOM for mammoflow: header reading without pixels ([`header`]), pixel decoding to a
//! display-ready grey image ([`pixels`]), the four-view selection
//! rule of screening routing ([`views`]), and a deterministic synthetic screening-study
//! generator writing real Part-10 files ([`synth`]), and the rule for which files may be opened
//! ([`resolve`]).

pub mod header;
pub mod pixels;
pub mod render;
pub mod resolve;
mod scan;
pub mod synth;
pub mod views;

pub use header::{read_header, read_header_bytes, CodedValue, DicomReadError, HeaderLimits, InstanceHeader};
pub use resolve::{resolve_uri, ResolveError};
pub use pixels::{read_grey, GreyImage, PixelError, VoiFunction, Window};
pub use render::thumbnail_png;
pub use synth::{generate_study, simulate, write_study, DeviceProfile, DeviceSwitch, SimulationOptions, SyntheticStudy, WrittenStudy};
pub use views::{select_standard_views, ViewSelection};
