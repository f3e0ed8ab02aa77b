//! macOS (and the other Unixes but Linux): the processes of one start of a sidecar that left its
//! process group (`setsid`, a daemonising double fork), found by the run tag in their environment
//! as `sysinfo` reads it (`KERN_PROCARGS2`: the same user's processes). Without pidfds their exit
//! is not awaited: what has not exited when the main process has is killed. Without a
//! parent-death signal or `/proc`, the app's watchdog cannot find them when the app dies: they
//! survive a SIGKILL of the app. Compiled for macOS here, never run.

use nix::sys::signal::{kill, Signal};
use nix::unistd::{getpgid, Pid};
use process_wrap::tokio::CommandWrap;
use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};
use tokio::time::Instant;

use super::process::ListenerHolder;

/// How many sweeps a kill makes at most.
const KILL_SWEEPS: usize = 20;

/// The watchdog's sweep when the app has died: nothing here (no `/proc` to search).
pub const WATCHDOG_SWEEP: &str = ":";

/// Nothing to add to a sidecar's spawn: there is no parent-death signal.
pub fn wrap(_command: &mut CommandWrap) {}

/// The processes of a run that left its group, captured once.
#[derive(Debug)]
pub struct Descendants {
    escaped: Vec<Pid>,
}

impl Descendants {
    /// The live processes outside group `pgid` that carry `tag` (a `VARIABLE=value` entry).
    pub fn capture(pgid: u32, tag: &str, _known: &[u32]) -> Self {
        Self {
            escaped: escaped(pgid, tag),
        }
    }

    /// Sends `signal` to them.
    pub fn signal_escaped(&self, signal: Signal) {
        for pid in &self.escaped {
            let _ = kill(*pid, signal);
        }
    }

    /// Not awaited without pidfds: true at once.
    pub async fn exited_by(&self, _deadline: Instant) -> bool {
        true
    }
}

/// Cannot tell who holds a listening socket here (no `sock_diag`): the probe goes to whatever
/// listens on the port.
#[derive(Debug, Clone)]
pub struct ListenerCheck;

impl ListenerCheck {
    /// For the run of group `pgid`, tagged `tag`.
    pub fn new(_pgid: u32, _tag: &str) -> Self {
        Self
    }

    /// Always [`ListenerHolder::Unknown`].
    pub fn holder(&self, _port: u16) -> ListenerHolder {
        ListenerHolder::Unknown
    }
}

/// SIGKILL to every process outside group `pgid` that carries `tag`, sweep after sweep.
pub fn kill_escaped(pgid: u32, tag: &str) {
    for _ in 0..KILL_SWEEPS {
        let escaped = escaped(pgid, tag);
        if escaped.is_empty() {
            return;
        }
        for pid in escaped {
            let _ = kill(pid, Signal::SIGKILL);
        }
    }
}

fn escaped(pgid: u32, tag: &str) -> Vec<Pid> {
    let mut system = System::new();
    system.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing().with_environ(UpdateKind::Always),
    );
    system
        .processes()
        .iter()
        .filter(|(_, process)| process.environ().iter().any(|e| e == tag))
        .map(|(pid, _)| Pid::from_raw(pid.as_u32() as i32))
        .filter(|pid| getpgid(Some(*pid)).is_ok_and(|g| g.as_raw() as u32 != pgid))
        .collect()
}
