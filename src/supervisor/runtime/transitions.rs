//! A sidecar's status is written only here: one method per transition, each publishing a
//! complete status, so that no half-updated status is ever seen.

use std::sync::Arc;

use super::shared::Shared;
use crate::supervisor::status::{State, Status};

/// `http://127.0.0.1:<port>`.
pub fn url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// The supervising task's side of the status: what every transition carries over.
#[derive(Debug)]
pub struct Transitions {
    shared: Arc<Shared>,
    /// Restarts since the last requested start.
    restarts: u32,
    /// The running process, if any.
    pid: Option<u32>,
    /// Port of the current or last start.
    port: Option<u16>,
}

impl Transitions {
    pub fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            restarts: 0,
            pid: None,
            port: None,
        }
    }

    /// A start was requested: the restart count begins again. Nothing is published until the
    /// start itself is, so no status shows the new count with the old state.
    pub fn requested_start(&mut self) {
        self.restarts = 0;
    }

    /// `starting`, no process yet: the dependencies are not all ready.
    pub fn waiting_for_dependencies(&mut self) {
        self.pid = None;
        self.publish(State::Starting, None);
    }

    /// `starting`: spawned, waiting for the health endpoint.
    pub fn starting(&mut self, pid: u32, port: u16) {
        self.pid = Some(pid);
        self.port = Some(port);
        self.publish(State::Starting, None);
    }

    /// `ready`: the health endpoint answered ok.
    pub fn ready(&mut self) {
        self.publish(State::Ready, None);
    }

    /// `stopping`: the process group was asked to end.
    pub fn stopping(&mut self) {
        self.publish(State::Stopping, None);
    }

    /// `restarting`: ended on its own; the next start follows the backoff delay.
    pub fn restarting(&mut self, reason: String) {
        self.pid = None;
        self.restarts += 1;
        self.publish(State::Restarting, Some(reason));
    }

    /// `restarting` for `reason`, at once: the sources changed. Not a failure: the restart
    /// count begins again.
    pub fn reloading(&mut self, reason: String) {
        self.pid = None;
        self.restarts = 0;
        self.publish(State::Restarting, Some(reason));
    }

    /// `failed`: given up, for `reason`.
    pub fn failed(&mut self, reason: String) {
        self.pid = None;
        self.publish(State::Failed, Some(reason));
    }

    /// `stopped`: nothing runs, and nothing will start it but a request.
    pub fn stopped(&mut self) {
        self.pid = None;
        self.publish(State::Stopped, None);
    }

    fn publish(&self, state: State, error: Option<String>) {
        self.shared.publish(Status {
            name: self.shared.name.clone(),
            state,
            pid: self.pid,
            port: self.port,
            url: self.port.map(url),
            restarts: self.restarts,
            error,
        });
    }
}
