//! The plugin's error: one enum, serialized for JavaScript as `{ kind, message }` with stable kinds.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::supervisor::SupervisorError;

/// Errors of the plugin's commands and Rust API.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No sidecar has that name.
    #[error("no sidecar named `{0}`")]
    UnknownSidecar(String),
    /// The name was omitted, but not exactly one sidecar is configured.
    #[error("a sidecar name is required: {0} sidecars are configured")]
    NameRequired(usize),
    /// The sidecar is not ready right now.
    #[error("sidecar `{0}` is not ready")]
    NotReady(String),
    /// The sidecar gave up.
    #[error("sidecar `{name}` failed: {reason}")]
    Failed {
        /// The sidecar.
        name: String,
        /// Why.
        reason: String,
    },
    /// The sidecar is stopped.
    #[error("sidecar `{0}` is stopped")]
    Stopped(String),
    /// Waiting for readiness timed out.
    #[error("{0}")]
    Timeout(String),
    /// Invalid configuration; one line per problem.
    #[error("invalid sidecar configuration:\n{}", .0.join("\n"))]
    Config(Vec<String>),
    /// The supervisor is shut down.
    #[error("{0}")]
    Gone(String),
    /// An I/O error while setting up.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The stable, camelCase kind that JavaScript can branch on.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::UnknownSidecar(_) => "unknownSidecar",
            Error::NameRequired(_) => "nameRequired",
            Error::NotReady(_) => "notReady",
            Error::Failed { .. } => "failed",
            Error::Stopped(_) => "stopped",
            Error::Timeout(_) => "timeout",
            Error::Config(_) => "config",
            Error::Gone(_) => "gone",
            Error::Io(_) => "io",
        }
    }
}

impl From<SupervisorError> for Error {
    fn from(e: SupervisorError) -> Self {
        let message = e.to_string();
        match e {
            SupervisorError::UnknownSidecar(name) => Error::UnknownSidecar(name),
            SupervisorError::Failed { name, reason } => Error::Failed { name, reason },
            SupervisorError::Stopped(name) => Error::Stopped(name),
            SupervisorError::Timeout { .. } => Error::Timeout(message),
            SupervisorError::Gone(_) => Error::Gone(message),
            SupervisorError::Config(problems) => Error::Config(problems),
        }
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Error", 2)?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}

/// Result of the plugin's operations.
pub type Result<T> = std::result::Result<T, Error>;
