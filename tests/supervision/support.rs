//! Helpers for the supervision tests: fixture specs, awaiting events, and watching pids.

use std::future::Future;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tauri_plugin_sidecar::supervisor::{LogLine, SidecarHandle, SidecarSpec, State, Status};
use tokio::sync::broadcast;

#[path = "../common/pids.rs"]
mod pids;
pub use pids::PATIENCE;
#[cfg(target_os = "linux")]
pub use pids::{alive, wait_gone};

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A spec that runs `python3 tests/fixtures/<fixture>` with fast restarts for tests.
pub fn spec(name: &str, fixture_file: &str) -> SidecarSpec {
    let mut spec = SidecarSpec::new(
        name,
        "python3",
        vec![fixture(fixture_file).display().to_string()],
    );
    spec.restart.initial_delay = Duration::from_millis(10);
    spec.restart.max_delay = Duration::from_millis(50);
    spec
}

/// Awaits `future` for at most `PATIENCE`: an operation that never finishes fails the test instead
/// of hanging it.
pub async fn patiently<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("not finished within {PATIENCE:?}"))
}

/// Looks at `condition` every `every` until it holds, up to `PATIENCE`; true if it did. Only for
/// a change that no event announces (each caller says why it cannot await one).
#[cfg(target_os = "linux")]
pub async fn eventually(every: Duration, condition: impl Fn() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !condition() {
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(every).await;
    }
    true
}

/// The starts that a fixture records itself (`STARTS_FILE`: a line per process that imported
/// `_server`), so that "nothing ran" rests on the fixture's word, not on the engine's report.
pub struct Starts(PathBuf);

impl Starts {
    /// A fresh, empty record, handed to `spec`'s fixture through its environment.
    pub fn recorded_by(spec: &mut SidecarSpec) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let file = std::env::temp_dir().join(format!(
            "sidecar-starts-{}-{}-{}",
            spec.name,
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_file(&file);
        spec.env
            .insert("STARTS_FILE".into(), file.display().to_string());
        Self(file)
    }

    /// How many processes of the fixture have started so far.
    pub fn count(&self) -> usize {
        std::fs::read_to_string(&self.0).map_or(0, |record| record.lines().count())
    }
}

impl Drop for Starts {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
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

/// Receives status events up to the first one in state `last`, handing each to `on_each`, and
/// returns their states; panics with the states seen if `last` does not come.
pub async fn states_until(
    events: &mut broadcast::Receiver<Status>,
    last: State,
    on_each: impl FnMut(&Status),
) -> Vec<State> {
    receive_until(events, &[last], on_each).await.1
}

/// Receives status events, handing each to `on_each`, until one has a state among `wanted`;
/// returns it and the states seen. Panics with the states seen if none comes within `PATIENCE`.
async fn receive_until(
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

/// Crashes the sidecar (`GET /crash`) if `status` says it is ready.
pub fn crash_when_ready(status: &Status) {
    if status.state == State::Ready {
        let _ = http_get(
            status.port.expect("a ready sidecar has a port"),
            "/crash",
            None,
        );
    }
}

/// Receives status events until `count` events were seen or none came for a while; returns their states.
pub async fn states(events: &mut broadcast::Receiver<Status>, count: usize) -> Vec<State> {
    let mut seen = Vec::new();
    while seen.len() < count {
        match tokio::time::timeout(PATIENCE, events.recv()).await {
            Ok(Ok(status)) => seen.push(status.state),
            _ => break,
        }
    }
    seen
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

/// The number after `prefix` in an output line such as `grandchild pid 1234`.
pub fn number_after(line: &str, prefix: &str) -> i32 {
    let rest = line.split(prefix).nth(1).unwrap_or_default().trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {prefix:?} in {line:?}"))
}

/// The status a start of `spec` ends in, which must be `failed`.
pub async fn failed_start(spec: SidecarSpec) -> Status {
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    until_state(&mut events, State::Failed).await
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

/// Waits until `pid` has exited, without blocking the async runtime. True if it did within `PATIENCE`.
#[cfg(target_os = "linux")]
pub async fn gone(pid: u32) -> bool {
    tokio::task::spawn_blocking(move || wait_gone(pid as i32))
        .await
        .unwrap()
}

/// Every `log` record written in this test binary from now on, except the output lines of sidecars
/// not named in a call (the flood fixtures would fill memory). Installs the logger once; each call
/// adds `output_of` to the sidecars whose output lines are kept.
pub fn capture_logs(output_of: &str) -> &'static std::sync::Mutex<Vec<String>> {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};

    struct Capture {
        output_of: Mutex<HashSet<String>>,
        records: Mutex<Vec<String>>,
    }
    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata) -> bool {
            true
        }
        fn log(&self, record: &log::Record) {
            let target = record.target();
            if let Some(sidecar) = target.strip_prefix("sidecar::") {
                if !self.output_of.lock().unwrap().contains(sidecar) {
                    return;
                }
            }
            let line = format!("{target}: {}", record.args());
            self.records.lock().unwrap().push(line);
        }
        fn flush(&self) {}
    }

    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    let capture = CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture {
            output_of: Mutex::new(HashSet::new()),
            records: Mutex::new(Vec::new()),
        }));
        log::set_logger(capture).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
        capture
    });
    capture
        .output_of
        .lock()
        .unwrap()
        .insert(output_of.to_owned());
    &capture.records
}
