//! Watching processes that are not our children: alive, and awaiting their end as an event
//! (Linux: a pidfd; macOS: kqueue; Windows: the process handle). `PATIENCE` is for every
//! platform.

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
    wait_gone_within(pid, PATIENCE)
}

/// Waits until `pid` has exited, using a pidfd. True if it did within `limit`.
#[cfg(target_os = "linux")]
pub fn wait_gone_within(pid: i32, limit: Duration) -> bool {
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
    let ready = unsafe { libc::poll(&mut pfd, 1, limit.as_millis() as i32) };
    unsafe { libc::close(fd) };
    // A zombie whose parent has not reaped it yet is readable as well: it no longer runs.
    ready == 1 || !alive(pid)
}

/// True while a process with `pid` runs.
#[cfg(windows)]
pub fn alive(pid: i32) -> bool {
    !wait_gone_within(pid, Duration::ZERO)
}

/// Waits until `pid` has exited. True if it did within `PATIENCE`.
#[cfg(windows)]
pub fn wait_gone(pid: i32) -> bool {
    wait_gone_within(pid, PATIENCE)
}

/// Waits until `pid` has exited, on its process handle. True if it did within `limit`.
#[cfg(windows)]
pub fn wait_gone_within(pid: i32, limit: Duration) -> bool {
    use windows::Win32::Foundation::{CloseHandle, WAIT_TIMEOUT};
    use windows::Win32::System::Threading::{
        OpenProcess, WaitForSingleObject, PROCESS_SYNCHRONIZE,
    };
    // SAFETY: a handle opened here, waited on and closed here.
    unsafe {
        let Ok(process) = OpenProcess(PROCESS_SYNCHRONIZE, false, pid as u32) else {
            return true; // no such process
        };
        let waited = WaitForSingleObject(process, limit.as_millis() as u32);
        let _ = CloseHandle(process);
        waited != WAIT_TIMEOUT
    }
}

/// True while a process with `pid` exists (a zombie counts as alive here).
#[cfg(target_os = "macos")]
pub fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// Waits until `pid` has exited. True if it did within `PATIENCE`.
#[cfg(target_os = "macos")]
pub fn wait_gone(pid: i32) -> bool {
    wait_gone_within(pid, PATIENCE)
}

/// Waits until `pid` has exited, with kqueue's `NOTE_EXIT`. True if it did within `limit`.
#[cfg(target_os = "macos")]
pub fn wait_gone_within(pid: i32, limit: Duration) -> bool {
    // SAFETY: a kqueue made, used and closed here, with structs filled here.
    unsafe {
        let queue = libc::kqueue();
        if queue < 0 {
            return !alive(pid);
        }
        let change = libc::kevent {
            ident: pid as libc::uintptr_t,
            filter: libc::EVFILT_PROC,
            flags: libc::EV_ADD | libc::EV_ONESHOT,
            fflags: libc::NOTE_EXIT,
            data: 0,
            udata: std::ptr::null_mut(),
        };
        let mut event: libc::kevent = std::mem::zeroed();
        let timeout = libc::timespec {
            tv_sec: limit.as_secs() as libc::time_t,
            tv_nsec: limit.subsec_nanos() as libc::c_long,
        };
        let found = libc::kevent(queue, &change, 1, &mut event, 1, &timeout);
        libc::close(queue);
        // -1 with ESRCH: no such process any more.
        found != 0 || !alive(pid)
    }
}
