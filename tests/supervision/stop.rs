//! 6: stop = SIGTERM to the group, the shutdown timeout, then SIGKILL; nothing of the group is left.

use std::time::{Duration, Instant};

#[cfg(target_os = "linux")]
use tauri_plugin_sidecar::supervisor::SidecarSpec;
use tauri_plugin_sidecar::supervisor::{
    RestartPolicy, SidecarHandle, State, StopOutcome, SupervisorError,
};

use crate::support::*;

/// Stops `sidecar` and returns how, and how long the stop took.
async fn timed_stop(sidecar: &SidecarHandle) -> (StopOutcome, Duration) {
    let began = Instant::now();
    let outcome = patiently(sidecar.stop()).await.unwrap();
    (outcome, began.elapsed())
}

/// Checks that a stop that killed took the configured `shutdown_timeout`: not less (the kill
/// waited it out), and well below the default (the configured one, not the default, was used).
#[cfg(target_os = "linux")]
fn assert_killed_after(took: Duration, shutdown_timeout: Duration) {
    let default = SidecarSpec::new("default", "python3", vec![]).shutdown_timeout;
    assert!(
        took >= shutdown_timeout && took < default,
        "the stop took {took:?}; shutdown timeout {shutdown_timeout:?}, default {default:?}"
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_cooperative_child_stops_gracefully_and_frees_its_port() {
    let sidecar = SidecarHandle::new(spec("graceful", "serves_ok.py")).unwrap();
    let mut lines = sidecar.subscribe_logs();
    let ready = start_ready(&sidecar).await;
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::Graceful
    );
    until_line(&mut lines, |l| l == "shutting down").await;
    assert!(!alive(ready.pid.unwrap() as i32));
    std::net::TcpListener::bind(("127.0.0.1", ready.port.unwrap()))
        .expect("the port is free again");
    assert_eq!(sidecar.status().state, State::Stopped);
    assert_eq!(sidecar.status().pid, None);
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_child_that_ignores_sigterm_is_killed_after_the_timeout() {
    let shutdown_timeout = Duration::from_millis(300);
    let mut spec = spec("stubborn", "ignores_sigterm.py");
    spec.shutdown_timeout = shutdown_timeout;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let pid = start_ready(&sidecar).await.pid.unwrap();
    let (outcome, took) = timed_stop(&sidecar).await;
    assert_eq!(outcome, StopOutcome::Killed);
    assert_killed_after(took, shutdown_timeout);
    assert!(!alive(pid as i32));
}

#[tokio::test]
async fn a_stop_closes_the_lifeline_so_a_child_that_ignores_sigterm_still_exits_gracefully() {
    let mut spec = spec("lifeline", "exits_when_stdin_closes.py");
    spec.shutdown_timeout = PATIENCE;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut lines = sidecar.subscribe_logs();
    start_ready(&sidecar).await;
    let (outcome, _) = timed_stop(&sidecar).await;
    assert_eq!(outcome, StopOutcome::Graceful);
    until_line(&mut lines, |l| l == "lifeline closed").await;
}

#[tokio::test]
async fn the_child_is_told_its_contract_in_tauri_sidecar() {
    let mut spec = spec("told", "exits_when_stdin_closes.py");
    spec.token_env = Some("TOLD_TOKEN".into());
    spec.health.path = "/healthz".into();
    spec.page_origins = vec!["http://localhost:1420".into()];
    spec.shutdown_timeout = Duration::from_millis(1234);
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut lines = sidecar.subscribe_logs();
    patiently(sidecar.start()).await.unwrap();
    let line = until_line(&mut lines, |l| l.starts_with("contract ")).await;
    let contract: serde_json::Value = serde_json::from_str(&line["contract ".len()..]).unwrap();
    assert_eq!(
        contract,
        serde_json::json!({"v": 1, "name": "told", "portEnv": "PORT", "tokenEnv": "TOLD_TOKEN",
                           "healthPath": "/healthz", "socketFd": null,
                           "origins": ["http://localhost:1420"], "shutdownTimeoutMs": 1234,
                           "dependencies": {}})
    );
    patiently(sidecar.stop()).await.unwrap();
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_grandchild_that_ignores_sigterm_is_killed_after_the_timeout() {
    let shutdown_timeout = Duration::from_millis(300);
    let mut spec = spec("tree", "spawns_grandchild.py");
    spec.shutdown_timeout = shutdown_timeout;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut lines = sidecar.subscribe_logs();
    patiently(sidecar.start()).await.unwrap();
    let grandchild = number_after(
        &until_line(&mut lines, |l| l.starts_with("grandchild pid")).await,
        "pid",
    );
    until_line(&mut lines, |l| l == "grandchild ignores SIGTERM").await;
    sidecar.wait_ready(Some(PATIENCE)).await.unwrap();
    assert!(alive(grandchild));
    // The sidecar itself exits on SIGTERM; the stop still waits for its whole group.
    let (outcome, took) = timed_stop(&sidecar).await;
    assert_eq!(outcome, StopOutcome::Killed);
    assert_killed_after(took, shutdown_timeout);
    assert!(
        gone(grandchild as u32).await,
        "grandchild {grandchild} survived the stop"
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_bootloader_like_parent_and_its_server_child_both_stop() {
    let sidecar = SidecarHandle::new(spec("bootloader", "forwards_sigterm.py")).unwrap();
    let mut lines = sidecar.subscribe_logs();
    patiently(sidecar.start()).await.unwrap();
    let server = number_after(
        &until_line(&mut lines, |l| l.starts_with("server pid")).await,
        "pid",
    );
    let ready = sidecar.wait_ready(Some(PATIENCE)).await.unwrap();
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::Graceful
    );
    until_line(&mut lines, |l| l == "shutting down").await;
    assert!(gone(server as u32).await);
    std::net::TcpListener::bind(("127.0.0.1", ready.port)).expect("the port is free again");
}

#[tokio::test]
async fn stop_is_idempotent_and_valid_before_any_start() {
    let sidecar = SidecarHandle::new(spec("idem", "serves_ok.py")).unwrap();
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::NotRunning
    );
    start_ready(&sidecar).await;
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::Graceful
    );
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::NotRunning
    );
    assert_eq!(sidecar.status().state, State::Stopped);
}

#[tokio::test]
async fn two_stops_at_once_both_return_and_only_one_stops_the_process() {
    let sidecar = SidecarHandle::new(spec("twice", "serves_ok.py")).unwrap();
    let ready = start_ready(&sidecar).await;
    // Both requests are sent before either is answered.
    let (first, second) = patiently(async { tokio::join!(sidecar.stop(), sidecar.stop()) }).await;
    let outcomes = (first.unwrap(), second.unwrap());
    assert!(
        matches!(
            outcomes,
            (StopOutcome::Graceful, StopOutcome::NotRunning)
                | (StopOutcome::NotRunning, StopOutcome::Graceful)
        ),
        "{outcomes:?}"
    );
    assert_eq!(sidecar.status().state, State::Stopped);
    std::net::TcpListener::bind(("127.0.0.1", ready.port.unwrap()))
        .expect("the port is free again");
    #[cfg(target_os = "linux")]
    assert!(gone(ready.pid.unwrap()).await);
}

#[tokio::test]
async fn stopping_a_failed_sidecar_leaves_it_stopped_without_the_error() {
    let mut spec = spec("given-up", "exits_before_ready.py");
    spec.restart.policy = RestartPolicy::Never;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    let failed = until_state(&mut events, State::Failed).await;
    assert!(failed.error.is_some());
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::NotRunning
    );
    let stopped = until_state(&mut events, State::Stopped).await;
    assert_eq!((stopped.error.as_deref(), stopped.pid), (None, None));
    assert_eq!(sidecar.status(), stopped);
    assert_eq!(
        sidecar.wait_ready(Some(Duration::ZERO)).await.unwrap_err(),
        SupervisorError::Stopped("given-up".into())
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_stop_while_starting_ends_the_start() {
    let sidecar = SidecarHandle::new(spec("early", "ready_after_2s.py")).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    let pid = until_state(&mut events, State::Starting).await.pid.unwrap();
    patiently(sidecar.stop()).await.unwrap();
    assert!(!alive(pid as i32));
    assert_eq!(
        states(&mut events, 2).await,
        [State::Stopping, State::Stopped]
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn dropping_every_handle_stops_the_sidecar() {
    let mut spec = spec("dropped", "spawns_grandchild.py");
    spec.shutdown_timeout = Duration::from_millis(300);
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut lines = sidecar.subscribe_logs();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    let grandchild = number_after(
        &until_line(&mut lines, |l| l.starts_with("grandchild pid")).await,
        "pid",
    );
    let pid = until_state(&mut events, State::Ready).await.pid.unwrap();
    drop(sidecar);
    assert!(gone(pid).await);
    assert!(gone(grandchild as u32).await);
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_wrapper_shell_that_dies_at_once_leaves_its_server_time_to_shut_down() {
    // `sh -c "python3 app.py; exit $?"`: the shell (the group's leader) dies of SIGTERM at once;
    // its Python child needs 300 ms. The stop waits for the whole group, as systemd does.
    let command = format!("python3 {}; exit $?", fixture("slow_shutdown.py").display());
    let sidecar = SidecarHandle::new(SidecarSpec::new(
        "wrapped",
        "sh",
        vec!["-c".into(), command],
    ))
    .unwrap();
    let mut lines = sidecar.subscribe_logs();
    start_ready(&sidecar).await;
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::Graceful
    );
    until_line(&mut lines, |l| l == "finished shutting down").await;
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_process_that_survives_sigkill_does_not_hang_the_stop() {
    let shutdown_timeout = Duration::from_millis(200);
    let mut spec = spec("stuck", "cannot_finish_dying.py");
    spec.shutdown_timeout = shutdown_timeout;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut lines = sidecar.subscribe_logs();
    patiently(sidecar.start()).await.unwrap();
    let tracer = number_after(
        &until_line(&mut lines, |l| l.starts_with("tracer pid")).await,
        "pid",
    );
    let pid = sidecar
        .wait_ready(Some(PATIENCE))
        .await
        .map(|_| sidecar.status().pid.unwrap());
    let began = Instant::now();
    let stopped = tokio::time::timeout(PATIENCE, sidecar.stop()).await;
    let took = began.elapsed();
    // Release the process before asserting, so that a failure leaves nothing behind.
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(tracer),
        nix::sys::signal::Signal::SIGKILL,
    );
    let stopped = stopped.expect("stop() returns although the process is still there");
    assert_eq!(stopped.unwrap(), StopOutcome::Unkillable);
    assert!(
        took >= shutdown_timeout,
        "gave up after {took:?}, before the shutdown timeout of {shutdown_timeout:?}"
    );
    assert_eq!(sidecar.status().state, State::Stopped);
    assert!(gone(pid.unwrap()).await, "released, the process ends");
}

#[cfg(target_os = "linux")]
#[test]
fn a_runtime_shut_down_without_a_stop_takes_the_whole_group_with_it() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (pid, grandchild) = runtime.block_on(async {
        let sidecar = SidecarHandle::new(spec("abandoned", "spawns_grandchild.py")).unwrap();
        let mut lines = sidecar.subscribe_logs();
        patiently(sidecar.start()).await.unwrap();
        let grandchild = number_after(
            &until_line(&mut lines, |l| l.starts_with("grandchild pid")).await,
            "pid",
        );
        sidecar.wait_ready(Some(PATIENCE)).await.unwrap();
        // The handle stays alive: only the runtime's end can stop the sidecar.
        let pid = sidecar.status().pid.unwrap();
        std::mem::forget(sidecar);
        (pid, grandchild)
    });
    drop(runtime);
    assert!(wait_gone(pid as i32), "the sidecar outlived its runtime");
    assert!(
        wait_gone(grandchild),
        "grandchild {grandchild} outlived the sidecar's runtime"
    );
}
