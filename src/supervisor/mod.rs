//! The supervision engine: spawn, ready, watch, restart and stop sidecar processes.
//! It knows nothing of Tauri: `policy` decides (no I/O), `platform` does I/O, `runtime` runs them.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tauri_plugin_sidecar::supervisor::SupervisorError> {
//! use tauri_plugin_sidecar::supervisor::{SidecarHandle, SidecarSpec};
//! let sidecar = SidecarHandle::new(SidecarSpec::new("api", "python3", vec!["app.py".into()]))?;
//! sidecar.start().await?;
//! let backend = sidecar.wait_ready(None).await?;
//! println!("backend at {}", backend.url);
//! sidecar.stop().await?;
//! # Ok(()) }
//! ```

pub mod contract;
mod error;
mod platform;
mod policy;
mod report;
mod runtime;
mod spec;
mod status;

pub use error::SupervisorError;
pub use platform::ledger::Survivor;
pub use policy::run_end::without_output;
pub use report::echo_to_terminal;
pub use runtime::{SidecarHandle, Supervisor};
pub use spec::{HealthSpec, RestartPolicy, RestartSpec, SidecarSpec, DEFAULT_TOKEN_ENV};
pub use status::{Backend, LogLine, State, Status, StopOutcome, Stream};

/// Checks `specs` as [`Supervisor::new`] does, without running anything: one message per
/// problem, each naming the sidecar and the key (`sidecars.api.health.path must start with "/"`).
pub fn check(specs: &[SidecarSpec]) -> Result<(), Vec<String>> {
    policy::validate::validate(specs)
        .map(|_| ())
        .map_err(|problems| problems.iter().map(ToString::to_string).collect())
}
