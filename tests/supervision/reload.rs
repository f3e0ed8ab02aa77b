//! The development loop: a change to a file that matches a sidecar's `watch` globs restarts it,
//! on the same port with the same token, and a `failed` one starts again once it is fixed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tauri_plugin_sidecar::supervisor::{SidecarHandle, SidecarSpec, State};

use crate::support::*;

/// A working directory of its own with `version.txt` saying `version`.
struct Sources(PathBuf);

impl Sources {
    fn new(name: &str, version: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("sidecar-reload-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".venv")).unwrap();
        let sources = Self(dir);
        sources.write("version.txt", version);
        sources
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.0.join(file), text).unwrap();
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Sources {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `serves_its_version.py` in `sources`, watching `*.txt`, with a token.
fn watched_spec(name: &str, sources: &Sources) -> SidecarSpec {
    let mut spec = spec(name, "serves_its_version.py");
    spec.cwd = Some(sources.path().to_path_buf());
    spec.watch = vec!["*.txt".into()];
    spec.token_env = Some("RELOAD_TOKEN".into());
    spec
}

fn version(port: u16) -> String {
    let (code, body) = http_get(port, "/version", None);
    assert_eq!(code, 200, "{body}");
    body
}

#[tokio::test]
async fn a_changed_source_restarts_the_sidecar_on_the_same_port_with_the_same_token() {
    let sources = Sources::new("same-port", "1");
    let sidecar = SidecarHandle::new(watched_spec("same-port", &sources)).unwrap();
    let first = start_ready(&sidecar).await;
    let before = sidecar.backend().unwrap();
    assert_eq!(version(before.port), r#"{"version": "1"}"#);

    let mut events = sidecar.subscribe();
    sources.write("version.txt", "2");
    let restarting = until_state(&mut events, State::Restarting).await;
    assert_eq!(
        restarting.error.as_deref(),
        Some("source changed: version.txt")
    );
    let seen = states_until(&mut events, State::Ready, |_| {}).await;
    assert_eq!(
        seen,
        [State::Starting, State::Ready],
        "no `stopping`: nobody asked for a stop"
    );

    let after = sidecar.backend().unwrap();
    assert_eq!((after.port, &after.token), (before.port, &before.token));
    assert_ne!(sidecar.status().pid, first.pid, "a new process");
    assert_eq!(sidecar.status().restarts, 0, "a reload is no failure");
    assert_eq!(version(after.port), r#"{"version": "2"}"#);
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn with_pass_socket_a_request_made_during_the_reload_is_answered_by_the_new_code() {
    let sources = Sources::new("socket", "1");
    let mut spec = watched_spec("socket", &sources);
    spec.pass_socket = true;
    // The new process serves only a while after its start: the request waits in the backlog.
    spec.env.insert("SERVE_AFTER_MS".into(), "300".into());
    let sidecar = SidecarHandle::new(spec).unwrap();
    let port = start_ready(&sidecar).await.port.unwrap();

    let mut events = sidecar.subscribe();
    sources.write("version.txt", "2");
    until_state(&mut events, State::Restarting).await;
    until_state(&mut events, State::Starting).await;
    let answer = tokio::task::spawn_blocking(move || version(port));
    assert_eq!(patiently(answer).await.unwrap(), r#"{"version": "2"}"#);
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn a_failed_sidecar_starts_again_once_its_sources_are_fixed() {
    let sources = Sources::new("fixed", "broken");
    let mut spec = watched_spec("fixed", &sources);
    spec.restart.max_restarts = 1;
    spec.restart.initial_delay = Duration::from_millis(10);
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    let failed = until_state(&mut events, State::Failed).await;
    assert!(failed.error.unwrap().contains("version.txt says broken"));

    sources.write("version.txt", "3");
    until_state(&mut events, State::Ready).await;
    assert_eq!(
        version(sidecar.status().port.unwrap()),
        r#"{"version": "3"}"#
    );
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn changes_in_unwatched_places_restart_nothing() {
    let sources = Sources::new("quiet", "1");
    let mut spec = watched_spec("quiet", &sources);
    spec.watch = vec!["**/*.txt".into()];
    let sidecar = SidecarHandle::new(spec).unwrap();
    start_ready(&sidecar).await;
    let mut events = sidecar.subscribe();
    // Neither a file the globs do not match, nor one inside a virtual environment ...
    sources.write("notes.md", "x");
    sources.write(".venv/lib.txt", "x");
    // ... while a watched change that follows is seen first, and alone.
    sources.write("version.txt", "2");
    let restarting = until_state(&mut events, State::Restarting).await;
    assert_eq!(
        restarting.error.as_deref(),
        Some("source changed: version.txt")
    );
    until_state(&mut events, State::Ready).await;
    assert!(events.try_recv().is_err(), "one restart for one change");
    patiently(sidecar.stop()).await.unwrap();
}
