//! The supervising task of one sidecar, read top to bottom as states and transitions: idle,
//! waiting for its dependencies, starting, ready, backing off. Every request is read in
//! [`SidecarTask::on_request`], every run ends in [`SidecarTask::conclude`], which tears the run
//! down first and then lets `policy` decide what follows.

use std::ffi::OsString;
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use log::Level;
use tokio::sync::mpsc;
use tokio::time::{sleep, sleep_until, Instant};

use super::attempt::{dependency_env, exit_of, port_unavailable, Attempt, Teardown};
use super::handle::SidecarHandle;
use super::shared::{Request, Shared, StartAck, StopReply};
use super::transitions::Transitions;
use crate::supervisor::error::SupervisorError;
use crate::supervisor::platform::held_socket::HeldSocket;
use crate::supervisor::platform::source_watch::SourceWatch;
use crate::supervisor::platform::token::fresh_token;
use crate::supervisor::policy::failure_streak::{FailureStreak, Liveness};
use crate::supervisor::policy::restart::{Decision, Ending, RestartPlanner};
use crate::supervisor::policy::run_end::{explain, UnrequestedEnd};
use crate::supervisor::report;
use crate::supervisor::spec::SidecarSpec;
use crate::supervisor::status::{Backend, State, StopOutcome};

/// How many stderr lines an error message quotes.
const STDERR_LINES_IN_ERRORS: usize = 10;

/// What the task does next.
enum Next {
    /// Wait for a request.
    Idle,
    /// Start now; acknowledge this request once the start is under way.
    Run(Option<StartAck>),
    /// Wait this long, then start again.
    Backoff(Duration),
    /// Every handle is gone: end the task.
    Exit,
}

/// What ends a phase: an idle wait, a backoff, or a run.
enum End {
    /// A stop was requested.
    Stop(StopReply),
    /// A restart was requested, or a start while nothing runs: start afresh.
    Restart(StartAck),
    /// A source file changed: start again on the same port with the same token.
    Reload(String),
    /// Every handle is gone.
    HandlesGone,
    /// The run ended on its own.
    Unrequested(UnrequestedEnd),
    /// A dependency will not become ready.
    DependencyFailed(String),
}

/// The supervising task's state.
pub struct SidecarTask {
    spec: SidecarSpec,
    shared: Arc<Shared>,
    requests: mpsc::UnboundedReceiver<Request>,
    dependencies: Vec<SidecarHandle>,
    planner: RestartPlanner,
    status: Transitions,
    /// With `pass_socket`: the listening socket every start gets, and the token that goes with
    /// it (a request queued during a restart still carries the right one), held until a
    /// requested stop.
    socket: Option<(HeldSocket, Option<String>)>,
    /// After a reload: the backend the next start keeps (its port, if free, and its token).
    keep: Option<Backend>,
    /// Reloads the sidecar when its sources change; held for the task's life.
    _sources: Option<SourceWatch>,
}

impl SidecarTask {
    pub fn new(
        spec: SidecarSpec,
        shared: Arc<Shared>,
        requests: mpsc::UnboundedReceiver<Request>,
        dependencies: Vec<SidecarHandle>,
        sources: Option<SourceWatch>,
    ) -> Self {
        Self {
            planner: RestartPlanner::new(spec.restart.clone()),
            status: Transitions::new(shared.clone()),
            spec,
            shared,
            requests,
            dependencies,
            socket: None,
            keep: None,
            _sources: sources,
        }
    }

    /// Runs until every handle is dropped; then stops the sidecar.
    pub async fn run(mut self) {
        let mut next = Next::Idle;
        loop {
            next = match next {
                Next::Idle => {
                    let request = self.requests.recv().await;
                    self.between_runs(request).await
                }
                Next::Run(ack) => self.run_once(ack).await,
                Next::Backoff(delay) => {
                    tokio::select! {
                        _ = sleep(delay) => Next::Run(None),
                        request = self.requests.recv() => self.between_runs(request).await,
                    }
                }
                Next::Exit => return,
            };
        }
    }

    /// The one place where requests are read. While a run is under way a start changes nothing
    /// and is acknowledged at once; every other request ends the current phase.
    fn on_request(&mut self, request: Option<Request>, running: bool) -> Option<End> {
        match request {
            None => Some(End::HandlesGone),
            Some(Request::Start(ack)) if running => {
                self.ack_start(Some(ack));
                None
            }
            Some(Request::Start(ack) | Request::Restart(ack)) => Some(End::Restart(ack)),
            Some(Request::Stop(reply)) => Some(End::Stop(reply)),
            // While running, backing off or failed; a stopped sidecar stays stopped.
            Some(Request::Reload(file)) => {
                let state = self.shared.status.borrow().state;
                (running || matches!(state, State::Restarting | State::Failed))
                    .then(|| End::Reload(format!("source changed: {}", file.display())))
            }
        }
    }

    /// A request while nothing runs (idle, or backing off).
    async fn between_runs(&mut self, request: Option<Request>) -> Next {
        match self.on_request(request, false) {
            Some(end) => self.conclude(end, None).await,
            None => Next::Idle,
        }
    }

    /// Marks a start request as taken up, after the state that answers it was published.
    fn ack_start(&self, ack: Option<StartAck>) {
        if let Some(ack) = ack {
            self.shared.start_taken_up();
            let _ = ack.send(());
        }
    }

    async fn run_once(&mut self, mut ack: Option<StartAck>) -> Next {
        let mut dependency_env = Vec::new();
        if !self.dependencies.is_empty() {
            self.status.waiting_for_dependencies();
            self.ack_start(ack.take());
            match self.dependencies_ready().await {
                Ok(env) => dependency_env = env,
                Err(end) => return self.conclude(end, None).await,
            }
        }
        let mut attempt = match self.launch(dependency_env).await {
            Ok(attempt) => attempt,
            Err((ending, reason)) => {
                let next = self.after_failure(ending, reason);
                self.ack_start(ack);
                return next;
            }
        };
        let (pid, port) = (attempt.process.pid(), attempt.target.port);
        self.status.starting(pid, port);
        self.ack_start(ack);
        report::lifecycle(
            Level::Info,
            &self.spec.name,
            format_args!("started, pid {pid}, port {port}"),
        );
        let end = match self.until_ready(&mut attempt).await {
            Some(end) => end,
            None => {
                self.status.ready();
                report::lifecycle(
                    Level::Info,
                    &self.spec.name,
                    format_args!("ready at {}", attempt.target.url()),
                );
                self.while_ready(&mut attempt).await
            }
        };
        self.conclude(end, Some(attempt)).await
    }

    /// Launches one start: with `pass_socket` on the socket the starts share, and with its token
    /// (binding it first unless it is held already), otherwise with a fresh token.
    async fn launch(
        &mut self,
        dependency_env: Vec<(String, OsString)>,
    ) -> Result<Attempt, (Ending, String)> {
        if self.spec.pass_socket && self.socket.is_none() {
            let socket = HeldSocket::bind(self.spec.port)
                .map_err(|e| (Ending::Failure, port_unavailable(self.spec.port, e)))?;
            self.socket = Some((socket, self.fresh_token()));
        }
        let keep = self.keep.take();
        let (socket, token) = match (&self.socket, keep.as_ref()) {
            (Some((socket, token)), _) => (Some(socket), token.clone()),
            (None, Some(kept)) if kept.token.is_some() => (None, kept.token.clone()),
            (None, _) => (None, self.fresh_token()),
        };
        let preferred = keep.map(|kept| kept.port);
        Attempt::launch(
            &self.spec,
            &self.shared,
            dependency_env,
            socket,
            preferred,
            token,
        )
        .await
    }

    /// A new token, when the spec asks for one.
    fn fresh_token(&self) -> Option<String> {
        self.spec.token_env.as_ref().map(|_| fresh_token())
    }

    /// Starts the dependencies that are not running and waits until each is ready; returns the
    /// environment that tells this sidecar where they are.
    async fn dependencies_ready(&mut self) -> Result<Vec<(String, OsString)>, End> {
        for dependency in &self.dependencies {
            dependency.start_if_inactive();
        }
        let mut env = Vec::new();
        for dependency in self.dependencies.clone() {
            let backend = loop {
                tokio::select! {
                    ready = dependency.wait_ready(None) => match ready {
                        Ok(backend) => break backend,
                        Err(e) => return Err(End::DependencyFailed(dependency_failure(dependency.name(), e))),
                    },
                    request = self.requests.recv() => if let Some(end) = self.on_request(request, true) {
                        return Err(end);
                    },
                }
            };
            env.extend(dependency_env(dependency.name(), backend));
        }
        Ok(env)
    }

    /// Waits for readiness; `Some` if the run ended before.
    async fn until_ready(&mut self, attempt: &mut Attempt) -> Option<End> {
        let deadline = Instant::now() + self.spec.startup_timeout;
        let mut last_probe = String::from("no probe finished yet");
        let listener = attempt.process.listener_check();
        let mut ready = Box::pin(attempt.target.until_ready(
            &attempt.output_seen,
            &mut last_probe,
            &listener,
        ));
        let mut timed_out = false;
        let end = loop {
            tokio::select! {
                biased;
                request = self.requests.recv() => if let Some(end) = self.on_request(request, true) {
                    break Some(end);
                },
                status = attempt.process.wait() => break Some(exited(status, false)),
                probed = &mut ready => break probed.err().map(|stranger| {
                    End::Unrequested(UnrequestedEnd::PortTaken(stranger))
                }),
                _ = sleep_until(deadline) => {
                    timed_out = true;
                    break None;
                }
            }
        };
        // The probe loop holds `last_probe` until it is dropped; then the timeout can quote it.
        drop(ready);
        if timed_out {
            return Some(End::Unrequested(UnrequestedEnd::StartTimeout {
                limit: self.spec.startup_timeout,
                last_probe,
            }));
        }
        end
    }

    /// Watches a ready sidecar until its run ends.
    async fn while_ready(&mut self, attempt: &mut Attempt) -> End {
        let interval = self.spec.health.interval;
        let stable_at = Instant::now() + self.spec.restart.reset_after;
        let mut stable_noted = false;
        let mut next_probe = Instant::now() + interval;
        let mut streak = FailureStreak::new(self.spec.health.failure_threshold);
        loop {
            let probe = async {
                sleep_until(next_probe).await;
                attempt.target.probe_once().await
            };
            tokio::select! {
                biased;
                request = self.requests.recv() => if let Some(end) = self.on_request(request, true) {
                    return end;
                },
                status = attempt.process.wait() => return exited(status, true),
                _ = sleep_until(stable_at), if !stable_noted => {
                    self.planner.note_stable();
                    stable_noted = true;
                }
                result = probe => {
                    next_probe = Instant::now() + interval;
                    match streak.record(result.clone()) {
                        Liveness::Healthy => {}
                        Liveness::Failing { count, threshold } => report::lifecycle(
                            Level::Warn,
                            &self.spec.name,
                            format_args!(
                                "health check {count}/{threshold} failed: {}",
                                result.err().unwrap_or_default()
                            ),
                        ),
                        Liveness::Unhealthy(reason) => {
                            return End::Unrequested(UnrequestedEnd::Unhealthy { reason });
                        }
                    }
                }
            }
        }
    }

    /// Tears the run down (if there is one), then carries out what follows `end`.
    async fn conclude(&mut self, end: End, attempt: Option<Attempt>) -> Next {
        if matches!(end, End::Stop(_)) {
            self.stop_dependents().await;
        }
        let mode = match &end {
            End::Unrequested(UnrequestedEnd::Exited { .. }) => Teardown::AlreadyExited,
            _ => Teardown::Stop,
        };
        // A reload is announced before the teardown, which then does not say `stopping`:
        // nobody asked for a stop.
        let reload = matches!(end, End::Reload(_));
        if let End::Reload(reason) = &end {
            report::lifecycle(
                Level::Info,
                &self.spec.name,
                format_args!("{reason}; restarting"),
            );
            self.status.reloading(reason.clone());
        }
        let outcome = self.tear_down(attempt, mode, !reload).await;
        if matches!(end, End::Stop(_) | End::HandlesGone) {
            self.socket = None; // the port is free again
        }
        match end {
            End::Stop(reply) => {
                self.status.stopped();
                let _ = reply.send(outcome);
                Next::Idle
            }
            End::Restart(ack) => {
                self.planner.reset();
                self.status.requested_start();
                Next::Run(Some(ack))
            }
            End::Reload(_) => {
                self.planner.reset();
                self.keep = self.shared.backend();
                Next::Run(None)
            }
            End::HandlesGone => {
                self.status.stopped();
                Next::Exit
            }
            End::DependencyFailed(reason) => {
                report::lifecycle(
                    Level::Error,
                    &self.spec.name,
                    format_args!("failed: {reason}"),
                );
                self.status.failed(reason);
                Next::Idle
            }
            End::Unrequested(how) => {
                let stderr = self.shared.stderr_tail(STDERR_LINES_IN_ERRORS);
                let (ending, reason) = explain(&how, &stderr, self.socket.is_some());
                self.after_failure(ending, reason)
            }
        }
    }

    /// Ends the run's process group as `mode` says: every way out publishes `stopping` when it
    /// stops something (unless not to `announce` it: a reload said `restarting` already), logs
    /// how it ended, and drains the output.
    async fn tear_down(
        &mut self,
        attempt: Option<Attempt>,
        mode: Teardown,
        announce: bool,
    ) -> StopOutcome {
        let Some(attempt) = attempt else {
            return StopOutcome::NotRunning;
        };
        if mode == Teardown::Stop && announce {
            self.status.stopping();
        }
        let (outcome, status) = attempt.end(mode, self.spec.shutdown_timeout).await;
        let how = match outcome {
            StopOutcome::Graceful => "exited after SIGTERM",
            StopOutcome::Killed => "killed after the shutdown timeout",
            StopOutcome::NotRunning => "had already exited",
            StopOutcome::Unkillable => "still there after SIGKILL",
        };
        let status = status.map_or_else(|| "status unknown".into(), |s| s.to_string());
        report::lifecycle(
            Level::Info,
            &self.spec.name,
            format_args!("stopped ({how}, {status})"),
        );
        outcome
    }

    /// Asks every sidecar that depends on this one to stop, and waits until they have.
    async fn stop_dependents(&self) {
        let replies: Vec<_> = self
            .shared
            .dependents()
            .into_iter()
            .filter_map(|requests| {
                let (reply, stopped) = tokio::sync::oneshot::channel();
                requests.send(Request::Stop(reply)).ok().map(|()| stopped)
            })
            .collect();
        for stopped in replies {
            let _ = stopped.await;
        }
    }

    /// Restarts, stops or fails the sidecar as the restart policy decides.
    fn after_failure(&mut self, ending: Ending, reason: String) -> Next {
        let name = &self.spec.name;
        let now = std::time::Instant::now();
        match self.planner.decide(ending, &reason, now, rand::random()) {
            Decision::Restart(delay) => {
                report::lifecycle(
                    Level::Warn,
                    name,
                    format_args!("{reason}; restarting in {} ms", delay.as_millis()),
                );
                self.status.restarting(reason);
                Next::Backoff(delay)
            }
            Decision::Stop => {
                report::lifecycle(
                    Level::Info,
                    name,
                    format_args!("{reason}; not restarting (policy)"),
                );
                self.status.stopped();
                Next::Idle
            }
            Decision::Fail(why) => {
                report::lifecycle(Level::Error, name, format_args!("failed: {why}"));
                self.status.failed(why);
                Next::Idle
            }
        }
    }
}

/// The run's end when the main process exited with `status`.
fn exited(status: std::io::Result<ExitStatus>, was_ready: bool) -> End {
    End::Unrequested(UnrequestedEnd::Exited {
        exit: exit_of(status),
        was_ready,
    })
}

/// Why a dependency will not become ready, naming it.
fn dependency_failure(name: &str, error: SupervisorError) -> String {
    match error {
        SupervisorError::Failed { reason, .. } => format!("dependency `{name}` failed: {reason}"),
        SupervisorError::Stopped(_) => {
            format!("dependency `{name}` was stopped before it became ready")
        }
        other => format!("dependency `{name}`: {other}"),
    }
}
