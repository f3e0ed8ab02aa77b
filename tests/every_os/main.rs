//! The engine's behaviours that every OS shares, with a sidecar that is a native program of the
//! OS the tests run on (`tests/programs/test_server.rs`, std only): they run natively on Linux,
//! and on Windows (under Wine here: `scripts/test-windows`), where no Python can be had.

use std::time::Duration;

use tauri_plugin_sidecar::supervisor::{SidecarHandle, SidecarSpec, State, StopOutcome};

#[path = "../common/driving.rs"]
mod driving;
#[path = "../common/pids.rs"]
mod pids;
#[path = "../common/supervisor_death.rs"]
mod supervisor_death;

use driving::{http_get, patiently, start_ready, until_line, until_state};
use pids::{alive, wait_gone, PATIENCE};
use supervisor_death::{example, kill_supervisor_running, number_after};

/// A sidecar that runs `test-server <args>`, with fast restarts.
fn server(name: &str, args: &[&str]) -> SidecarSpec {
    let program = example("test-server");
    let mut spec = SidecarSpec::new(name, program, args.iter().map(|a| a.to_string()).collect());
    spec.restart.initial_delay = Duration::from_millis(10);
    spec.shutdown_timeout = Duration::from_millis(500);
    spec
}

#[tokio::test]
async fn a_sidecar_becomes_ready_and_serves_on_its_port() {
    let sidecar = SidecarHandle::new(server("ready", &[])).unwrap();
    let status = start_ready(&sidecar).await;
    let (code, body) = http_get(status.port.unwrap(), "/pid", None);
    assert_eq!(code, 200);
    assert_eq!(body, format!(r#"{{"pid":{}}}"#, status.pid.unwrap()));
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn a_crash_is_followed_by_a_restart() {
    let sidecar = SidecarHandle::new(server("crashes", &[])).unwrap();
    let first = start_ready(&sidecar).await;
    let mut events = sidecar.subscribe();
    let _ = http_get(first.port.unwrap(), "/crash", None);
    until_state(&mut events, State::Restarting).await;
    let again = until_state(&mut events, State::Ready).await;
    assert_ne!(again.pid, first.pid, "a new process serves");
    assert_eq!(again.restarts, 1);
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn a_crash_is_seen_at_once_while_a_grandchild_still_runs() {
    // The main process is awaited, not the whole tree: a grandchild that lives on must not
    // hide the crash. (On Windows, the job's own wait in process-wrap blocks until the next
    // message on the job's port once the queued ones are read: the grandchild's exit.)
    let sidecar = SidecarHandle::new(server("crashes-with-grandchild", &["--grandchild"])).unwrap();
    let mut lines = sidecar.subscribe_logs();
    let first = start_ready(&sidecar).await;
    let grandchild = number_after(
        &until_line(&mut lines, |l| l.starts_with("grandchild pid")).await,
        "pid",
    );
    let mut events = sidecar.subscribe();
    let _ = http_get(first.port.unwrap(), "/crash", None);
    until_state(&mut events, State::Restarting).await;
    until_state(&mut events, State::Ready).await;
    assert!(
        wait_gone(grandchild),
        "the crashed run's grandchild {grandchild} was ended before the restart"
    );
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn a_stop_closes_the_lifeline_and_the_sidecar_exits_gracefully() {
    let mut spec = server("lifeline", &["--lifeline-only"]);
    spec.shutdown_timeout = PATIENCE;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut lines = sidecar.subscribe_logs();
    start_ready(&sidecar).await;
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::Graceful
    );
    until_line(&mut lines, |l| l.starts_with("lifeline closed")).await;
    assert_eq!(sidecar.status().state, State::Stopped);
}

#[tokio::test]
async fn a_sidecar_that_ignores_its_lifeline_is_killed_at_the_timeout() {
    let sidecar = SidecarHandle::new(server("deaf", &["--ignore-lifeline"])).unwrap();
    let pid = start_ready(&sidecar).await.pid.unwrap();
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::Killed
    );
    assert!(wait_gone(pid as i32), "the sidecar {pid} is gone");
}

#[tokio::test]
async fn a_stop_ends_a_grandchild() {
    let sidecar = SidecarHandle::new(server("tree", &["--grandchild"])).unwrap();
    let mut lines = sidecar.subscribe_logs();
    start_ready(&sidecar).await;
    let grandchild = number_after(
        &until_line(&mut lines, |l| l.starts_with("grandchild pid")).await,
        "pid",
    );
    assert!(alive(grandchild));
    patiently(sidecar.stop()).await.unwrap();
    assert!(
        wait_gone(grandchild),
        "grandchild {grandchild} survived the stop"
    );
}

#[test]
fn the_death_of_the_supervising_process_ends_the_whole_tree() {
    let server = example("test-server").display().to_string();
    let (sidecar, [grandchild]) =
        kill_supervisor_running(&[&server, "--grandchild"], ["grandchild pid"]);
    assert!(
        wait_gone(sidecar),
        "sidecar {sidecar} outlived its supervisor"
    );
    assert!(
        wait_gone(grandchild),
        "grandchild {grandchild} outlived the supervisor"
    );
}

#[tokio::test]
async fn a_missing_program_fails_at_once_and_says_why() {
    let spec = SidecarSpec::new("missing", "no-such-program-anywhere", vec![]);
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    let failed = until_state(&mut events, State::Failed).await;
    let error = failed.error.unwrap_or_default();
    assert!(
        error.contains("cannot run `no-such-program-anywhere`"),
        "{error}"
    );
    assert_eq!(failed.restarts, 0, "nothing to restart");
}

#[cfg(windows)]
#[test]
fn pass_socket_is_a_configuration_error_on_windows() {
    let mut spec = server("socket", &[]);
    spec.pass_socket = true;
    let error = SidecarHandle::new(spec).unwrap_err().to_string();
    assert!(error.contains("passSocket"), "{error}");
}

#[tokio::test]
async fn a_changed_source_restarts_the_sidecar_on_the_same_port() {
    let dir = std::env::temp_dir().join(format!("sidecar-every-os-reload-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("version.txt"), "1").unwrap();
    let mut spec = server("reloads", &[]);
    spec.cwd = Some(dir.clone());
    spec.watch = vec!["*.txt".into()];
    let sidecar = SidecarHandle::new(spec).unwrap();
    let port = start_ready(&sidecar).await.port.unwrap();
    assert_eq!(http_get(port, "/version", None).1, r#"{"version":"1"}"#);

    let mut events = sidecar.subscribe();
    std::fs::write(dir.join("version.txt"), "2").unwrap();
    let restarting = until_state(&mut events, State::Restarting).await;
    assert_eq!(
        restarting.error.as_deref(),
        Some("source changed: version.txt")
    );
    let ready = until_state(&mut events, State::Ready).await;
    assert_eq!(ready.port, Some(port), "the same port");
    assert_eq!(http_get(port, "/version", None).1, r#"{"version":"2"}"#);
    patiently(sidecar.stop()).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
