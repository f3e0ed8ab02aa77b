//! The plugin's error: one enum, serialized for JavaScript as `{ kind, message }` with stable kinds.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::supervisor::SupervisorError;

/// Errors of the plugin's commands and Rust API.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// What the engine reports: an unknown sidecar, a failure, a stop, a timeout, an invalid
    /// configuration, or a sidecar no longer supervised.
    #[error(transparent)]
    Sidecar(#[from] SupervisorError),
    /// The name was omitted, but not exactly one sidecar is configured.
    #[error("a sidecar name is required: {0} sidecars are configured")]
    NameRequired(usize),
    /// The sidecar is not ready right now.
    #[error("sidecar `{0}` is not ready")]
    NotReady(String),
    /// An I/O error while setting up.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The stable, camelCase kind that JavaScript can branch on.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Sidecar(e) => match e {
                SupervisorError::UnknownSidecar(_) => "unknownSidecar",
                SupervisorError::Failed { .. } => "failed",
                SupervisorError::Stopped(_) => "stopped",
                SupervisorError::Timeout { .. } => "timeout",
                SupervisorError::Config(_) => "config",
                SupervisorError::Gone(_) => "gone",
            },
            Error::NameRequired(_) => "nameRequired",
            Error::NotReady(_) => "notReady",
            Error::Io(_) => "io",
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
