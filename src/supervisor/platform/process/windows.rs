//! Windows: the sidecar runs in a job object that holds every process it starts (unless one
//! breaks away), is terminated as a whole, and is killed by the OS when the app's last handle to
//! it closes, however the app ends (`JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`). There is no SIGTERM:
//! the closed lifeline is the only request to stop. No console window opens per sidecar.

use std::io;
use std::process::ExitStatus;

use process_wrap::tokio::{ChildWrapper, CommandWrap, CreationFlags, JobObject};
use tokio::time::Instant;
use windows::Win32::System::Threading::CREATE_NO_WINDOW;

use super::{LaunchPlan, ListenerHolder};

/// No signal ends a process on Windows: an exit has a status.
pub fn signal_of(_status: &ExitStatus) -> Option<i32> {
    None
}

/// Cannot tell who holds a listening socket here (no look-up is made): the probe goes to
/// whatever listens on the port.
#[derive(Debug, Clone)]
pub struct ListenerCheck;

impl ListenerCheck {
    /// Always [`ListenerHolder::Unknown`].
    pub fn holder(&self, _port: u16) -> ListenerHolder {
        ListenerHolder::Unknown
    }
}

/// Nothing beside the job, which the child wrapper holds.
#[derive(Debug)]
pub struct Tree;

/// What a stop waits for besides the main process: nothing. process-wrap does not expose the
/// job, and its job wait returns at the job's first message, not once the job is empty; what is
/// left when the main process has exited is ended with the job at once.
#[derive(Debug)]
pub struct Rest;

impl Tree {
    /// `plan` as it is; a socket to pass is refused (a configuration error stops it earlier).
    pub fn prepare(plan: LaunchPlan) -> io::Result<(LaunchPlan, Self)> {
        if let Some(socket) = &plan.socket {
            let address = socket.listener.local_addr()?;
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "cannot pass the socket listening on {address} to `{}`: not supported on Windows",
                    socket.name
                ),
            ));
        }
        Ok((plan, Self))
    }

    /// No console window, and the job. The job object creates the process suspended and
    /// resumes it once it is in the job, so that a child it spawns at once is in it too.
    pub fn wrap(&self, command: &mut CommandWrap, _plan: &LaunchPlan) {
        command.wrap(CreationFlags(CREATE_NO_WINDOW));
        command.wrap(JobObject);
    }

    /// See [`ListenerCheck`].
    pub fn listener_check(&self, _pid: u32) -> ListenerCheck {
        ListenerCheck
    }

    /// Nothing to send: the lifeline, already closed, is the request.
    pub fn terminate(&self, _child: &mut dyn ChildWrapper, _pid: u32) -> Rest {
        Rest
    }

    /// Terminates the job: every process in it.
    pub fn kill(&mut self, child: &mut dyn ChildWrapper, pid: u32) {
        if let Err(e) = child.start_kill() {
            log::trace!("terminate the job of process {pid}: {e}");
        }
    }
}

impl Rest {
    /// True at once (see [`Rest`]).
    pub async fn exited_by(&self, _deadline: Instant) -> bool {
        true
    }
}
