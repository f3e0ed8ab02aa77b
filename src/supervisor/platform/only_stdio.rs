//! Unix: a sidecar inherits standard input, output and error, and no other file descriptor.
//! A library in the app may create descriptors without close-on-exec; a sidecar spawned at that
//! moment keeps them open for its whole life. Seen here: libdbus, starting a session bus for GTK
//! on the main thread, reads a pipe until its helper exits; a sidecar spawned meanwhile held the
//! pipe's write end, and the app's main thread hung until the sidecar ended. Python's
//! `subprocess` closes such descriptors by default (`close_fds=True`); systemd does too.

use std::io;

use process_wrap::tokio::{CommandWrap, CommandWrapper};
use tokio::process::Command;

/// `CommandWrapper` that marks every descriptor above 2 close-on-exec in the child. Marked, not
/// closed: the pipe through which the standard library reports a failed `exec` must stay open
/// until then.
#[derive(Debug, Clone, Copy)]
pub struct OnlyStdio;

impl CommandWrapper for OnlyStdio {
    fn pre_spawn(&mut self, command: &mut Command, _core: &CommandWrap) -> io::Result<()> {
        // SAFETY: the closure makes only async-signal-safe calls (close_range, fcntl, sysconf).
        unsafe {
            command.pre_exec(|| {
                mark_all_close_on_exec();
                Ok(())
            });
        }
        Ok(())
    }
}

/// Marks every descriptor from 3 up close-on-exec. Async-signal-safe.
pub fn mark_all_close_on_exec() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: close_range takes two descriptor numbers and flags (Linux 5.11 for the flag).
        let marked = unsafe {
            libc::syscall(
                libc::SYS_close_range,
                3 as libc::c_uint,
                libc::c_uint::MAX,
                libc::CLOSE_RANGE_CLOEXEC,
            )
        };
        if marked == 0 {
            return;
        }
    }
    // Older kernels and other Unixes: one fcntl per possible descriptor.
    // SAFETY: sysconf and fcntl on an integer descriptor are async-signal-safe.
    let limit = unsafe { libc::sysconf(libc::_SC_OPEN_MAX) };
    let limit = if limit > 0 { limit.min(65_536) } else { 1024 } as libc::c_int;
    for fd in 3..limit {
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags >= 0 && flags & libc::FD_CLOEXEC == 0 {
                libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
            }
        }
    }
}
