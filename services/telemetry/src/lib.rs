//! What every mammoflow service shares at its edges: one Prometheus registry, the `/metrics` and
//! `/healthz` endpoints, structured logs, and a shutdown token fired by SIGTERM or ctrl-c.

mod health;
mod http;
mod logging;
mod shutdown;

pub use health::{ComponentStatus, Health};
pub use http::{serve, HttpError};
pub use logging::{init_logging, LogFormat};
pub use shutdown::shutdown_on_signals;

pub use prometheus;
