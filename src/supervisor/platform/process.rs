//! A sidecar's process tree: spawned so that the whole tree can be signalled (Unix: a process
//! group; Windows: a job object), its main process's exit awaited (never polled), and stopped by
//! closing its lifeline, asking the tree to stop, a timeout, then killing it. How each OS does
//! each step is in `process/<os>.rs`; this file is the order of the steps.
//!
//! The lifeline is the sidecar's standard input: a pipe whose write end the supervisor holds for
//! the sidecar's life. End of file on it means "stop now, gracefully": the supervisor closes it
//! first when it stops the sidecar, and the OS closes it when the app dies, however it dies.

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use process_wrap::tokio::{ChildWrapper, CommandWrap, KillOnDrop};
use tokio::process::{ChildStderr, ChildStdin, ChildStdout};

use super::held_socket::PassedSocket;
use super::keeper_thread::run_on_keeper;
use crate::supervisor::status::StopOutcome;

#[cfg(unix)]
#[path = "process/unix.rs"]
mod os;
#[cfg(windows)]
#[path = "process/windows.rs"]
mod os;

/// How long a stop waits for the main process to be gone after the kill. It normally takes
/// microseconds; a process stuck in the kernel may never go, and must not hang the stop.
pub const KILL_GRACE: Duration = Duration::from_secs(5);

/// The signal that ended a process (Unix); `None` for an exit with a status, and on Windows.
pub fn signal_of(status: &ExitStatus) -> Option<i32> {
    os::signal_of(status)
}

pub use os::ListenerCheck;

/// Who holds the socket that listens on a sidecar's port. Only Linux tells (elsewhere every
/// answer is `Unknown`, and the other variants are never made).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub enum ListenerHolder {
    /// A process of the sidecar's tree.
    Sidecar,
    /// Another process, of user `uid`: it took the port before the sidecar.
    Stranger {
        /// Its owner.
        uid: u32,
    },
    /// The OS does not tell.
    Unknown,
}

/// What to execute. `Debug` shows the names of the environment variables, not their values,
/// one of which may be a token.
pub struct LaunchPlan {
    /// Program path or name on `PATH`.
    pub program: PathBuf,
    /// Arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, OsString)>,
    /// Working directory.
    pub cwd: Option<PathBuf>,
    /// A listening socket to pass (Unix: as descriptor 3; elsewhere refused).
    pub socket: Option<PassedSocket>,
}

impl std::fmt::Debug for LaunchPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env: Vec<&str> = self.env.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("LaunchPlan")
            .field("program", &self.program)
            .field("args", &self.args)
            .field("env", &env)
            .field("cwd", &self.cwd)
            .field("socket", &self.socket)
            .finish()
    }
}

/// A running (or exited, not yet cleaned up) sidecar process tree.
#[derive(Debug)]
pub struct SidecarProcess {
    child: Box<dyn ChildWrapper>,
    pid: u32,
    exit: Option<ExitStatus>,
    /// Whether the whole tree was killed (then its group id may be reused and must not be
    /// signalled).
    tree_killed: bool,
    /// The write end of the sidecar's standard input, held open until the sidecar is stopped.
    lifeline: Option<ChildStdin>,
    /// What the OS needs beside the child to reach the whole tree.
    tree: os::Tree,
}

/// The output pipes of a freshly spawned sidecar; they must be drained.
#[derive(Debug)]
pub struct OutputPipes {
    /// Standard output.
    pub stdout: ChildStdout,
    /// Standard error.
    pub stderr: ChildStderr,
}

impl SidecarProcess {
    /// Spawns `plan` as a new process tree from the long-lived spawner thread.
    pub async fn launch(plan: LaunchPlan) -> io::Result<(Self, OutputPipes)> {
        run_on_keeper(move || Self::launch_here(plan)).await?
    }

    fn launch_here(plan: LaunchPlan) -> io::Result<(Self, OutputPipes)> {
        let (plan, tree) = os::Tree::prepare(plan)?;
        let mut command = CommandWrap::with_new(&plan.program, |c| {
            c.args(&plan.args)
                .envs(plan.env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            if let Some(cwd) = &plan.cwd {
                c.current_dir(cwd);
            }
        });
        command.wrap(KillOnDrop);
        tree.wrap(&mut command, &plan);
        let mut child = command.spawn()?;
        let pid = child
            .id()
            .ok_or_else(|| io::Error::other("the child has no process id"))?;
        let lifeline = child.stdin().take();
        let pipes = OutputPipes {
            stdout: child
                .stdout()
                .take()
                .ok_or_else(|| io::Error::other("stdout was not piped"))?,
            stderr: child
                .stderr()
                .take()
                .ok_or_else(|| io::Error::other("stderr was not piped"))?,
        };
        Ok((
            Self {
                child,
                pid,
                exit: None,
                tree_killed: false,
                lifeline,
                tree,
            },
            pipes,
        ))
    }

    /// What tells whether a listening socket is this tree's.
    pub fn listener_check(&self) -> ListenerCheck {
        self.tree.listener_check(self.pid)
    }

    /// Process id of the direct child (on Unix also the process group id).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Waits until the direct child exits, whatever else of its tree still runs. Cancel-safe;
    /// returns the cached status once it has.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.exit {
            return Ok(status);
        }
        // The main process only: the waits of the tree wrappers would also wait for the rest of
        // the tree (the group's watchdog lives until the group is killed; a job is waited for
        // until it is empty), and a crash must be seen at once.
        // SAFETY: the only state the wrappers keep about the raw child is its cached exit
        // status, used by their own `wait`/`try_wait`, which are never called.
        let leader = unsafe { self.child.try_inner_child_mut() }
            .ok_or_else(|| io::Error::other("no native child"))?;
        let status = leader.wait().await?;
        self.exit = Some(status);
        Ok(status)
    }

    /// Kills every process left in the tree. The tree is never signalled again afterwards.
    pub fn kill_tree(&mut self) {
        if self.tree_killed {
            return;
        }
        self.tree.kill(self.child.as_mut(), self.pid);
        self.tree_killed = true;
    }

    /// The lifeline closed and the tree asked to stop (Unix: SIGTERM), up to `timeout` for the
    /// whole tree to exit (as systemd waits for a unit's cgroup; on macOS and Windows, for the
    /// main process only), then the kill of whatever is left.
    pub async fn stop(&mut self, timeout: Duration) -> (StopOutcome, Option<ExitStatus>) {
        if self.exit.is_some() {
            self.kill_tree();
            return (StopOutcome::NotRunning, self.exit);
        }
        self.lifeline = None;
        let rest = self.tree.terminate(self.child.as_mut(), self.pid);
        let deadline = tokio::time::Instant::now() + timeout;
        let leader_exited = tokio::time::timeout_at(deadline, self.wait()).await.is_ok();
        let exited = leader_exited && rest.exited_by(deadline).await;
        let outcome = if exited {
            StopOutcome::Graceful
        } else {
            StopOutcome::Killed
        };
        self.kill_tree();
        match tokio::time::timeout(KILL_GRACE, self.wait()).await {
            Ok(status) => (outcome, status.ok()),
            Err(_) => {
                log::error!(
                    "process {} did not exit within {} ms of its kill; leaving it behind",
                    self.pid,
                    KILL_GRACE.as_millis()
                );
                (StopOutcome::Unkillable, None)
            }
        }
    }
}

impl Drop for SidecarProcess {
    /// Dropped without a stop (its runtime shut down, its task was dropped): kill the whole
    /// tree, not only the main process as Tokio's kill-on-drop would.
    fn drop(&mut self) {
        self.kill_tree();
    }
}
