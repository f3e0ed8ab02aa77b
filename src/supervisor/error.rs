//! The engine's error type: every message names the sidecar and a cause a user can act on.

use std::time::Duration;

/// Errors returned by the engine's handles. `Display` writes one line; `{:#}` writes a
/// configuration error one problem per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupervisorError {
    /// No sidecar has that name.
    UnknownSidecar(String),
    /// The sidecar gave up; the message carries the last failure.
    Failed {
        /// The sidecar.
        name: String,
        /// Why it failed (exit status, last stderr lines, or health probe result).
        reason: String,
    },
    /// The sidecar is stopped or being stopped, so it will not become ready.
    Stopped(String),
    /// It did not become ready in time.
    Timeout {
        /// The sidecar.
        name: String,
        /// How long the caller waited.
        waited: Duration,
    },
    /// The supervising task is gone (the engine was shut down).
    Gone(String),
    /// The configuration is invalid: one entry per problem, each beginning with the key it is
    /// about (`sidecars.api.health.path must start with "/"`).
    Config(Vec<String>),
}

impl std::fmt::Display for SupervisorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownSidecar(name) => write!(f, "no sidecar named `{name}`"),
            Self::Failed { name, reason } => write!(f, "sidecar `{name}` failed: {reason}"),
            Self::Stopped(name) => write!(f, "sidecar `{name}` is stopped"),
            Self::Timeout { name, waited } => write!(
                f,
                "sidecar `{name}` was not ready within {} ms",
                waited.as_millis()
            ),
            Self::Gone(name) => write!(f, "sidecar `{name}` is no longer supervised"),
            // One line by default: Tauri quotes this text inside `PluginInitialization(..)`,
            // which the usual `.expect(..)` prints with `Debug`, newlines escaped.
            Self::Config(problems) if f.alternate() => {
                write!(f, "invalid sidecar configuration:")?;
                problems.iter().try_for_each(|p| write!(f, "\n  {p}"))
            }
            Self::Config(problems) => {
                write!(f, "invalid sidecar configuration: {}", problems.join("; "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_error_is_one_line_or_with_the_alternate_flag_one_problem_per_line() {
        let error =
            SupervisorError::Config(vec!["sidecars.a.port: x".into(), "sidecars.b: y".into()]);
        assert_eq!(
            error.to_string(),
            "invalid sidecar configuration: sidecars.a.port: x; sidecars.b: y"
        );
        assert_eq!(
            format!("{error:#}"),
            "invalid sidecar configuration:\n  sidecars.a.port: x\n  sidecars.b: y"
        );
    }
}
