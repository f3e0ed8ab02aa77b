//! One start of a sidecar: its port and token, the process group, the tasks draining its output,
//! and the teardown that ends it.

use std::ffi::OsString;
use std::io;
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncRead;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::probing::ProbeTarget;
use super::shared::Shared;
use super::transitions::url;
use crate::supervisor::contract;
use crate::supervisor::platform::held_socket::HeldSocket;
use crate::supervisor::platform::output::drain_lines;
use crate::supervisor::platform::port;
use crate::supervisor::platform::process::{signal_of, LaunchPlan, OutputPipes, SidecarProcess};
use crate::supervisor::policy::restart::Ending;
use crate::supervisor::policy::run_end::{spawn_failure, Exit};
use crate::supervisor::spec::SidecarSpec;
use crate::supervisor::status::{Backend, LogLine, StopOutcome, Stream};

/// How long a teardown waits for the output pipes to reach their end, so that error messages can
/// quote the last lines. Bounded: a daemonised grandchild may hold the pipes open.
const OUTPUT_GRACE: Duration = Duration::from_millis(250);

/// Set for every sidecar unless its spec sets them: Python's output then arrives line by line as
/// it is written (not in 8 KiB blocks, which also delays the readiness probe that output
/// triggers), and non-ASCII output cannot crash it on a Windows code page.
const PYTHON_DEFAULTS: [(&str, &str); 2] = [("PYTHONUNBUFFERED", "1"), ("PYTHONUTF8", "1")];

/// Why the port `fixed` (a free one when `None`) cannot be had.
pub fn port_unavailable(fixed: Option<u16>, error: io::Error) -> String {
    match fixed {
        Some(port) => format!("port {port} on 127.0.0.1 is not available: {error}"),
        None => format!("cannot find a free port on 127.0.0.1: {error}"),
    }
}

/// The sidecar's environment: the Python defaults its spec does not override, its own `env`,
/// `extra_env` (where its dependencies are), the port and the token.
fn environment(
    spec: &SidecarSpec,
    extra_env: Vec<(String, OsString)>,
    port: u16,
    token: Option<&str>,
) -> Vec<(String, OsString)> {
    let mut env: Vec<(String, OsString)> = PYTHON_DEFAULTS
        .iter()
        .filter(|(name, _)| !spec.env.contains_key(*name))
        .map(|(name, value)| ((*name).to_owned(), OsString::from(value)))
        .collect();
    env.extend(spec.env.iter().map(|(k, v)| (k.clone(), OsString::from(v))));
    env.extend(extra_env);
    env.push((spec.port_env.clone(), port.to_string().into()));
    env.push((contract::VARIABLE.into(), contract::describe(spec).into()));
    if let (Some(var), Some(token)) = (&spec.token_env, token) {
        env.push((var.clone(), token.into()));
    }
    env
}

/// The secrets of the sidecar's environment, to be removed from its output: its own token, and
/// the tokens of its dependencies (`extra_env`), which a dependent may print as well.
fn secrets_of(
    spec: &SidecarSpec,
    extra_env: &[(String, OsString)],
    token: Option<&str>,
) -> Vec<String> {
    let dependency_tokens: Vec<String> = spec
        .depends_on
        .iter()
        .map(|name| contract::dependency_variables(name).1)
        .collect();
    let theirs = extra_env
        .iter()
        .filter(|(name, _)| dependency_tokens.contains(name))
        .map(|(_, value)| value.to_string_lossy().into_owned());
    token.map(str::to_owned).into_iter().chain(theirs).collect()
}

/// Starts draining stdout and stderr into `shared`, with `secrets` redacted; the `Notify` is
/// told of every line.
fn drain_output(
    shared: &Arc<Shared>,
    pipes: OutputPipes,
    secrets: Vec<String>,
) -> (Arc<Notify>, Vec<JoinHandle<()>>) {
    let output_seen = Arc::new(Notify::new());
    let pipes: [(Stream, Box<dyn AsyncRead + Unpin + Send>); 2] = [
        (Stream::Stdout, Box::new(pipes.stdout)),
        (Stream::Stderr, Box::new(pipes.stderr)),
    ];
    let drains = pipes
        .into_iter()
        .map(|(stream, pipe)| {
            let (shared, seen) = (shared.clone(), output_seen.clone());
            tokio::spawn(drain_lines(pipe, secrets.clone(), move |line| {
                shared.record_line(LogLine {
                    name: shared.name.clone(),
                    stream,
                    line,
                });
                seen.notify_one();
            }))
        })
        .collect();
    (output_seen, drains)
}

/// How a run's process group is ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Teardown {
    /// The main process has exited on its own: kill what it left in its group.
    AlreadyExited,
    /// SIGTERM to the group, up to the shutdown timeout, then SIGKILL.
    Stop,
}

/// A spawned sidecar and what belongs to it.
#[derive(Debug)]
pub struct Attempt {
    pub process: SidecarProcess,
    pub target: ProbeTarget,
    /// Notified for every output line (a server that logs "listening" is probed at once).
    pub output_seen: Arc<Notify>,
    drains: Vec<JoinHandle<()>>,
}

impl Attempt {
    /// Chooses the port (the held socket's, if any; else the fixed one; else `preferred` if it
    /// is free, else a free one), spawns the child with it, `token` and `extra_env` in its
    /// environment, and starts draining its output. `Err` is a reason for the status.
    pub async fn launch(
        spec: &SidecarSpec,
        shared: &Arc<Shared>,
        extra_env: Vec<(String, OsString)>,
        socket: Option<&HeldSocket>,
        preferred: Option<u16>,
        token: Option<String>,
    ) -> Result<Self, (Ending, String)> {
        let port = match socket {
            Some(socket) => socket.port(),
            None => match (spec.port, preferred) {
                (Some(fixed), _) => port::ensure_available(fixed).map(|()| fixed),
                (None, Some(port)) if port::ensure_available(port).is_ok() => Ok(port),
                (None, _) => port::free_port(),
            }
            .map_err(|e| (Ending::Failure, port_unavailable(spec.port, e)))?,
        };
        let passed = socket
            .map(|s| s.to_pass(&spec.name))
            .transpose()
            .map_err(|e| {
                (
                    Ending::Failure,
                    format!("cannot pass the listening socket: {e}"),
                )
            })?;
        let secrets = secrets_of(spec, &extra_env, token.as_deref());
        let plan = LaunchPlan {
            program: spec.program.clone(),
            args: spec.args.clone(),
            env: environment(spec, extra_env, port, token.as_deref()),
            cwd: spec.cwd.clone(),
            socket: passed,
        };
        let (process, pipes) = SidecarProcess::launch(plan).await.map_err(|e| {
            let cwd = spec
                .cwd
                .as_ref()
                .map(|c| format!(" in {}", c.display()))
                .unwrap_or_default();
            let reason = format!("cannot run `{}`{cwd}: {e}", spec.program.display());
            (spawn_failure(&e), reason)
        })?;
        shared.begin_run();
        let (output_seen, drains) = drain_output(shared, pipes, secrets);
        shared.set_backend(Some(Backend {
            url: url(port),
            port,
            token: token.clone(),
        }));
        let target = ProbeTarget {
            port,
            token,
            health: spec.health.clone(),
            socket_passed: socket.is_some(),
        };
        Ok(Self {
            process,
            target,
            output_seen,
            drains,
        })
    }

    /// Ends the process group as `mode` says, then lets the output tasks read what the group
    /// wrote before it ended.
    pub async fn end(
        mut self,
        mode: Teardown,
        shutdown_timeout: Duration,
    ) -> (StopOutcome, Option<ExitStatus>) {
        let ended = match mode {
            Teardown::AlreadyExited => {
                self.process.kill_tree();
                (StopOutcome::NotRunning, self.process.wait().await.ok())
            }
            Teardown::Stop => self.process.stop(shutdown_timeout).await,
        };
        let drains = async {
            for drain in &mut self.drains {
                let _ = drain.await;
            }
        };
        let _ = tokio::time::timeout(OUTPUT_GRACE, drains).await;
        ended
    }
}

/// How the main process ended, in the policy's terms.
pub fn exit_of(status: io::Result<ExitStatus>) -> Exit {
    match status {
        Err(e) => Exit::Unknown(e.to_string()),
        Ok(s) => match (s.code(), signal_of(&s)) {
            (Some(code), _) => Exit::Code(code),
            (None, Some(signal)) => Exit::Signal(signal),
            (None, None) => Exit::Other(s.to_string()),
        },
    }
}

/// `SIDECAR_<NAME>_URL` and, with a token, `SIDECAR_<NAME>_TOKEN` for a dependent.
pub fn dependency_env(name: &str, backend: Backend) -> Vec<(String, OsString)> {
    let (url_env, token_env) = contract::dependency_variables(name);
    let mut env = vec![(url_env, backend.url.into())];
    if let Some(token) = backend.token {
        env.push((token_env, token.into()));
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_variables_are_named_after_the_dependency() {
        let backend = Backend {
            url: "http://127.0.0.1:4000".into(),
            port: 4000,
            token: Some("t".into()),
        };
        let env = dependency_env("db-main.v2", backend);
        assert_eq!(
            env,
            [
                (
                    "SIDECAR_DB_MAIN_V2_URL".to_owned(),
                    OsString::from("http://127.0.0.1:4000")
                ),
                ("SIDECAR_DB_MAIN_V2_TOKEN".to_owned(), OsString::from("t")),
            ]
        );
    }
}
