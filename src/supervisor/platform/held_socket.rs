//! Socket activation, as systemd does it (Unix; elsewhere a configuration error). The supervisor binds and listens on
//! `127.0.0.1:<port>` itself and hands the listening socket to each start of the sidecar as file
//! descriptor 3, with `LISTEN_FDS=1`, `LISTEN_PID=<its pid>` and `LISTEN_FDNAMES=<name>`. No
//! other process can take the port between choosing and binding it, connections made while the
//! sidecar (re)starts wait in the kernel's backlog, and the port stays the same across restarts.
//! How the socket reaches the child is the Unix spawn's job (`process/unix.rs`).

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};

/// A listening socket the supervisor holds for a sidecar.
#[derive(Debug)]
pub struct HeldSocket {
    /// Held for its life (closing it frees the port).
    listener: TcpListener,
    port: u16,
}

/// The held socket on its way to one start of the sidecar: a duplicate of the listening socket
/// (close-on-exec in this process; the spawn passes it on) and the name for `LISTEN_FDNAMES`.
#[derive(Debug)]
pub struct PassedSocket {
    /// The duplicate, dropped once the child has it.
    pub listener: TcpListener,
    /// The sidecar's name.
    pub name: String,
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

    /// The socket to pass to a start of sidecar `name`.
    pub fn to_pass(&self, name: &str) -> io::Result<PassedSocket> {
        Ok(PassedSocket {
            listener: self.listener.try_clone()?,
            name: name.to_owned(),
        })
    }
}
