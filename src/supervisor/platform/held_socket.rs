//! Socket activation, as systemd does it (Unix; elsewhere a configuration error). The supervisor binds and listens on
//! `127.0.0.1:<port>` itself and hands the listening socket to each start of the sidecar as file
//! descriptor 3, with `LISTEN_FDS=1`, `LISTEN_PID=<its pid>` and `LISTEN_FDNAMES=<name>`. No
//! other process can take the port between choosing and binding it, connections made while the
//! sidecar (re)starts wait in the kernel's backlog, and the port stays the same across restarts.

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
#[cfg(unix)]
use std::os::fd::{AsRawFd, RawFd};

#[cfg(unix)]
use process_wrap::tokio::{CommandWrap, CommandWrapper};
#[cfg(unix)]
use tokio::process::Command;

/// The descriptor number a passed socket has in the sidecar (`SD_LISTEN_FDS_START`).
#[cfg(unix)]
pub const FD: RawFd = 3;

/// Sets `LISTEN_PID` to the pid that `exec` keeps, then runs `"$0" "$@"`: the variable must name
/// the sidecar's own pid, which only the child knows.
#[cfg(unix)]
pub const TRAMPOLINE: &str = r#"LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@""#;

/// A listening socket the supervisor holds for a sidecar.
#[derive(Debug)]
pub struct HeldSocket {
    /// Held for its life (closing it frees the port); Unix also passes its descriptor.
    #[cfg_attr(not(unix), allow(dead_code))]
    listener: TcpListener,
    port: u16,
}

impl HeldSocket {
    /// Binds `127.0.0.1:<port>` (a free port when `None`) and listens.
    pub fn bind(port: Option<u16>) -> io::Result<Self> {
        let listener =
            TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port.unwrap_or(0)))?;
        let port = listener.local_addr()?.port();
        Ok(Self { listener, port })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its descriptor in this process.
    #[cfg(unix)]
    pub fn raw_fd(&self) -> RawFd {
        self.listener.as_raw_fd()
    }
}

/// `CommandWrapper` that makes descriptor `0` of this process the child's descriptor 3, kept open
/// across `exec`. Wrap it after [`OnlyStdio`](super::only_stdio::OnlyStdio), which marks every
/// other descriptor close-on-exec.
#[cfg(unix)]
#[derive(Debug, Clone, Copy)]
pub struct PassAsFd3(pub RawFd);

#[cfg(unix)]
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
