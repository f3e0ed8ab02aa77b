//! Watching processes that are not our children: alive, and awaiting their end with a pidfd.
//! Linux only (`/proc` and pidfds); `PATIENCE` is for every platform.

use std::time::Duration;

/// Generous bound for anything the tests wait for; never a measured timing.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// True while a process with `pid` exists (a zombie counts as gone).
#[cfg(target_os = "linux")]
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            stat.rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().next())
                != Some("Z")
        }
        Err(_) => false,
    }
}

/// Waits until `pid` has exited, using a pidfd (an event, not a poll). True if it did within `PATIENCE`.
#[cfg(target_os = "linux")]
pub fn wait_gone(pid: i32) -> bool {
    // SAFETY: plain syscalls on a pid and a fd we own.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
    if fd < 0 {
        return !alive(pid); // already reaped: gone
    }
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ready = unsafe { libc::poll(&mut pfd, 1, PATIENCE.as_millis() as i32) };
    unsafe { libc::close(fd) };
    // A zombie whose parent has not reaped it yet is readable as well: it no longer runs.
    ready == 1 || !alive(pid)
}
