//! The inference stage: `mammo.study.ready.v1` → MammoRG → `ai_reports` + `mammo.report.generated.v1`.
//!
//! * [`model`]: load a checkpoint, hash it, register it (model registry in Postgres).
//! * [`batcher`]: dynamic batching across studies with priority lanes, on worker threads.
//! * [`run`]: one batch through the model, failures kept per study.
//! * [`handler`]: the consumer-side logic (ineligible studies pass through, failures are stored
//!   on the study and routed to a human read, re-deliveries change nothing).
//! * [`replay`]: stored studies through a challenger model, in shadow (audit only).
//! * [`shadow`]: a shadow report stored with its parse.
//! * [`study_dir`]: a study folder's four views, for `mammoflow generate`.

pub mod args;
pub mod batcher;
mod error;
pub mod handler;
pub mod metrics;
pub mod model;
pub mod replay;
pub mod run;
pub mod shadow;
mod spawn;
pub mod stage1;
pub mod study_dir;

pub use args::InferenceArgs;
pub use batcher::{BatchConfig, Batcher, Lane, SubmitError};
pub use error::InferenceError;
pub use handler::{InferenceHandler, CONSUMER_GROUP};
pub use metrics::InferenceMetrics;
pub use model::{checkpoint_sha256, demo_checkpoint_dir, load_model, LoadedModel};
pub use replay::{replay_studies, ReplaySummary};
pub use shadow::{ShadowError, ShadowStore};
pub use run::{run_batch, StudyFailure, StudyGeneration, StudyPaths, StudyResult};
pub use spawn::spawn_inference;
pub use study_dir::study_view_paths;
