//! # tauri-plugin-sidecar
//!
//! Runs a supervised backend process (typically a Python HTTP server) next to a Tauri 2 app:
//! a free port, a readiness probe, health checks, restarts with backoff, and a stop that leaves
//! no process of its tree behind.
//!
//! The supervision engine lives in [`supervisor`] and does not depend on Tauri.

#![warn(missing_docs)]

pub mod supervisor;

use tauri::plugin::{Builder, TauriPlugin};
use tauri::Runtime;

/// The plugin. Sidecars are declared under `plugins.sidecar` in `tauri.conf.json`.
pub fn init<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("sidecar").build()
}
