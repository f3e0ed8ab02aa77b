//! Unix: a tiny `sh` placed in the sidecar's process group that kills the whole group when the app
//! dies. It blocks reading a pipe whose only writer is the app (the write end is close-on-exec);
//! when the app dies by any means the pipe reaches EOF and the watchdog kills, where the OS lets
//! it find them, the processes that left the group but carry the run's tag, then its own group.

use std::io;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use process_wrap::tokio::{CommandWrap, CommandWrapper};
use tokio::process::{Child, Command};

use super::descendants::WATCHDOG_SWEEP;

/// Ignores the stop signals the group receives, waits for EOF, sweeps the run's escaped
/// processes (`$1` is the run tag's environment entry), then kills its own process group.
fn script() -> String {
    format!("trap '' TERM INT HUP; read -r _; {WATCHDOG_SWEEP}; kill -9 0")
}

/// The running watchdog; dropping it kills it.
#[derive(Debug)]
pub struct Watchdog {
    child: Child,
}

impl Watchdog {
    /// Starts a watchdog inside process group `pgid` for the run tagged `tag`.
    pub fn start(pgid: u32, tag: &str) -> io::Result<Self> {
        let mut command = Command::new("/bin/sh");
        // SAFETY: the closure only makes async-signal-safe calls.
        unsafe {
            command.pre_exec(|| {
                super::only_stdio::mark_all_close_on_exec();
                Ok(())
            });
        }
        let child = command
            .args(["-c", &script(), "sidecar-watchdog", tag])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(pgid as i32)
            .kill_on_drop(true)
            .spawn()?;
        Ok(Self { child })
    }

    /// Its process id (it is a member of the sidecar's group).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

/// `CommandWrapper` that starts a [`Watchdog`] in the new child's process group as soon as it is
/// spawned (the group exists from then on). A watchdog that cannot start is logged, not fatal:
/// the sidecar still runs, without that guarantee. Take the watchdog with [`take`](Self::take).
#[derive(Debug, Clone)]
pub struct InGroupWatchdog {
    tag: String,
    started: Arc<Mutex<Option<Watchdog>>>,
}

impl InGroupWatchdog {
    /// Starts the watchdog of the run tagged `tag` (its environment entry) at the spawn.
    pub fn for_run(tag: &str) -> Self {
        Self {
            tag: tag.to_owned(),
            started: Arc::default(),
        }
    }

    /// The process id of the watchdog started for the last spawn, if any.
    pub fn pid(&self) -> Option<u32> {
        self.started
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .and_then(Watchdog::pid)
    }

    /// The watchdog started for the last spawn, if any.
    pub fn take(&self) -> Option<Watchdog> {
        self.started
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}

impl CommandWrapper for InGroupWatchdog {
    fn post_spawn(
        &mut self,
        _command: &mut Command,
        child: &mut Child,
        _core: &CommandWrap,
    ) -> io::Result<()> {
        let Some(group) = child.id() else {
            return Ok(()); // already reaped: nothing to watch
        };
        match Watchdog::start(group, &self.tag) {
            Ok(watchdog) => {
                *self.started.lock().unwrap_or_else(|p| p.into_inner()) = Some(watchdog);
            }
            Err(e) => log::warn!("cannot start the watchdog for process group {group}: {e}"),
        }
        Ok(())
    }
}
