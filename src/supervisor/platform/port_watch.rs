//! Waiting for a loopback port to accept connections, on a thread of its own.
//!
//! A refused connect to `127.0.0.1` costs microseconds; waking up to make one costs more. On a
//! plain thread, one attempt is a timed wait and a blocking `connect`, about half of what the
//! same attempt costs as a Tokio task (a timer entry, a non-blocking socket registered with the
//! reactor, a scheduler wake-up). On Linux, an attempt first asks the kernel whether anything
//! listens on the port (half the CPU of a refused connect), and the socket of a refused connect
//! is used again.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

#[cfg(target_os = "linux")]
use super::listener_lookup::{Listener, ListenerLookup};

/// How often a connect is made even while the kernel says that nothing listens: a listener its
/// lookup does not see (an IPv6 socket, say) is still found.
const CONNECT_AT_LEAST_EVERY: Duration = Duration::from_millis(250);

/// How soon after a nudge the next attempt is made: a server that logs "listening" has usually
/// called `listen` by then.
const AFTER_NUDGE: Duration = Duration::from_millis(1);

/// A thread making connect attempts to `127.0.0.1:<port>` until one succeeds. Dropping it ends
/// the thread at once.
#[derive(Debug)]
pub struct PortWatch {
    nudges: mpsc::Sender<()>,
    connected: oneshot::Receiver<std::net::TcpStream>,
}

impl PortWatch {
    /// Starts the thread. Its first attempt is made `delay_after(started.elapsed())` from now,
    /// and each later one that long after the previous attempt.
    pub fn start(
        port: u16,
        started: Instant,
        delay_after: fn(Duration) -> Duration,
    ) -> io::Result<Self> {
        let (nudges, nudged) = mpsc::channel();
        let (found, connected) = oneshot::channel();
        let address = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
        std::thread::Builder::new()
            .name(format!("sidecar-port-{port}"))
            .spawn(move || {
                if let Some(stream) = attempt_until_connected(address, started, delay_after, nudged)
                {
                    let _ = found.send(stream);
                }
            })?;
        Ok(Self { nudges, connected })
    }

    /// Makes the next attempt [`AFTER_NUDGE`] from now, unless one is due sooner.
    pub fn nudge(&self) {
        let _ = self.nudges.send(());
    }

    /// Resolves with the first connection the port accepted.
    pub async fn connected(&mut self) -> io::Result<TcpStream> {
        let stream = (&mut self.connected)
            .await
            .map_err(|_| io::Error::other("the connect thread ended"))?;
        stream.set_nonblocking(true)?;
        stream.set_nodelay(true)?;
        TcpStream::from_std(stream)
    }
}

/// The thread's loop: wait, attempt, until an attempt connects or the [`PortWatch`] is dropped.
fn attempt_until_connected(
    address: SocketAddrV4,
    started: Instant,
    delay_after: fn(Duration) -> Duration,
    nudged: mpsc::Receiver<()>,
) -> Option<std::net::TcpStream> {
    let mut attempts = Attempts::new(address);
    let mut next = Instant::now() + delay_after(started.elapsed());
    loop {
        match nudged.recv_timeout(next.saturating_duration_since(Instant::now())) {
            Ok(()) => {
                next = next.min(Instant::now() + AFTER_NUDGE);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return None,
            Err(RecvTimeoutError::Timeout) => {}
        }
        if let Some(stream) = attempts.attempt() {
            return Some(stream);
        }
        next = Instant::now() + delay_after(started.elapsed());
    }
}

/// One attempt after another at connecting to one address.
struct Attempts {
    address: SocketAddrV4,
    /// The socket of the last refused connect (Linux lets it try again).
    refused: Option<Socket>,
    /// The kernel's view of the port's listeners (Linux), while it can answer.
    #[cfg(target_os = "linux")]
    lookup: Option<ListenerLookup>,
    last_connect: Option<Instant>,
}

impl Attempts {
    fn new(address: SocketAddrV4) -> Self {
        Self {
            address,
            refused: None,
            #[cfg(target_os = "linux")]
            lookup: ListenerLookup::new(address.port())
                .inspect_err(|e| log::debug!("no listener lookups for {address}: {e}"))
                .ok(),
            last_connect: None,
        }
    }

    /// One attempt: the connection, if the port accepted one. A connect is skipped while the
    /// kernel says that nothing listens, but made at least every [`CONNECT_AT_LEAST_EVERY`].
    fn attempt(&mut self) -> Option<std::net::TcpStream> {
        let connected_lately = self
            .last_connect
            .is_some_and(|at| at.elapsed() < CONNECT_AT_LEAST_EVERY);
        if connected_lately && self.nothing_listens() {
            return None;
        }
        self.last_connect = Some(Instant::now());
        self.connect()
    }

    #[cfg(target_os = "linux")]
    fn nothing_listens(&mut self) -> bool {
        let Some(lookup) = &mut self.lookup else {
            return false;
        };
        match lookup.look() {
            Ok(listener) => listener == Listener::Absent,
            Err(error) => {
                log::debug!("listener lookups for {} stop: {error}", self.address);
                self.lookup = None;
                false
            }
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn nothing_listens(&mut self) -> bool {
        false
    }

    fn connect(&mut self) -> Option<std::net::TcpStream> {
        let socket = match self.refused.take() {
            Some(socket) => socket,
            // socket2 sets close-on-exec, so sidecars spawned meanwhile do not inherit it.
            None => match Socket::new(Domain::IPV4, Type::STREAM, None) {
                Ok(socket) => socket,
                Err(error) => {
                    log::warn!("cannot create a socket to probe {}: {error}", self.address);
                    return None;
                }
            },
        };
        match socket.connect(&SocketAddr::V4(self.address).into()) {
            Ok(()) => Some(socket.into()),
            // Linux lets a socket whose connect was refused try again (verified there only).
            Err(error)
                if cfg!(target_os = "linux")
                    && error.kind() == io::ErrorKind::ConnectionRefused =>
            {
                self.refused = Some(socket);
                None
            }
            Err(_) => None,
        }
    }
}
