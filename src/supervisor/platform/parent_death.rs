//! Linux: the child receives SIGKILL when the spawning thread (and so the app) dies, even by SIGKILL.
//! It reaches only the direct child; [`super::watchdog`] covers the rest of the process group.

use std::io;

use process_wrap::tokio::{CommandWrap, CommandWrapper};
use tokio::process::Command;

/// `CommandWrapper` that sets `PR_SET_PDEATHSIG` to SIGKILL in the child before `exec`.
#[derive(Debug, Clone, Copy)]
pub struct KillOnParentDeath;

impl CommandWrapper for KillOnParentDeath {
    fn pre_spawn(&mut self, command: &mut Command, _core: &CommandWrap) -> io::Result<()> {
        let parent = nix::unistd::getpid();
        // SAFETY: the closure only makes async-signal-safe calls (prctl, getppid, kill).
        unsafe {
            command.pre_exec(move || {
                nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)?;
                // The parent may have died between fork and prctl; then nobody will signal us.
                if nix::unistd::getppid() != parent {
                    nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL)?;
                }
                Ok(())
            });
        }
        Ok(())
    }
}
