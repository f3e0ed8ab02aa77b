//! Linux: every process of one start of a sidecar, wherever it went. Its process group holds what
//! it spawned the usual way; a process that left the group (`setsid`, a daemonising double fork,
//! as Jupyter's kernel manager starts kernels) still carries the start's run tag in its
//! environment, which `/proc/<pid>/environ` shows for the same user's processes. Found by one
//! read of `/proc`, then held as pidfds: signalled and awaited without a poll, immune to pid reuse.
//! Also the parent-death signal, which only Linux has.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use nix::sys::signal::Signal;
use process_wrap::tokio::CommandWrap;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::time::Instant;

use super::listener_lookup::ListenerLookup;
use super::parent_death::KillOnParentDeath;
use super::process::ListenerHolder;

/// How many sweeps a kill makes at most: a process that forks while the sweep kills it leaves a
/// child that the next sweep finds.
const KILL_SWEEPS: usize = 20;

/// The watchdog's sweep when the app has died (`sh`; `$1` is the `VARIABLE=tag` entry): kill
/// every process whose environment holds the entry, at most [`KILL_SWEEPS`] times, until none
/// is left. The watchdog itself does not carry the entry.
pub const WATCHDOG_SWEEP: &str = r#"i=0; while [ $i -lt 20 ]; do pids=$(grep -lzxF -- "$1" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); [ -n "$pids" ] || break; kill -9 $pids 2>/dev/null; i=$((i+1)); done"#;

/// Adds what Linux alone offers to a sidecar's spawn: SIGKILL when the app dies.
pub fn wrap(command: &mut CommandWrap) {
    command.wrap(KillOnParentDeath);
}

/// A process of the run, pinned by its pidfd.
#[derive(Debug)]
struct Member {
    pidfd: AsyncFd<OwnedFd>,
    in_group: bool,
}

/// The processes of a run besides those the caller already watches, captured once.
#[derive(Debug)]
pub struct Descendants {
    members: Vec<Member>,
}

impl Descendants {
    /// The live processes of group `pgid`, and those elsewhere that carry `tag` (a
    /// `VARIABLE=value` environment entry), except `known` (the main process, the watchdog).
    /// Reads `/proc` once (about 20 µs per process here); call it before the stop's SIGTERM so
    /// that the cost is not part of the wait.
    pub fn capture(pgid: u32, tag: &str, known: &[u32]) -> Self {
        let members = scan(pgid, tag)
            .into_iter()
            .filter(|(pid, _, _)| !known.contains(pid))
            .filter_map(|(_, pidfd, in_group)| {
                // SAFETY: an OwnedFd stays open and keeps its descriptor for as long as it is owned.
                let pidfd =
                    unsafe { AsyncFd::register_with_interest(pidfd, Interest::READABLE) }.ok()?;
                Some(Member { pidfd, in_group })
            })
            .collect();
        Self { members }
    }

    /// Sends `signal` to those that left the group (the group's own get the group signal).
    pub fn signal_escaped(&self, signal: Signal) {
        for member in self.members.iter().filter(|m| !m.in_group) {
            let _ = send_signal(member.pidfd.get_ref(), signal);
        }
    }

    /// Whether all of them have exited by `deadline`.
    pub async fn exited_by(&self, deadline: Instant) -> bool {
        let all = async {
            for member in &self.members {
                // A pidfd turns readable when its process has terminated.
                let _ = member.pidfd.readable().await;
            }
        };
        tokio::time::timeout_at(deadline, all).await.is_ok()
    }
}

/// Tells whether the socket that listens on a port is one of the run's: the probe that carries
/// the token is sent only to the sidecar, never to a process that took the port before it.
#[derive(Debug, Clone)]
pub struct ListenerCheck {
    pgid: u32,
    tag: String,
}

impl ListenerCheck {
    /// For the run of group `pgid`, tagged `tag`.
    pub fn new(pgid: u32, tag: &str) -> Self {
        Self {
            pgid,
            tag: tag.to_owned(),
        }
    }

    /// Who holds the socket listening on `127.0.0.1:<port>`: the kernel names its inode and
    /// owner (`sock_diag`), and the run's processes are searched for that inode.
    pub fn holder(&self, port: u16) -> ListenerHolder {
        let holder = match ListenerLookup::new(port).and_then(|mut lookup| lookup.holder()) {
            Ok(Some(holder)) => holder,
            // An IPv6-only socket, or no netlink: nothing to tell.
            _ => return ListenerHolder::Unknown,
        };
        let socket = format!("socket:[{}]", holder.inode);
        let ours = scan(self.pgid, &self.tag)
            .into_iter()
            .any(|(pid, _, _)| holds(pid, &socket));
        if ours {
            ListenerHolder::Sidecar
        } else {
            ListenerHolder::Stranger { uid: holder.uid }
        }
    }
}

/// Whether process `pid` has a descriptor open on `socket` (`socket:[<inode>]`).
fn holds(pid: u32, socket: &str) -> bool {
    let Ok(descriptors) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    descriptors
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .any(|target| target.as_os_str() == socket)
}

/// SIGKILL to every process outside group `pgid` that carries `tag`, sweep after sweep until a
/// sweep finds none. The group itself is killed with one signal by the caller.
pub fn kill_escaped(pgid: u32, tag: &str) {
    for _ in 0..KILL_SWEEPS {
        let escaped: Vec<OwnedFd> = scan(pgid, tag)
            .into_iter()
            .filter(|(_, _, in_group)| !in_group)
            .map(|(_, pidfd, _)| pidfd)
            .collect();
        if escaped.is_empty() {
            return;
        }
        for pidfd in &escaped {
            let _ = send_signal(pidfd, Signal::SIGKILL);
        }
    }
    log::warn!("processes tagged {tag} were still forking after {KILL_SWEEPS} kills");
}

/// The live processes in group `pgid` or carrying `tag`: pid, pidfd, and whether in the group.
/// A candidate is read again after its pidfd is open, so that a pid reused between the two reads
/// is never taken for the process it was.
fn scan(pgid: u32, tag: &str) -> Vec<(u32, OwnedFd, bool)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            classify(pid, pgid, tag)?;
            let pidfd = pidfd_open(pid)?;
            let in_group = classify(pid, pgid, tag)?;
            Some((pid, pidfd, in_group))
        })
        .collect()
}

/// `Some(in_group)` when live process `pid` is in group `pgid` or carries `tag`.
fn classify(pid: u32, pgid: u32, tag: &str) -> Option<bool> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name, which may contain anything but ends with the last ')':
    // state, ppid, pgrp, ...
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?;
    let pgrp: u32 = fields.nth(1)?.parse().ok()?;
    if state == "Z" {
        return None;
    }
    if pgrp == pgid {
        return Some(true);
    }
    carries(pid, tag).then_some(false)
}

/// Whether the environment `pid` started with holds the entry `tag`.
fn carries(pid: u32, tag: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/environ"))
        .is_ok_and(|environ| environ.split(|b| *b == 0).any(|e| e == tag.as_bytes()))
}

fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new file descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    // SAFETY: a non-negative result is a descriptor that nothing else owns.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

fn send_signal(pidfd: &OwnedFd, signal: Signal) -> io::Result<()> {
    // SAFETY: pidfd_send_signal takes a pidfd, a signal number, a null siginfo and flags.
    let sent = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            signal as libc::c_int,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if sent == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_is_found_in_its_group_and_by_a_tag_it_carries() {
        let me = std::process::id();
        let group = nix::unistd::getpgrp().as_raw() as u32;
        assert_eq!(super::classify(me, group, "NO_SUCH=entry"), Some(true));
        let environ = std::fs::read("/proc/self/environ").unwrap();
        let first = environ.split(|b| *b == 0).next().unwrap();
        let entry = String::from_utf8_lossy(first).into_owned();
        assert_eq!(super::classify(me, group + 1, &entry), Some(false));
        assert_eq!(super::classify(me, group + 1, "NO_SUCH=entry"), None);
    }
}
