//! What the engine reports: lifecycle states, status snapshots, output lines and stop results.
//! These are the models the Tauri layer and the TypeScript package mirror field for field.

use serde::Serialize;

/// Lifecycle state of one sidecar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum State {
    /// Spawned (or about to be); waiting for the health endpoint.
    Starting,
    /// The health endpoint answered ok.
    Ready,
    /// Ended on its own; waiting out the backoff delay before the next start.
    Restarting,
    /// A stop was requested and is in progress.
    Stopping,
    /// Not running, and nothing will start it but a `start` or `restart`.
    Stopped,
    /// Gave up (restart budget spent, or a failure under policy `never`); `error` says why.
    Failed,
}

impl State {
    /// The camelCase name used in events and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Starting => "starting",
            State::Ready => "ready",
            State::Restarting => "restarting",
            State::Stopping => "stopping",
            State::Stopped => "stopped",
            State::Failed => "failed",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A snapshot of one sidecar. It never contains the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// The sidecar's name.
    pub name: String,
    /// Current state.
    pub state: State,
    /// Process id of the running child, if any.
    pub pid: Option<u32>,
    /// Port of the current (or last) start.
    pub port: Option<u16>,
    /// `http://127.0.0.1:<port>` of the current (or last) start.
    pub url: Option<String>,
    /// How many times the engine restarted it since it was last started by request.
    pub restarts: u32,
    /// Why the last run ended badly, if it did.
    pub error: Option<String>,
}

impl Status {
    /// The status of a sidecar that was never started.
    pub fn stopped(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            state: State::Stopped,
            pid: None,
            port: None,
            url: None,
            restarts: 0,
            error: None,
        }
    }
}

/// Which output stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Stream {
    /// The child's standard output.
    Stdout,
    /// The child's standard error.
    Stderr,
}

/// One line of a sidecar's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    /// The sidecar's name.
    pub name: String,
    /// Where it came from.
    pub stream: Stream,
    /// The line without its newline; invalid UTF-8 is replaced, over-long lines are cut.
    pub line: String,
}

/// How a stop ended the process group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StopOutcome {
    /// Nothing was running.
    NotRunning,
    /// The child (on Linux: its whole process group) exited after SIGTERM within the shutdown
    /// timeout.
    Graceful,
    /// Something of the group was still running at the end of the shutdown timeout and was
    /// killed with SIGKILL.
    Killed,
    /// Even SIGKILL did not end the main process in time: it is stuck in the kernel (for example
    /// in uninterruptible sleep on a hung file system). It is reported and left behind.
    Unkillable,
}

/// The backend's address as handed to a frontend. `Debug` shows `[token]` for the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Backend {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The port.
    pub port: u16,
    /// The bearer token of the current start, when the sidecar has one.
    pub token: Option<String>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("url", &self.url)
            .field("port", &self.port)
            .field(
                "token",
                &crate::supervisor::platform::token::hidden(&self.token),
            )
            .finish()
    }
}
