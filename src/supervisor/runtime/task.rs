//! The supervising task of one sidecar: feeds process exits, probe results, timers and requests
//! into the restart policy and carries out its decisions. It is the only writer of the status.

use std::ffi::OsString;
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio::time::{sleep, sleep_until, Instant};

use super::probing::ProbeTarget;
use super::shared::{Request, Shared};
use crate::supervisor::platform::output::drain_lines;
use crate::supervisor::platform::process::{LaunchPlan, SidecarProcess};
use crate::supervisor::platform::{port, token};
use crate::supervisor::policy::restart::{Decision, Ending, RestartPlanner};
use crate::supervisor::spec::SidecarSpec;
use crate::supervisor::status::{Backend, LogLine, State, Status, StopOutcome, Stream};

/// How many stderr lines an error message quotes.
const STDERR_LINES_IN_ERRORS: usize = 10;

/// How long a failure report waits for the output pipes to reach their end.
const OUTPUT_GRACE: Duration = Duration::from_millis(250);

/// What the task does next.
enum Next {
    /// Wait for a request.
    Idle,
    /// Start now; answer this request once the start is under way.
    Run(Option<oneshot::Sender<()>>),
    /// Wait this long, then start again.
    Backoff(Duration),
    /// Every handle is gone: end the task.
    Exit,
}

/// Why a run ended.
enum RunEnd {
    Requested(Request),
    Exited {
        status: std::io::Result<ExitStatus>,
        was_ready: bool,
    },
    StartTimeout {
        last_probe: String,
    },
    Unhealthy {
        reason: String,
    },
    DependencyFailed {
        reason: String,
    },
    HandlesGone,
}

/// One start of the sidecar.
struct Attempt {
    process: SidecarProcess,
    /// The tasks draining stdout and stderr.
    drains: Vec<tokio::task::JoinHandle<()>>,
    target: ProbeTarget,
    output_seen: Arc<Notify>,
}

/// The supervising task's state.
pub struct Supervision {
    spec: SidecarSpec,
    shared: Arc<Shared>,
    requests: mpsc::UnboundedReceiver<Request>,
    dependencies: Vec<(String, watch::Receiver<Status>)>,
    planner: RestartPlanner,
}

impl Supervision {
    pub fn new(
        spec: SidecarSpec,
        shared: Arc<Shared>,
        requests: mpsc::UnboundedReceiver<Request>,
        dependencies: Vec<(String, watch::Receiver<Status>)>,
    ) -> Self {
        let planner = RestartPlanner::new(spec.restart.clone());
        Self {
            spec,
            shared,
            requests,
            dependencies,
            planner,
        }
    }

    /// Runs until every handle is dropped; then stops the sidecar.
    pub async fn run(mut self) {
        let mut next = Next::Idle;
        loop {
            next = match next {
                Next::Idle => match self.requests.recv().await {
                    None => Next::Exit,
                    Some(request) => self.when_idle(request),
                },
                Next::Run(ack) => self.run_once(ack).await,
                Next::Backoff(delay) => self.backoff(delay).await,
                Next::Exit => return,
            };
        }
    }

    fn when_idle(&mut self, request: Request) -> Next {
        match request {
            Request::Start(ack) | Request::Restart(ack) => self.fresh_start(ack),
            Request::Stop(done) => {
                self.shared.publish(|s| s.state = State::Stopped);
                let _ = done.send(StopOutcome::NotRunning);
                Next::Idle
            }
        }
    }

    /// A requested start begins with a fresh restart budget and count.
    fn fresh_start(&mut self, ack: oneshot::Sender<()>) -> Next {
        self.planner.reset();
        self.shared.publish(|s| s.restarts = 0);
        Next::Run(Some(ack))
    }

    /// Marks a start request as taken up, after the state that answers it was published.
    fn take_up(&self, ack: Option<oneshot::Sender<()>>) {
        if let Some(ack) = ack {
            self.shared.start_taken_up();
            let _ = ack.send(());
        }
    }

    async fn backoff(&mut self, delay: Duration) -> Next {
        tokio::select! {
            _ = sleep(delay) => Next::Run(None),
            request = self.requests.recv() => match request {
                None => Next::Exit,
                Some(request) => self.when_idle(request),
            },
        }
    }

    async fn run_once(&mut self, mut ack: Option<oneshot::Sender<()>>) -> Next {
        if !self.dependencies.is_empty() {
            self.shared.publish(|s| {
                s.state = State::Starting;
                s.pid = None;
            });
            self.take_up(ack.take());
            if let Some(end) = self.wait_for_dependencies().await {
                return self.after(end, None).await;
            }
        }
        let mut attempt = match self.launch().await {
            Ok(attempt) => attempt,
            Err(reason) => {
                self.take_up(ack);
                return self.fail_or_restart(Ending::Failure, reason);
            }
        };
        let pid = attempt.process.pid();
        let port = attempt.target.port;
        self.shared.publish(|s| {
            s.state = State::Starting;
            s.pid = Some(pid);
            s.port = Some(port);
            s.url = Some(url(port));
            s.error = None;
        });
        self.take_up(ack);
        log::info!(
            "sidecar `{}`: started, pid {pid}, port {port}",
            self.spec.name
        );

        let end = match self.until_ready(&mut attempt).await {
            Some(end) => end,
            None => {
                self.shared.publish(|s| s.state = State::Ready);
                log::info!("sidecar `{}`: ready at {}", self.spec.name, url(port));
                self.while_ready(&mut attempt).await
            }
        };
        self.after(end, Some(attempt)).await
    }

    /// Chooses the port and token, spawns the child and starts draining its output.
    async fn launch(&mut self) -> Result<Attempt, String> {
        let name = &self.spec.name;
        let port = match self.spec.port {
            Some(fixed) => port::ensure_available(fixed)
                .map(|()| fixed)
                .map_err(|e| format!("port {fixed} on 127.0.0.1 is not available: {e}"))?,
            None => port::free_port()
                .map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))?,
        };
        let token = self.spec.token_env.as_ref().map(|_| token::fresh_token());
        let mut env: Vec<(String, OsString)> = self
            .spec
            .env
            .iter()
            .map(|(k, v)| (k.clone(), OsString::from(v)))
            .collect();
        env.push((self.spec.port_env.clone(), port.to_string().into()));
        if let (Some(var), Some(token)) = (&self.spec.token_env, &token) {
            env.push((var.clone(), token.into()));
        }
        let plan = LaunchPlan {
            program: self.spec.program.clone(),
            args: self.spec.args.clone(),
            env,
            cwd: self.spec.cwd.clone(),
        };
        let (process, pipes) = SidecarProcess::launch(plan).await.map_err(|e| {
            let cwd = self
                .spec
                .cwd
                .as_ref()
                .map(|c| format!(" in {}", c.display()))
                .unwrap_or_default();
            format!("cannot run `{}`{cwd}: {e}", self.spec.program.display())
        })?;
        let output_seen = Arc::new(Notify::new());
        let mut drains = Vec::new();
        for (stream, pipe) in [
            (
                Stream::Stdout,
                Box::new(pipes.stdout) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
            ),
            (Stream::Stderr, Box::new(pipes.stderr)),
        ] {
            let (shared, seen, name) = (self.shared.clone(), output_seen.clone(), name.clone());
            let secret = token.clone();
            drains.push(tokio::spawn(drain_lines(pipe, move |line| {
                shared.record_line(LogLine {
                    name: name.clone(),
                    stream,
                    line: token::redact(line, secret.as_deref()),
                });
                seen.notify_one();
            })));
        }
        self.shared.set_backend(Some(Backend {
            url: url(port),
            port,
            token: token.clone(),
        }));
        let target = ProbeTarget {
            port,
            token,
            health: self.spec.health.clone(),
        };
        Ok(Attempt {
            process,
            drains,
            target,
            output_seen,
        })
    }

    /// Waits for every dependency to be ready; `Some` if the run must end instead.
    async fn wait_for_dependencies(&mut self) -> Option<RunEnd> {
        for i in 0..self.dependencies.len() {
            loop {
                let (dep, status) = {
                    let (dep, rx) = &mut self.dependencies[i];
                    (dep.clone(), rx.borrow_and_update().clone())
                };
                match status.state {
                    State::Ready => break,
                    State::Failed => {
                        let reason = format!(
                            "dependency `{dep}` failed: {}",
                            status.error.as_deref().unwrap_or("no reason given")
                        );
                        return Some(RunEnd::DependencyFailed { reason });
                    }
                    _ => {}
                }
                let rx = &mut self.dependencies[i].1;
                tokio::select! {
                    changed = rx.changed() => if changed.is_err() {
                        let reason = format!("dependency `{dep}` is no longer supervised");
                        return Some(RunEnd::DependencyFailed { reason });
                    },
                    request = self.requests.recv() => match request {
                        None => return Some(RunEnd::HandlesGone),
                        Some(Request::Start(ack)) => self.take_up(Some(ack)),
                        Some(other) => return Some(RunEnd::Requested(other)),
                    },
                }
            }
        }
        None
    }

    /// Waits for readiness; `Some` if the run ended before.
    async fn until_ready(&mut self, attempt: &mut Attempt) -> Option<RunEnd> {
        let deadline = Instant::now() + self.spec.startup_timeout;
        let mut last_probe = String::from("no probe finished yet");
        let mut ready = Box::pin(
            attempt
                .target
                .until_ready(&attempt.output_seen, &mut last_probe),
        );
        let mut end = loop {
            tokio::select! {
                biased;
                request = self.requests.recv() => match request {
                    None => break Some(RunEnd::HandlesGone),
                    Some(Request::Start(ack)) => self.take_up(Some(ack)),
                    Some(other) => break Some(RunEnd::Requested(other)),
                },
                status = attempt.process.wait() => break Some(RunEnd::Exited { status, was_ready: false }),
                _ = &mut ready => break None,
                _ = sleep_until(deadline) => break Some(RunEnd::StartTimeout { last_probe: String::new() }),
            }
        };
        // The probe loop holds `last_probe` until it is dropped; then the timeout can quote it.
        drop(ready);
        if let Some(RunEnd::StartTimeout { last_probe: quoted }) = &mut end {
            *quoted = last_probe;
        }
        end
    }

    /// Watches a ready sidecar until its run ends.
    async fn while_ready(&mut self, attempt: &mut Attempt) -> RunEnd {
        let health = self.spec.health.clone();
        let stable_at = Instant::now() + self.spec.restart.reset_after;
        let mut stable_noted = false;
        let mut next_probe = Instant::now() + health.interval;
        let mut failures = 0u32;
        loop {
            let probe = async {
                sleep_until(next_probe).await;
                attempt.target.probe_once().await
            };
            tokio::select! {
                biased;
                request = self.requests.recv() => match request {
                    None => return RunEnd::HandlesGone,
                    Some(Request::Start(ack)) => self.take_up(Some(ack)),
                    Some(other) => return RunEnd::Requested(other),
                },
                status = attempt.process.wait() => return RunEnd::Exited { status, was_ready: true },
                _ = sleep_until(stable_at), if !stable_noted => {
                    self.planner.note_stable();
                    stable_noted = true;
                }
                result = probe => {
                    next_probe = Instant::now() + health.interval;
                    match result {
                        Ok(()) => failures = 0,
                        Err(reason) => {
                            failures += 1;
                            log::warn!(
                                "sidecar `{}`: health check {failures}/{} failed: {reason}",
                                self.spec.name, health.failure_threshold
                            );
                            if failures >= health.failure_threshold {
                                let reason = format!("failed {failures} health checks in a row; last: {reason}");
                                return RunEnd::Unhealthy { reason };
                            }
                        }
                    }
                }
            }
        }
    }

    /// Carries out what follows the end of a run.
    async fn after(&mut self, end: RunEnd, attempt: Option<Attempt>) -> Next {
        let (mut process, mut drains) = match attempt {
            Some(a) => (Some(a.process), a.drains),
            None => (None, Vec::new()),
        };
        let shutdown = self.spec.shutdown_timeout;
        match end {
            RunEnd::Requested(Request::Stop(done)) => {
                let outcome = self.stop_process(process.as_mut()).await;
                self.shared.publish(|s| {
                    s.state = State::Stopped;
                    s.pid = None;
                });
                let _ = done.send(outcome);
                Next::Idle
            }
            RunEnd::Requested(Request::Restart(ack)) => {
                self.stop_process(process.as_mut()).await;
                self.fresh_start(ack)
            }
            RunEnd::Requested(Request::Start(_)) => unreachable!("start requests never end a run"),
            RunEnd::HandlesGone => {
                self.stop_process(process.as_mut()).await;
                Next::Exit
            }
            RunEnd::Exited { status, was_ready } => {
                if let Some(p) = process.as_mut() {
                    p.kill_group(); // whatever the child left behind in its group
                }
                self.finish_output(&mut drains).await;
                let described = describe_exit(&status);
                let failure = !was_ready || !status.as_ref().is_ok_and(ExitStatus::success);
                let reason = if was_ready {
                    format!("{described} while ready{}", self.stderr_suffix())
                } else {
                    let hint = if status.as_ref().is_ok_and(ExitStatus::success) {
                        " (a sidecar must keep running in the foreground: one that daemonises \
                         leaves the supervisor's reach)"
                    } else {
                        ""
                    };
                    format!(
                        "{described} before it became ready{hint}{}",
                        self.stderr_suffix()
                    )
                };
                let ending = if failure {
                    Ending::Failure
                } else {
                    Ending::CleanExit
                };
                self.fail_or_restart(ending, reason)
            }
            RunEnd::StartTimeout { last_probe } => {
                if let Some(p) = process.as_mut() {
                    p.stop(shutdown).await;
                }
                self.finish_output(&mut drains).await;
                let reason = format!(
                    "was not ready within {} ms (last probe: {last_probe}){}",
                    self.spec.startup_timeout.as_millis(),
                    self.stderr_suffix()
                );
                self.fail_or_restart(Ending::Failure, reason)
            }
            RunEnd::Unhealthy { reason } => {
                if let Some(p) = process.as_mut() {
                    p.stop(shutdown).await;
                }
                self.fail_or_restart(Ending::Failure, reason)
            }
            RunEnd::DependencyFailed { reason } => {
                self.shared.publish(|s| {
                    s.state = State::Failed;
                    s.error = Some(reason);
                });
                Next::Idle
            }
        }
    }

    async fn stop_process(&mut self, process: Option<&mut SidecarProcess>) -> StopOutcome {
        let Some(process) = process else {
            return StopOutcome::NotRunning;
        };
        self.shared.publish(|s| s.state = State::Stopping);
        let (outcome, status) = process.stop(self.spec.shutdown_timeout).await;
        log::info!(
            "sidecar `{}`: stopped ({}, {})",
            self.spec.name,
            match outcome {
                StopOutcome::Graceful => "exited after SIGTERM",
                StopOutcome::Killed => "killed after the shutdown timeout",
                StopOutcome::NotRunning => "had already exited",
            },
            status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "status unknown".into())
        );
        outcome
    }

    fn fail_or_restart(&mut self, ending: Ending, reason: String) -> Next {
        let name = self.spec.name.clone();
        let decision = self.planner.decide(
            ending,
            &reason,
            std::time::Instant::now(),
            rand::random::<f64>(),
        );
        match decision {
            Decision::Restart(delay) => {
                log::warn!(
                    "sidecar `{name}`: {reason}; restarting in {} ms",
                    delay.as_millis()
                );
                self.shared.publish(|s| {
                    s.state = State::Restarting;
                    s.pid = None;
                    s.restarts += 1;
                    s.error = Some(reason);
                });
                Next::Backoff(delay)
            }
            Decision::Stop => {
                log::info!("sidecar `{name}`: {reason}; not restarting (policy)");
                self.shared.publish(|s| {
                    s.state = State::Stopped;
                    s.pid = None;
                });
                Next::Idle
            }
            Decision::Fail(why) => {
                log::error!("sidecar `{name}`: {why}");
                self.shared.publish(|s| {
                    s.state = State::Failed;
                    s.pid = None;
                    s.error = Some(why);
                });
                Next::Idle
            }
        }
    }

    /// Lets the output tasks read what the group wrote before it ended, so that error messages
    /// quote the last stderr lines. Bounded: a daemonised grandchild may hold the pipes open.
    async fn finish_output(&self, drains: &mut [tokio::task::JoinHandle<()>]) {
        let all = async {
            for drain in drains.iter_mut() {
                let _ = drain.await;
            }
        };
        let _ = tokio::time::timeout(OUTPUT_GRACE, all).await;
    }

    fn stderr_suffix(&self) -> String {
        let tail = self.shared.stderr_tail(STDERR_LINES_IN_ERRORS);
        if tail.is_empty() {
            String::from("; no stderr output")
        } else {
            format!("; last stderr: {}", tail.join(" | "))
        }
    }
}

/// `http://127.0.0.1:<port>`.
pub fn url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

fn describe_exit(status: &std::io::Result<ExitStatus>) -> String {
    match status {
        Err(e) => format!("could not be waited for ({e})"),
        Ok(s) => match s.code() {
            Some(code) => format!("exited with status {code}"),
            None => signal_of(s).map_or_else(
                || format!("ended ({s})"),
                |sig| format!("was killed by signal {sig}"),
            ),
        },
    }
}

#[cfg(unix)]
fn signal_of(status: &ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(status)
}

#[cfg(not(unix))]
fn signal_of(_: &ExitStatus) -> Option<i32> {
    None
}
