//! State shared by a sidecar's supervising task (the only writer) and its handles (readers).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{broadcast, mpsc, oneshot, watch};

use super::log_ring::LogRing;
use crate::supervisor::platform::ledger::Ledger;
use crate::supervisor::report;
use crate::supervisor::status::{Backend, LogLine, State, Status, StopOutcome};

/// How many unread status or log events a slow subscriber may fall behind before it lags.
const EVENT_BUFFER: usize = 1024;

/// Answers a start or restart request once the start is under way.
pub type StartAck = oneshot::Sender<()>;

/// Answers a stop request once the process group is gone.
pub type StopReply = oneshot::Sender<StopOutcome>;

/// A request from a handle to the supervising task.
#[derive(Debug)]
pub enum Request {
    /// Start if not running.
    Start(StartAck),
    /// Stop (if running) and start again.
    Restart(StartAck),
    /// Stop, dependents first.
    Stop(StopReply),
    /// A source file changed (this one, relative to the working directory): restart on the
    /// same port with the same token, or start a `failed` sidecar again.
    Reload(std::path::PathBuf),
}

/// Everything a handle can read about one sidecar.
#[derive(Debug)]
pub struct Shared {
    pub name: String,
    /// `sidecar::<name>`: the `log` target of the child's output, built once.
    log_target: String,
    pub status: watch::Sender<Status>,
    pub events: broadcast::Sender<Status>,
    pub log_events: broadcast::Sender<LogLine>,
    pub logs: Mutex<LogRing>,
    /// Address and token of the current start.
    backend: Mutex<Option<Backend>>,
    /// Start or restart requests sent but not yet taken up by the task.
    pending_starts: AtomicUsize,
    /// The request queues of the sidecars that depend on this one (weak: they hold this one).
    dependents: Mutex<Vec<mpsc::WeakUnboundedSender<Request>>>,
    /// Where its running process is recorded, if anywhere.
    ledger: OnceLock<Arc<Ledger>>,
}

impl Shared {
    pub fn new(name: &str, log_lines: usize) -> Self {
        report::register(name);
        Self {
            name: name.to_owned(),
            log_target: format!("sidecar::{name}"),
            status: watch::Sender::new(Status::stopped(name)),
            events: broadcast::Sender::new(EVENT_BUFFER),
            log_events: broadcast::Sender::new(EVENT_BUFFER),
            logs: Mutex::new(LogRing::new(log_lines)),
            backend: Mutex::new(None),
            pending_starts: AtomicUsize::new(0),
            dependents: Mutex::new(Vec::new()),
            ledger: OnceLock::new(),
        }
    }

    /// Replaces the status; subscribers get an event when anything in it changed. The ledger is
    /// written first, so that whoever sees the status sees the ledger that goes with it.
    pub fn publish(&self, status: Status) {
        if let Some(ledger) = self.ledger.get() {
            let before = self.status.borrow().clone();
            note_in_ledger(ledger, &before, &status);
        }
        let changed = self.status.send_if_modified(|current| {
            let changed = *current != status;
            if changed {
                *current = status.clone();
            }
            changed
        });
        if changed {
            let _ = self.events.send(status);
        }
    }

    /// Records one output line: ring buffer, `log` under `sidecar::<name>` (and the terminal when
    /// asked), and subscribers.
    pub fn record_line(&self, line: LogLine) {
        report::output(&self.log_target, &self.name, &line.line);
        self.logs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line.clone());
        let _ = self.log_events.send(line);
    }

    /// Marks the start of a run's output: error messages quote this run's stderr only.
    pub fn begin_run(&self) {
        self.logs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .begin_run();
    }

    /// The last `n` stderr lines of the current run, for error messages.
    pub fn stderr_tail(&self, n: usize) -> Vec<String> {
        self.logs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .last_stderr(n)
    }

    pub fn set_backend(&self, backend: Option<Backend>) {
        *self.backend.lock().unwrap_or_else(|p| p.into_inner()) = backend;
    }

    pub fn backend(&self) -> Option<Backend> {
        self.backend
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn start_requested(&self) {
        self.pending_starts.fetch_add(1, Ordering::SeqCst);
    }

    /// A start request was taken up (or will never be). Wakes every status watcher even when the
    /// status did not change: a waiter that saw `failed` with a start pending must look again,
    /// and the new start may have failed exactly as the last one did.
    pub fn start_taken_up(&self) {
        self.pending_starts.fetch_sub(1, Ordering::SeqCst);
        self.status.send_modify(|_| {});
    }

    pub fn start_pending(&self) -> bool {
        self.pending_starts.load(Ordering::SeqCst) > 0
    }

    pub fn keep_ledger(&self, ledger: Arc<Ledger>) {
        let _ = self.ledger.set(ledger);
    }

    pub fn add_dependent(&self, requests: mpsc::WeakUnboundedSender<Request>) {
        self.dependents
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(requests);
    }

    /// The request queues of the dependents that are still supervised.
    pub fn dependents(&self) -> Vec<mpsc::UnboundedSender<Request>> {
        self.dependents
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter_map(mpsc::WeakUnboundedSender::upgrade)
            .collect()
    }
}

/// Records a new process, and the same one again once it is ready (a launcher such as `env` or a
/// pyenv shim may still have been replacing itself with the server by exec at spawn, changing the
/// executable); forgets it when it ends.
fn note_in_ledger(ledger: &Ledger, before: &Status, after: &Status) {
    let became_ready = after.state == State::Ready && before.state != State::Ready;
    match after.pid {
        Some(pid) if after.pid != before.pid || became_ready => ledger.record(&after.name, pid),
        None if before.pid.is_some() => ledger.forget(&after.name),
        _ => {}
    }
}
