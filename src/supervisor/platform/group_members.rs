//! Linux: the other processes of a sidecar's process group when a stop begins (a wrapper shell's
//! server, workers), held as pidfds, so that the stop can await their exit after the main process
//! has exited: an event from the kernel, not a poll, and immune to pid reuse.

use std::os::fd::{FromRawFd, OwnedFd};

use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::time::Instant;

/// The group's other processes, captured once.
#[derive(Debug)]
pub struct OtherMembers {
    pidfds: Vec<AsyncFd<OwnedFd>>,
}

impl OtherMembers {
    /// The live processes of group `pgid` except `known` (the main process, the watchdog).
    /// Reads `/proc` once (about 20 µs per process on the machine); call it before the stop's
    /// SIGTERM so that the cost is not part of the wait.
    pub fn capture(pgid: u32, known: &[u32]) -> Self {
        let pidfds = members(pgid)
            .into_iter()
            .filter(|pid| !known.contains(pid))
            .filter_map(pidfd_open)
            // SAFETY: an OwnedFd stays open and keeps its descriptor for as long as it is owned.
            .filter_map(|fd| {
                unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.ok()
            })
            .collect();
        Self { pidfds }
    }

    /// Whether all of them have exited by `deadline`.
    pub async fn exited_by(&self, deadline: Instant) -> bool {
        let all = async {
            for pidfd in &self.pidfds {
                // A pidfd turns readable when its process has terminated.
                let _ = pidfd.readable().await;
            }
        };
        tokio::time::timeout_at(deadline, all).await.is_ok()
    }
}

fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new file descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    // SAFETY: a non-negative result is a descriptor that nothing else owns.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Pids of the live (not zombie) processes in process group `pgid`.
fn members(pgid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // After the command name, which may contain anything but ends with the last ')':
            // state, ppid, pgrp, ...
            let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
            let state = fields.next()?;
            let pgrp: u32 = fields.nth(1)?.parse().ok()?;
            (pgrp == pgid && state != "Z").then_some(pid)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_is_in_its_own_group() {
        let me = std::process::id();
        let group = nix::unistd::getpgrp().as_raw() as u32;
        assert!(super::members(group).contains(&me));
    }
}
