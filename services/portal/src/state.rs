//! What every request handler shares.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use mammoflow_bus::Publisher;
use mammoflow_store::PgPool;

use crate::auth::SignInLimiter;
use crate::metrics::PortalMetrics;
use crate::PortalArgs;

#[derive(Debug, Clone)]
pub struct AppState(pub Arc<Shared>);

#[derive(Debug)]
pub struct Shared {
    pub pool: PgPool,
    /// Replays corrected dead letters onto their topics.
    pub publisher: Publisher,
    /// Reads radiologists' free-text reports (stored next to the form values).
    pub parser: mammorgtool::Parser,
    /// The only folders thumbnails may be read from.
    pub dicom_roots: Vec<PathBuf>,
    pub limiter: SignInLimiter,
    pub metrics: PortalMetrics,
    pub args: PortalArgs,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn lease(&self) -> Duration {
        Duration::from_secs(u64::from(self.args.lease_minutes.max(1)) * 60)
    }
}
