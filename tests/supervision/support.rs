//! Helpers for the supervision tests: fixture specs, awaiting events, and watching pids.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tauri_plugin_sidecar::supervisor::{SidecarHandle, SidecarSpec, State, Status};
use tokio::sync::broadcast;

// Shared with tests/every_os: outside Linux, where this suite's process-watching tests do not
// run, only that suite uses the watching helpers.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
#[path = "../common/pids.rs"]
mod pids;
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
#[path = "../common/supervisor_death.rs"]
mod supervisor_death;
pub use pids::PATIENCE;
#[cfg(target_os = "linux")]
pub use pids::{alive, wait_gone, wait_gone_within};
#[cfg(target_os = "linux")]
pub use supervisor_death::kill_supervisor_running;
pub use supervisor_death::number_after;
#[path = "../common/driving.rs"]
mod driving;
pub use driving::{
    http_get, patiently, receive_until, start_ready, until_line, until_state, until_state_in,
};

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

/// Receives status events up to the first one in state `last`, handing each to `on_each`, and
/// returns their states; panics with the states seen if `last` does not come.
pub async fn states_until(
    events: &mut broadcast::Receiver<Status>,
    last: State,
    on_each: impl FnMut(&Status),
) -> Vec<State> {
    receive_until(events, &[last], on_each).await.1
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

/// The status a start of `spec` ends in, which must be `failed`.
pub async fn failed_start(spec: SidecarSpec) -> Status {
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    until_state(&mut events, State::Failed).await
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
