//! `SidecarHandle`: the cheap, cloneable way to ask one supervised sidecar for its status, its
//! output, its readiness, and to start, stop or restart it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot, watch};

use super::shared::{Request, Shared};
use super::sources::watch_sources;
use super::task::SidecarTask;
use crate::supervisor::error::SupervisorError;
use crate::supervisor::platform::ledger::Ledger;
use crate::supervisor::spec::SidecarSpec;
use crate::supervisor::status::{Backend, LogLine, State, Status, StopOutcome};

/// A handle to one supervised sidecar. When the last handle is dropped, the sidecar is stopped.
#[derive(Debug, Clone)]
pub struct SidecarHandle {
    shared: Arc<Shared>,
    requests: mpsc::UnboundedSender<Request>,
}

impl SidecarHandle {
    /// Checks `spec` and starts supervising it on the current Tokio runtime. Nothing runs until
    /// [`start`](Self::start). A spec with `depends_on` needs a [`Supervisor`](super::Supervisor).
    pub fn new(spec: SidecarSpec) -> Result<Self, SupervisorError> {
        crate::supervisor::check(std::slice::from_ref(&spec)).map_err(SupervisorError::Config)?;
        Ok(Self::with_dependencies(spec, Vec::new()))
    }

    /// Like [`new`](Self::new), but every start first starts each dependency that is not running
    /// and waits until it is ready, and a stop of a dependency stops this sidecar first.
    pub(crate) fn with_dependencies(spec: SidecarSpec, dependencies: Vec<SidecarHandle>) -> Self {
        let shared = Arc::new(Shared::new(&spec.name, spec.log_lines));
        let (requests, inbox) = mpsc::unbounded_channel();
        for dependency in &dependencies {
            dependency.shared.add_dependent(requests.downgrade());
        }
        let sources = watch_sources(&spec, requests.downgrade());
        tokio::spawn(SidecarTask::new(spec, shared.clone(), inbox, dependencies, sources).run());
        Self { shared, requests }
    }

    /// The sidecar's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The current status.
    pub fn status(&self) -> Status {
        self.shared.status.borrow().clone()
    }

    /// A receiver of every status change, in order (it lags, losing the oldest, if not read).
    pub fn subscribe(&self) -> broadcast::Receiver<Status> {
        self.shared.events.subscribe()
    }

    /// A receiver that always holds the latest status.
    pub fn watch(&self) -> watch::Receiver<Status> {
        self.shared.status.subscribe()
    }

    /// A receiver of every output line from now on.
    pub fn subscribe_logs(&self) -> broadcast::Receiver<LogLine> {
        self.shared.log_events.subscribe()
    }

    /// The last `lines` output lines, oldest first.
    pub fn logs(&self, lines: usize) -> Vec<LogLine> {
        self.shared
            .logs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .last(lines)
    }

    /// Starts the sidecar if it is not running (a `failed` one too, with a fresh restart budget).
    /// Returns once the start is under way; use [`wait_ready`](Self::wait_ready) for readiness.
    pub async fn start(&self) -> Result<(), SupervisorError> {
        self.request_start(Request::Start).await
    }

    /// Stops the sidecar if it runs, then starts it again.
    pub async fn restart(&self) -> Result<(), SupervisorError> {
        self.request_start(Request::Restart).await
    }

    /// Sends a start request without waiting for it to be taken up.
    pub fn start_in_background(&self) {
        let (ack, _) = oneshot::channel();
        self.shared.start_requested();
        if self.requests.send(Request::Start(ack)).is_err() {
            self.shared.start_taken_up();
        }
    }

    /// Records its process in `ledger` from now on.
    pub(crate) fn keep_ledger(&self, ledger: Arc<Ledger>) {
        self.shared.keep_ledger(ledger);
    }

    /// Starts it in the background unless it runs or a start is on its way.
    pub(crate) fn start_if_inactive(&self) {
        let state = self.shared.status.borrow().state;
        let inactive = matches!(state, State::Stopped | State::Failed);
        if inactive && !self.shared.start_pending() {
            self.start_in_background();
        }
    }

    async fn request_start(
        &self,
        request: fn(oneshot::Sender<()>) -> Request,
    ) -> Result<(), SupervisorError> {
        let (ack, taken_up) = oneshot::channel();
        self.shared.start_requested();
        if self.requests.send(request(ack)).is_err() {
            self.shared.start_taken_up();
            return Err(self.gone());
        }
        taken_up.await.map_err(|_| self.gone())
    }

    /// Stops the sidecar, after the sidecars that depend on it: SIGTERM to its process group, up
    /// to the shutdown timeout, then SIGKILL. Valid in every state; a stop during a restart delay
    /// cancels the restart.
    pub async fn stop(&self) -> Result<StopOutcome, SupervisorError> {
        let (done, stopped) = oneshot::channel();
        self.requests
            .send(Request::Stop(done))
            .map_err(|_| self.gone())?;
        stopped.await.map_err(|_| self.gone())
    }

    /// Resolves with the backend's address the moment the sidecar is ready (at once if it is).
    /// Errors as soon as it is `failed` or `stopped` with no start on its way, and after `timeout`
    /// if one is given.
    pub async fn wait_ready(&self, timeout: Option<Duration>) -> Result<Backend, SupervisorError> {
        let name = self.name().to_owned();
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        let mut rx = self.shared.status.subscribe();
        loop {
            // Read "start pending" before the state: a start taken up in between shows as `starting`.
            let pending = self.shared.start_pending();
            let status = rx.borrow_and_update().clone();
            match status.state {
                State::Ready => {
                    if let Some(backend) = self.shared.backend() {
                        return Ok(backend);
                    }
                }
                State::Failed if !pending => {
                    let reason = status.error.unwrap_or_else(|| "no reason given".into());
                    return Err(SupervisorError::Failed { name, reason });
                }
                State::Stopped if !pending => return Err(SupervisorError::Stopped(name)),
                _ => {}
            }
            let changed = match deadline {
                Some(deadline) => match tokio::time::timeout_at(deadline, rx.changed()).await {
                    Ok(changed) => changed,
                    Err(_) => {
                        return Err(SupervisorError::Timeout {
                            name,
                            waited: timeout.unwrap_or_default(),
                        });
                    }
                },
                None => rx.changed().await,
            };
            changed.map_err(|_| self.gone())?;
        }
    }

    /// The backend's URL once it is ready: `wait_ready(None)` without the token.
    pub async fn url(&self) -> Result<String, SupervisorError> {
        Ok(self.wait_ready(None).await?.url)
    }

    /// The backend's address and token if the sidecar is ready right now.
    pub fn backend(&self) -> Option<Backend> {
        (self.shared.status.borrow().state == State::Ready)
            .then(|| self.shared.backend())
            .flatten()
    }

    fn gone(&self) -> SupervisorError {
        SupervisorError::Gone(self.name().to_owned())
    }
}
