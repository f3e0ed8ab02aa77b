//! The plugin's error: one enum, serialized for JavaScript as `{ kind, message }` with stable
//! kinds; the message a page gets does not quote the sidecar's output.

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
    /// A page asked for the URL or token of an internal sidecar.
    #[error(
        "sidecar `{0}` is internal (\"expose\": false): pages get neither its URL nor its token"
    )]
    NotExposed(String),
    /// The capability's scope for the command does not let the page use this sidecar.
    #[error("this page may not use sidecar `{0}` here: the capability's scope for the command leaves it out")]
    OutOfScope(String),
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
            Error::NotExposed(_) => "notExposed",
            Error::OutOfScope(_) => "outOfScope",
            Error::Io(_) => "io",
        }
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Error", 2)?;
        s.serialize_field("kind", self.kind())?;
        // For a page: the sidecar's output is the logs permission's, not every caller's.
        let message = self.to_string();
        s.serialize_field("message", crate::supervisor::without_output(&message))?;
        s.end()
    }
}

/// Result of the plugin's operations.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_gets_the_reason_without_the_sidecars_output() {
        let failed = Error::Sidecar(SupervisorError::Failed {
            name: "api".into(),
            reason: "exited with status 3 before it became ready; last stderr: key=s3cr3t".into(),
        });
        assert!(
            failed.to_string().contains("key=s3cr3t"),
            "Rust callers get it all"
        );
        let json = serde_json::to_value(&failed).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "failed",
                "message": "sidecar `api` failed: exited with status 3 before it became ready"})
        );
    }

    #[test]
    fn a_streamed_or_returned_status_does_not_quote_the_output_either() {
        let mut status = crate::supervisor::Status::stopped("api");
        status.error = Some("exited with status 1 while ready; last stderr: a | b".into());
        let shown = crate::models::status_for_page(status);
        assert_eq!(
            shown.error.as_deref(),
            Some("exited with status 1 while ready")
        );
    }
}
