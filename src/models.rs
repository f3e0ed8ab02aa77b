//! What commands return to JavaScript; `guest-js` mirrors these field for field.

use serde::Serialize;

pub use crate::supervisor::{LogLine, State, Status, Stream};

/// `get_backend`: where the backend is and how to authenticate. `Debug` shows `[token]`.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendInfo {
    /// The sidecar's name.
    pub name: String,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The port.
    pub port: u16,
    /// The bearer token, or `null` when the sidecar has no `tokenEnv`.
    pub token: Option<String>,
}

/// `status` as a page sees it: `error` without its quote of the sidecar's output, which is for
/// pages with the logs permission (`logs`, `onLog`).
pub fn status_for_page(mut status: Status) -> Status {
    if let Some(error) = &status.error {
        status.error = Some(crate::supervisor::without_output(error).to_owned());
    }
    status
}

/// One line returned by `logs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// `stdout` or `stderr`.
    pub stream: Stream,
    /// The line.
    pub line: String,
}

impl std::fmt::Debug for BackendInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendInfo")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("port", &self.port)
            .field("token", &self.token.as_ref().map(|_| "[token]"))
            .finish()
    }
}
