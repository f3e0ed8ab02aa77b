//! Ports on 127.0.0.1: a free one from the OS, or a check that a fixed one can be bound.

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};

/// Asks the OS for a free port on 127.0.0.1 (bind to port 0, read it, release it).
pub fn free_port() -> io::Result<u16> {
    Ok(
        TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port(),
    )
}

/// Checks that `port` can be bound on 127.0.0.1 right now.
pub fn ensure_available(port: u16) -> io::Result<()> {
    TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_port_can_be_bound_and_a_bound_one_is_refused() {
        let port = free_port().unwrap();
        let held = TcpListener::bind(("127.0.0.1", port)).unwrap();
        assert_eq!(
            ensure_available(port).unwrap_err().kind(),
            io::ErrorKind::AddrInUse
        );
        drop(held);
        ensure_available(port).unwrap();
    }
}
