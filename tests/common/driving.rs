//! Driving a sidecar in tests: awaiting its status events and output lines without sleeping,
//! and one HTTP request to it. Shared by the suites that run sidecars.

use std::future::Future;
use std::io::{Read, Write};
use std::net::TcpStream;

use tauri_plugin_sidecar::supervisor::{LogLine, SidecarHandle, State, Status};
use tokio::sync::broadcast;

use super::pids::PATIENCE;

/// Awaits `future` for at most `PATIENCE`: an operation that never finishes fails the test instead
/// of hanging it.
pub async fn patiently<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("not finished within {PATIENCE:?}"))
}

/// Receives status events until one has state `want`; panics with the states seen otherwise.
pub async fn until_state(events: &mut broadcast::Receiver<Status>, want: State) -> Status {
    until_state_in(events, &[want]).await
}

/// Receives status events until one has a state among `wanted`; panics with the states seen
/// otherwise.
pub async fn until_state_in(events: &mut broadcast::Receiver<Status>, wanted: &[State]) -> Status {
    receive_until(events, wanted, |_| {}).await.0
}

/// Receives status events, handing each to `on_each`, until one has a state among `wanted`;
/// returns it and the states seen. Panics with the states seen if none comes within `PATIENCE`.
pub async fn receive_until(
    events: &mut broadcast::Receiver<Status>,
    wanted: &[State],
    mut on_each: impl FnMut(&Status),
) -> (Status, Vec<State>) {
    let mut seen = Vec::new();
    let found = tokio::time::timeout(PATIENCE, async {
        loop {
            let status = events.recv().await.expect("status events keep coming");
            seen.push(status.state);
            on_each(&status);
            if wanted.contains(&status.state) {
                return status;
            }
        }
    })
    .await;
    match found {
        Ok(status) => (status, seen),
        Err(_) => panic!("none of {wanted:?} within {PATIENCE:?}; states seen: {seen:?}"),
    }
}

/// Receives output lines until one satisfies `matches`; on timeout, panics quoting what it saw.
pub async fn until_line(
    lines: &mut broadcast::Receiver<LogLine>,
    matches: impl Fn(&str) -> bool,
) -> String {
    let mut seen = Vec::new();
    let found = tokio::time::timeout(PATIENCE, async {
        loop {
            match lines.recv().await {
                Ok(l) if matches(&l.line) => return l.line,
                Ok(l) => {
                    seen.push(l.line);
                    if seen.len() > 20 {
                        seen.remove(0);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("output ended: {e}"),
            }
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("the expected output line never came; last lines: {seen:?}"))
}

/// Starts `handle` and waits until it is ready.
pub async fn start_ready(handle: &SidecarHandle) -> Status {
    let mut events = handle.subscribe();
    patiently(handle.start()).await.unwrap();
    until_state(&mut events, State::Ready).await
}

/// A minimal HTTP GET against 127.0.0.1 (one request, `Connection: close`); returns status and body.
pub fn http_get(port: u16, path: &str, token: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let code = answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (code, body)
}
