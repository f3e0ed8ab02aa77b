//! Unix: how a [`PassedSocket`](super::held_socket::PassedSocket) reaches the sidecar, as systemd
//! passes one: descriptor 3 kept open across `exec`, `LISTEN_FDS=1`, `LISTEN_FDNAMES=<name>`, and
//! `LISTEN_PID` set by an `sh` trampoline, since only the child knows its own pid.

use std::io;
use std::os::fd::RawFd;

use process_wrap::tokio::{CommandWrap, CommandWrapper};
use tokio::process::Command;

/// The descriptor number a passed socket has in the sidecar (`SD_LISTEN_FDS_START`).
pub const FD: RawFd = 3;

/// Sets `LISTEN_PID` to the pid that `exec` keeps, then runs `"$0" "$@"`.
const TRAMPOLINE: &str = r#"LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@""#;

/// `program args` run behind the trampoline: the program and arguments to spawn instead.
pub fn behind_trampoline(program: &str, args: Vec<String>) -> (String, Vec<String>) {
    let mut trampolined = vec!["-c".to_owned(), TRAMPOLINE.to_owned(), program.to_owned()];
    trampolined.extend(args);
    ("/bin/sh".to_owned(), trampolined)
}

/// The variables that tell the sidecar of the socket (`LISTEN_PID` comes from the trampoline).
pub fn environment(name: &str) -> [(String, String); 2] {
    [
        ("LISTEN_FDS".into(), "1".into()),
        ("LISTEN_FDNAMES".into(), name.into()),
    ]
}

/// `CommandWrapper` that makes descriptor `.0` of this process the child's descriptor 3, kept open
/// across `exec`. Wrap it after [`OnlyStdio`](super::only_stdio::OnlyStdio), which marks every
/// other descriptor close-on-exec.
#[derive(Debug, Clone, Copy)]
pub struct PassAsFd3(pub RawFd);

impl CommandWrapper for PassAsFd3 {
    fn pre_spawn(&mut self, command: &mut Command, _core: &CommandWrap) -> io::Result<()> {
        let socket = self.0;
        // SAFETY: the closure makes only async-signal-safe calls (dup2, fcntl).
        unsafe {
            command.pre_exec(move || {
                if socket != FD && libc::dup2(socket, FD) < 0 {
                    return Err(io::Error::last_os_error());
                }
                // dup2 clears close-on-exec, but not when the socket already is descriptor 3.
                let flags = libc::fcntl(FD, libc::F_GETFD);
                if flags < 0 || libc::fcntl(FD, libc::F_SETFD, flags & !libc::FD_CLOEXEC) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        Ok(())
    }
}
