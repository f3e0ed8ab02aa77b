//! A sidecar's process tree: spawned in its own process group (Windows: a job object), signalled
//! as a group, its exit awaited (never polled), and stopped by closing its lifeline and SIGTERM,
//! a timeout, then SIGKILL.
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

use super::keeper_thread::run_on_keeper;
use crate::supervisor::status::StopOutcome;

/// How long a stop waits for the main process to be gone after SIGKILL. It normally takes
/// microseconds; a process stuck in the kernel may never go, and must not hang the stop.
pub const KILL_GRACE: Duration = Duration::from_secs(5);

/// What to execute. `Debug` shows the names of the environment variables, not their values,
/// one of which may be a token.
#[derive(Clone)]
pub struct LaunchPlan {
    /// Program path or name on `PATH`.
    pub program: PathBuf,
    /// Arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, OsString)>,
    /// Working directory.
    pub cwd: Option<PathBuf>,
    /// A listening socket to pass as descriptor 3, with the sidecar's name for `LISTEN_FDNAMES`.
    #[cfg(unix)]
    pub socket: Option<(std::os::fd::RawFd, String)>,
}

#[cfg(unix)]
impl LaunchPlan {
    /// With a socket to pass: the program runs behind the `LISTEN_PID` trampoline, with
    /// `LISTEN_FDS` and `LISTEN_FDNAMES` in its environment.
    fn with_socket_activation(mut self) -> Self {
        let Some((_, name)) = &self.socket else {
            return self;
        };
        use super::held_socket::TRAMPOLINE;
        let mut args = vec!["-c".to_owned(), TRAMPOLINE.to_owned()];
        args.push(self.program.to_string_lossy().into_owned());
        args.append(&mut self.args);
        self.env.push(("LISTEN_FDS".into(), "1".into()));
        self.env.push(("LISTEN_FDNAMES".into(), name.into()));
        self.program = "/bin/sh".into();
        self.args = args;
        self
    }
}

impl std::fmt::Debug for LaunchPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env: Vec<&str> = self.env.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("LaunchPlan")
            .field("program", &self.program)
            .field("args", &self.args)
            .field("env", &env)
            .field("cwd", &self.cwd)
            .finish()
    }
}

/// A running (or exited, not yet cleaned up) sidecar process group.
#[derive(Debug)]
pub struct SidecarProcess {
    child: Box<dyn ChildWrapper>,
    pid: u32,
    exit: Option<ExitStatus>,
    /// Whether the whole group was killed (then its id may be reused and must not be signalled).
    group_killed: bool,
    /// The write end of the sidecar's standard input, held open until the sidecar is stopped.
    lifeline: Option<ChildStdin>,
    /// Held for its life (dropping it kills it); Linux also reads its pid for the group wait.
    #[cfg(unix)]
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    watchdog: Option<super::watchdog::Watchdog>,
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
    /// Spawns `plan` in a new process group from the long-lived spawner thread.
    pub async fn launch(plan: LaunchPlan) -> io::Result<(Self, OutputPipes)> {
        run_on_keeper(move || Self::launch_here(plan)).await?
    }

    fn launch_here(plan: LaunchPlan) -> io::Result<(Self, OutputPipes)> {
        #[cfg(unix)]
        let plan = plan.with_socket_activation();
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
        #[cfg(unix)]
        command.wrap(process_wrap::tokio::ProcessGroup::leader());
        #[cfg(unix)]
        command.wrap(super::only_stdio::OnlyStdio);
        #[cfg(unix)]
        if let Some((socket, _)) = &plan.socket {
            command.wrap(super::held_socket::PassAsFd3(*socket));
        }
        #[cfg(target_os = "linux")]
        command.wrap(super::parent_death::KillOnParentDeath);
        #[cfg(unix)]
        let watchdog = super::watchdog::InGroupWatchdog::default();
        #[cfg(unix)]
        command.wrap(watchdog.clone());
        #[cfg(windows)]
        {
            use windows::Win32::System::Threading::CREATE_NO_WINDOW;
            // No console window per sidecar. The job object creates the process suspended and
            // resumes it once it is in the job, so that a child it spawns at once is in it too.
            command.wrap(process_wrap::tokio::CreationFlags(CREATE_NO_WINDOW));
            command.wrap(process_wrap::tokio::JobObject);
        }

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
                group_killed: false,
                lifeline,
                #[cfg(unix)]
                watchdog: watchdog.take(),
            },
            pipes,
        ))
    }

    /// Process id of the direct child (on Unix also the process group id).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Waits until the direct child exits. Cancel-safe; returns the cached status once it has.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.exit {
            return Ok(status);
        }
        let status = self.wait_leader().await?;
        self.exit = Some(status);
        Ok(status)
    }

    #[cfg(unix)]
    async fn wait_leader(&mut self) -> io::Result<ExitStatus> {
        // Wait for the leader only: the group wait of `ProcessGroupChild` would also wait for the
        // watchdog, which lives until the group is killed.
        // SAFETY: the only state `ProcessGroupChild` keeps about the raw child is its cached exit
        // status, used by its own `wait`/`try_wait`, which this type never calls.
        let leader = unsafe { self.child.try_inner_child_mut() };
        leader
            .ok_or_else(|| io::Error::other("no native child"))?
            .wait()
            .await
    }

    #[cfg(not(unix))]
    async fn wait_leader(&mut self) -> io::Result<ExitStatus> {
        self.child.wait().await
    }

    /// Asks the whole group to stop: closes the lifeline, then (Unix) sends SIGTERM to the group.
    /// Windows has no SIGTERM: there the lifeline is the only request, and the job is ended
    /// after the timeout.
    pub fn terminate_group(&mut self) {
        self.lifeline = None;
        #[cfg(unix)]
        if let Err(e) = self.child.signal(nix::sys::signal::Signal::SIGTERM as i32) {
            log::debug!("terminate process group {}: {e}", self.pid);
        }
    }

    /// Kills every process left in the group (SIGKILL; Windows: terminates the job). The group
    /// is never signalled again afterwards.
    pub fn kill_group(&mut self) {
        if self.group_killed {
            return;
        }
        if let Err(e) = self.child.start_kill() {
            // ESRCH: nothing left in the group.
            log::trace!("kill process group {}: {e}", self.pid);
        }
        self.group_killed = true;
    }

    /// The lifeline closed and SIGTERM to the group, up to `timeout` for the whole group to exit
    /// (as systemd waits for a unit's cgroup; outside Linux, for the child only), then SIGKILL
    /// to whatever is left.
    pub async fn stop(&mut self, timeout: Duration) -> (StopOutcome, Option<ExitStatus>) {
        if self.exit.is_some() {
            self.kill_group();
            return (StopOutcome::NotRunning, self.exit);
        }
        #[cfg(target_os = "linux")]
        let others = {
            let watchdog = self.watchdog.as_ref().and_then(|w| w.pid());
            let known: Vec<u32> = [Some(self.pid), watchdog].into_iter().flatten().collect();
            super::group_members::OtherMembers::capture(self.pid, &known)
        };
        self.terminate_group();
        let deadline = tokio::time::Instant::now() + timeout;
        let leader_exited = tokio::time::timeout_at(deadline, self.wait()).await.is_ok();
        #[cfg(target_os = "linux")]
        let exited = leader_exited && others.exited_by(deadline).await;
        #[cfg(not(target_os = "linux"))]
        let exited = leader_exited;
        let outcome = if exited {
            StopOutcome::Graceful
        } else {
            StopOutcome::Killed
        };
        self.kill_group();
        match tokio::time::timeout(KILL_GRACE, self.wait()).await {
            Ok(status) => (outcome, status.ok()),
            Err(_) => {
                log::error!(
                    "process {} did not exit within {} ms of SIGKILL; leaving it behind",
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
    /// group, not only the main process as Tokio's kill-on-drop would.
    fn drop(&mut self) {
        self.kill_group();
    }
}
