//! 3 + 8: readiness by HTTP probe, failed starts reported at once, the startup timeout, wait_ready.

use std::time::Duration;

use tauri_plugin_sidecar::supervisor::{RestartPolicy, SidecarHandle, State, SupervisorError};

use crate::support::*;

#[tokio::test]
async fn starting_then_ready_and_wait_ready_hands_out_the_url() {
    let sidecar = SidecarHandle::new(spec("ready", "serves_ok.py")).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    let backend = sidecar.wait_ready(Some(PATIENCE)).await.unwrap();
    assert_eq!(
        states(&mut events, 2).await,
        [State::Starting, State::Ready]
    );
    assert_eq!(backend.url, format!("http://127.0.0.1:{}", backend.port));
    assert_eq!(
        backend.token.as_ref().map(|t| t.len()),
        Some(64),
        "a token by default"
    );
    assert_eq!(http_get(backend.port, "/api/health", None).0, 200);
    // Ready already: resolves at once (no time to wait at all) with the same address.
    assert_eq!(
        sidecar.wait_ready(Some(Duration::ZERO)).await.unwrap(),
        backend
    );
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn a_slow_starter_becomes_ready_when_it_listens() {
    let sidecar = SidecarHandle::new(spec("slow", "ready_after_2s.py")).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    sidecar.wait_ready(Some(PATIENCE)).await.unwrap();
    assert_eq!(
        states(&mut events, 2).await,
        [State::Starting, State::Ready]
    );
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn exiting_before_ready_is_reported_at_once_with_status_and_stderr() {
    let mut spec = spec("exits", "exits_before_ready.py");
    spec.restart.policy = RestartPolicy::Never;
    // Far beyond the test's patience: only an at-once report can pass.
    spec.startup_timeout = Duration::from_secs(3600);
    let sidecar = SidecarHandle::new(spec).unwrap();
    patiently(sidecar.start()).await.unwrap();
    let err = sidecar.wait_ready(Some(PATIENCE)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "sidecar `exits` failed: exited with status 3 before it became ready; \
         last stderr: fatal: config file settings.toml not found"
    );
    assert_eq!(sidecar.status().state, State::Failed);
}

#[tokio::test]
async fn a_health_endpoint_that_never_says_ok_fails_the_start_at_the_timeout_and_ends_it() {
    let sidecar = not_restarted("starting", "answers_starting_forever.py", 1500);
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    let spawned = until_state(&mut events, State::Starting).await.pid;
    assert!(spawned.is_some(), "a process was started");
    let reason = failure_of(&sidecar).await;
    assert!(
        reason.starts_with(r#"was not ready within 1500 ms (last probe: health endpoint answered status "starting" (expected "ok"))"#),
        "{reason}"
    );
    assert_eq!(sidecar.status().pid, None);
    #[cfg(target_os = "linux")]
    assert!(
        gone(spawned.unwrap()).await,
        "the process that timed out was ended"
    );
}

/// A sidecar of `fixture` that is never restarted and has `startup_ms` to become ready.
fn not_restarted(name: &str, fixture: &str, startup_ms: u64) -> SidecarHandle {
    let mut spec = spec(name, fixture);
    spec.restart.policy = RestartPolicy::Never;
    spec.startup_timeout = Duration::from_millis(startup_ms);
    SidecarHandle::new(spec).unwrap()
}

/// Why `sidecar`'s start failed, as `wait_ready` reports it.
async fn failure_of(sidecar: &SidecarHandle) -> String {
    match sidecar.wait_ready(Some(PATIENCE)).await {
        Err(SupervisorError::Failed { reason, .. }) => reason,
        other => panic!("expected a failed start, got {other:?}"),
    }
}

#[tokio::test]
async fn a_configured_expected_status_is_the_one_that_means_ready() {
    let mut spec = spec("healthy", "answers_healthy.py");
    spec.health.expect = "healthy".into();
    let sidecar = SidecarHandle::new(spec).unwrap();
    patiently(sidecar.start()).await.unwrap();
    let backend = sidecar.wait_ready(Some(PATIENCE)).await.unwrap();
    assert_eq!(
        http_get(backend.port, "/api/health", None),
        (200, r#"{"status": "healthy"}"#.into())
    );
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn by_default_only_status_ok_means_ready() {
    let sidecar = not_restarted("not-healthy", "answers_healthy.py", 1000);
    patiently(sidecar.start()).await.unwrap();
    let reason = failure_of(&sidecar).await;
    assert!(
        reason.starts_with(r#"was not ready within 1000 ms (last probe: health endpoint answered status "healthy" (expected "ok"))"#),
        "{reason}"
    );
}

#[tokio::test]
async fn wait_ready_times_out_while_still_starting() {
    let sidecar = SidecarHandle::new(spec("waits", "answers_starting_forever.py")).unwrap();
    patiently(sidecar.start()).await.unwrap();
    let err = sidecar
        .wait_ready(Some(Duration::from_millis(200)))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "sidecar `waits` was not ready within 200 ms"
    );
    assert_eq!(sidecar.status().state, State::Starting);
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn wait_ready_errors_at_once_when_stopped_and_waits_through_a_requested_start() {
    let sidecar = SidecarHandle::new(spec("stopped", "serves_ok.py")).unwrap();
    // No time to wait at all: the answer comes at once.
    assert_eq!(
        sidecar.wait_ready(Some(Duration::ZERO)).await.unwrap_err(),
        SupervisorError::Stopped("stopped".into())
    );
    sidecar.start_in_background();
    // The start request is pending or under way: wait_ready must wait for it, not say "stopped".
    sidecar.wait_ready(Some(PATIENCE)).await.unwrap();
    patiently(sidecar.stop()).await.unwrap();
    assert_eq!(
        sidecar.wait_ready(Some(Duration::ZERO)).await.unwrap_err(),
        SupervisorError::Stopped("stopped".into())
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_child_that_daemonises_fails_its_start_with_a_hint() {
    let mut spec = spec("daemon", "misbehaving_output.py");
    spec.env.insert("MODE".into(), "daemonises".into());
    spec.restart.policy = RestartPolicy::Never;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut lines = sidecar.subscribe_logs();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    let daemon = number_after(
        &until_line(&mut lines, |l| l.starts_with("daemon pid")).await,
        "pid",
    );
    let failed = until_state(&mut events, State::Failed).await;
    // The daemon left the process group (setsid), but carries the start's run tag: the teardown
    // of the exited start ended it.
    assert!(
        gone(daemon as u32).await,
        "daemon {daemon} outlived the failed start"
    );
    let error = failed.error.unwrap_or_default();
    assert!(
        error.contains("exited with status 0 before it became ready")
            && error.contains("foreground"),
        "{error}"
    );
}

#[tokio::test]
async fn a_server_that_logs_every_request_while_starting_is_not_probed_in_a_storm() {
    // Every answer is followed by an output line, which must not bring the next probe forward:
    // the not-ready backoff (5 ms doubling to 100 ms) allows about 14 probes in the second the
    // fixture says "starting", however slow the machine; a probe per line would be hundreds.
    let sidecar = SidecarHandle::new(spec("chatty", "chatty_while_starting.py")).unwrap();
    let port = start_ready(&sidecar).await.port.unwrap();
    let (_, body) = http_get(port, "/counts", None);
    let counts: serde_json::Value = serde_json::from_str(&body).unwrap();
    let probes = counts["starting"].as_u64().unwrap();
    assert!(probes <= 20, "{probes} probes in one second of `starting`");
    patiently(sidecar.stop()).await.unwrap();
}
