//! Unix: a tiny `sh` placed in the sidecar's process group that kills the whole group when the app
//! dies. It blocks reading a pipe whose only writer is the app (the write end is close-on-exec);
//! when the app dies by any means the pipe reaches EOF and the watchdog sends SIGKILL to its group.

use std::io;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use process_wrap::tokio::{CommandWrap, CommandWrapper};
use tokio::process::{Child, Command};

/// Ignores the stop signals the group receives, waits for EOF, then kills its own process group.
const SCRIPT: &str = "trap '' TERM INT HUP; read -r _; kill -9 0";

/// The running watchdog; dropping it kills it.
#[derive(Debug)]
pub struct Watchdog {
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    child: Child,
}

impl Watchdog {
    /// Starts a watchdog inside process group `pgid`.
    pub fn start(pgid: u32) -> io::Result<Self> {
        let mut command = Command::new("/bin/sh");
        // SAFETY: the closure only makes async-signal-safe calls.
        unsafe {
            command.pre_exec(|| {
                super::only_stdio::mark_all_close_on_exec();
                Ok(())
            });
        }
        let child = command
            .args(["-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(pgid as i32)
            .kill_on_drop(true)
            .spawn()?;
        Ok(Self { child })
    }

    /// Its process id (it is a member of the sidecar's group).
    #[cfg(target_os = "linux")]
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

/// `CommandWrapper` that starts a [`Watchdog`] in the new child's process group as soon as it is
/// spawned (the group exists from then on). A watchdog that cannot start is logged, not fatal:
/// the sidecar still runs, without that guarantee. Take the watchdog with [`take`](Self::take).
#[derive(Debug, Clone, Default)]
pub struct InGroupWatchdog {
    started: Arc<Mutex<Option<Watchdog>>>,
}

impl InGroupWatchdog {
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
        match Watchdog::start(group) {
            Ok(watchdog) => {
                *self.started.lock().unwrap_or_else(|p| p.into_inner()) = Some(watchdog);
            }
            Err(e) => log::warn!("cannot start the watchdog for process group {group}: {e}"),
        }
        Ok(())
    }
}
