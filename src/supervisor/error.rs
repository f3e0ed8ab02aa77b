//! The engine's error type: every message names the sidecar and a cause a user can act on.

use std::time::Duration;

/// Errors returned by the engine's handles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupervisorError {
    /// No sidecar has that name.
    #[error("no sidecar named `{0}`")]
    UnknownSidecar(String),
    /// The sidecar gave up; the message carries the last failure.
    #[error("sidecar `{name}` failed: {reason}")]
    Failed {
        /// The sidecar.
        name: String,
        /// Why it failed (exit status, last stderr lines, or health probe result).
        reason: String,
    },
    /// The sidecar is stopped or being stopped, so it will not become ready.
    #[error("sidecar `{0}` is stopped")]
    Stopped(String),
    /// It did not become ready in time.
    #[error("sidecar `{name}` was not ready within {} ms", .waited.as_millis())]
    Timeout {
        /// The sidecar.
        name: String,
        /// How long the caller waited.
        waited: Duration,
    },
    /// The supervising task is gone (the engine was shut down).
    #[error("sidecar `{0}` is no longer supervised")]
    Gone(String),
    /// The configuration is invalid; one line per problem.
    #[error("invalid sidecar configuration:\n{}", .0.join("\n"))]
    Config(Vec<String>),
}
