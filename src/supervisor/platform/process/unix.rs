//! Unix: the sidecar leads a process group of its own, which SIGTERM and SIGKILL reach as a
//! whole. Every process it starts carries a run tag in its environment, so that one which leaves
//! the group is still found (`descendants`). A watchdog in the group ends the tree when the app
//! dies, and no descriptor of the app but standard I/O (and a passed socket) reaches the child.

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use nix::sys::signal::Signal;
use process_wrap::tokio::{ChildWrapper, CommandWrap, ProcessGroup};

use super::LaunchPlan;
use crate::supervisor::platform::descendants::{self, Descendants};
use crate::supervisor::platform::only_stdio::OnlyStdio;
use crate::supervisor::platform::socket_activation::{self, PassAsFd3};
use crate::supervisor::platform::token::fresh_tag;
use crate::supervisor::platform::watchdog::InGroupWatchdog;

/// The environment variable that carries a start's run tag to every process of its tree.
pub const RUN_TAG_VARIABLE: &str = "TAURI_SIDECAR_RUN";

/// The signal that ended the process, if one did.
pub fn signal_of(status: &ExitStatus) -> Option<i32> {
    status.signal()
}

/// The run's tag and watchdog.
#[derive(Debug)]
pub struct Tree {
    /// `TAURI_SIDECAR_RUN=<random>`, as it appears in the environment of the run's processes.
    tag: String,
    watchdog: InGroupWatchdog,
}

/// What a stop waits for besides the main process: the rest of the group, and the escaped.
pub use crate::supervisor::platform::descendants::Descendants as Rest;
pub use crate::supervisor::platform::descendants::ListenerCheck;

impl Tree {
    /// Tags `plan`'s environment with a fresh run tag, and with a socket to pass, runs it behind
    /// the `LISTEN_PID` trampoline with `LISTEN_FDS` and `LISTEN_FDNAMES` set.
    pub fn prepare(mut plan: LaunchPlan) -> io::Result<(LaunchPlan, Self)> {
        let tag_value = fresh_tag();
        plan.env
            .push((RUN_TAG_VARIABLE.into(), tag_value.clone().into()));
        if let Some(socket) = &plan.socket {
            let program = plan.program.to_string_lossy().into_owned();
            let (program, args) =
                socket_activation::behind_trampoline(&program, std::mem::take(&mut plan.args));
            plan.program = program.into();
            plan.args = args;
            let listen = socket_activation::environment(&socket.name);
            plan.env
                .extend(listen.into_iter().map(|(k, v)| (k, v.into())));
        }
        let tag = format!("{RUN_TAG_VARIABLE}={tag_value}");
        let watchdog = InGroupWatchdog::for_run(&tag);
        Ok((plan, Self { tag, watchdog }))
    }

    /// A new process group, led by the child; only standard I/O and the passed socket inherited;
    /// the watchdog started in the group; and what the OS adds (Linux: the parent-death signal).
    pub fn wrap(&self, command: &mut CommandWrap, plan: &LaunchPlan) {
        command.wrap(ProcessGroup::leader());
        command.wrap(OnlyStdio);
        if let Some(socket) = &plan.socket {
            command.wrap(PassAsFd3(socket.listener.as_raw_fd()));
        }
        descendants::wrap(command);
        command.wrap(self.watchdog.clone());
    }

    /// SIGTERM to the group and to the processes that left it; returns what the stop waits for.
    /// They are found before the signal: a stop waits for what ran when it began.
    pub fn terminate(&self, child: &mut dyn ChildWrapper, pid: u32) -> Rest {
        let watchdog = self.watchdog.pid();
        let known: Vec<u32> = [Some(pid), watchdog].into_iter().flatten().collect();
        let rest = Descendants::capture(pid, &self.tag, &known);
        if let Err(e) = child.signal(Signal::SIGTERM as i32) {
            log::debug!("terminate process group {pid}: {e}");
        }
        rest.signal_escaped(Signal::SIGTERM);
        rest
    }

    /// What tells whether a listening socket is the run's (group `pid`, this tag).
    pub fn listener_check(&self, pid: u32) -> ListenerCheck {
        ListenerCheck::new(pid, &self.tag)
    }

    /// SIGKILL to the group (the watchdog included), then to every process that left it.
    pub fn kill(&mut self, child: &mut dyn ChildWrapper, pid: u32) {
        if let Err(e) = child.start_kill() {
            // ESRCH: nothing left in the group.
            log::trace!("kill process group {pid}: {e}");
        }
        descendants::kill_escaped(pid, &self.tag);
        drop(self.watchdog.take());
    }
}
