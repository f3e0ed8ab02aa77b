//! What to run and how to supervise it: the engine's input model.
//! Durations are `Duration`s and every field has the documented default.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The variable that carries a sidecar's token unless its spec names another.
pub const DEFAULT_TOKEN_ENV: &str = "TAURI_SIDECAR_TOKEN";

/// Everything the engine needs to supervise one sidecar.
#[derive(Debug, Clone)]
pub struct SidecarSpec {
    /// Name used in logs, errors and events (`sidecar::<name>` is the log target).
    pub name: String,
    /// Program to run: a path, or a name looked up on `PATH`.
    pub program: PathBuf,
    /// Arguments passed to the program.
    pub args: Vec<String>,
    /// Extra environment variables (the app's own environment is inherited).
    pub env: BTreeMap<String, String>,
    /// Working directory; `None` keeps the app's.
    pub cwd: Option<PathBuf>,
    /// Fixed port, or `None` to pick a free port on 127.0.0.1 (for every start, or once with
    /// `pass_socket`).
    pub port: Option<u16>,
    /// Unix: the supervisor listens on the port itself and passes the listening socket to every
    /// start as descriptor 3 (`LISTEN_FDS=1`, `LISTEN_PID`, `LISTEN_FDNAMES=<name>`, as systemd
    /// does); the socket, and so the port, stays the same across restarts until a requested stop.
    pub pass_socket: bool,
    /// Environment variable that carries the port to the child.
    pub port_env: String,
    /// Environment variable that carries a fresh bearer token per start, which the probes send
    /// and pages get with the URL; [`DEFAULT_TOKEN_ENV`] unless set. `None` gives no token: only
    /// for a server that cannot check one, which then answers any local process and page.
    pub token_env: Option<String>,
    /// Readiness and liveness probe.
    pub health: HealthSpec,
    /// How long a start may take before it counts as failed.
    pub startup_timeout: Duration,
    /// When and how fast to restart.
    pub restart: RestartSpec,
    /// How long a stop waits after SIGTERM for the process group (Linux: the whole group;
    /// elsewhere: the main process) before it sends SIGKILL to what is left.
    pub shutdown_timeout: Duration,
    /// How many output lines (stdout and stderr together) are kept for `logs`.
    pub log_lines: usize,
    /// Sidecars that must be ready before this one starts (and that stop after it).
    pub depends_on: Vec<String>,
    /// Whether [`Supervisor::start_all`](crate::supervisor::Supervisor::start_all) starts it.
    pub autostart: bool,
    /// Origins the app's pages load from besides the webview's own (the dev server's under
    /// `tauri dev`): told to the sidecar as the contract's `origins`, for its CORS.
    pub page_origins: Vec<String>,
    /// Globs (`**/*.py`), relative to the working directory, of the files whose change restarts
    /// the sidecar on the same port with the same token: the development loop. Empty (the
    /// default) watches nothing. Directories named `__pycache__`, `node_modules`, `target`,
    /// `venv`, `build`, `dist` or starting with `.` are not watched.
    pub watch: Vec<String>,
}

impl SidecarSpec {
    /// A spec with every default, running `program` with `args`.
    pub fn new(name: impl Into<String>, program: impl Into<PathBuf>, args: Vec<String>) -> Self {
        Self {
            name: name.into(),
            program: program.into(),
            args,
            env: BTreeMap::new(),
            cwd: None,
            port: None,
            pass_socket: false,
            port_env: "PORT".into(),
            token_env: Some(DEFAULT_TOKEN_ENV.into()),
            health: HealthSpec::default(),
            startup_timeout: Duration::from_secs(30),
            restart: RestartSpec::default(),
            shutdown_timeout: Duration::from_secs(5),
            log_lines: 200,
            depends_on: Vec::new(),
            autostart: true,
            page_origins: Vec::new(),
            watch: Vec::new(),
        }
    }
}

/// The HTTP health probe: `GET http://127.0.0.1:<port><path>`.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthSpec {
    /// Request path; starts with `/`.
    pub path: String,
    /// Expected value of the `status` field when the body is a JSON object that has one.
    pub expect: String,
    /// Time between probes once the sidecar is ready.
    pub interval: Duration,
    /// Limit for one probe: connect, request and body.
    pub timeout: Duration,
    /// Consecutive failed probes after which a ready sidecar counts as unhealthy.
    pub failure_threshold: u32,
}

impl Default for HealthSpec {
    fn default() -> Self {
        Self {
            path: "/api/health".into(),
            expect: "ok".into(),
            interval: Duration::from_millis(5000),
            timeout: Duration::from_millis(2000),
            failure_threshold: 3,
        }
    }
}

/// When a sidecar that ended on its own is started again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicy {
    /// Never restart: a failure leaves it `failed`, a clean exit `stopped`.
    Never,
    /// Restart after a crash, a failed start or failed health checks; a clean exit (status 0) stops it.
    OnFailure,
    /// Restart after any exit that was not requested.
    Always,
}

/// Restart policy, exponential backoff and the restart budget.
#[derive(Debug, Clone, PartialEq)]
pub struct RestartSpec {
    /// Which endings lead to a restart.
    pub policy: RestartPolicy,
    /// Restarts allowed within `window`; one more puts the sidecar in `failed`.
    pub max_restarts: u32,
    /// Sliding window for `max_restarts`.
    pub window: Duration,
    /// Delay before the first restart; it doubles with each further restart.
    pub initial_delay: Duration,
    /// Upper bound of the delay.
    pub max_delay: Duration,
    /// Time a sidecar must stay ready before the delay starts again from `initial_delay`.
    pub reset_after: Duration,
}

impl Default for RestartSpec {
    fn default() -> Self {
        Self {
            policy: RestartPolicy::OnFailure,
            max_restarts: 5,
            window: Duration::from_millis(60_000),
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(15_000),
            reset_after: Duration::from_millis(30_000),
        }
    }
}
