//! 4: a ready sidecar is watched: its exit is noticed at once, failed health checks make it unhealthy.

use std::time::Duration;

use tauri_plugin_sidecar::supervisor::{RestartPolicy, SidecarHandle, State};

use crate::support::*;

#[tokio::test]
async fn a_crash_after_ready_is_noticed_with_its_status() {
    let mut spec = spec("crash", "serves_ok.py");
    spec.restart.policy = RestartPolicy::Never;
    // Health checks far apart: only the exit itself can reveal the crash within the test's patience.
    spec.health.interval = Duration::from_secs(3600);
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    let port = start_ready(&sidecar).await.port.unwrap();
    let _ = http_get(port, "/crash", None);
    let failed = until_state(&mut events, State::Failed).await;
    assert_eq!(
        failed.error.as_deref(),
        Some("exited with status 1 while ready; last stderr: crashing on request")
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_server_that_hangs_after_ready_is_unhealthy_after_the_threshold() {
    let mut spec = spec("hang", "hangs_after_ready.py");
    spec.restart.policy = RestartPolicy::Never;
    spec.health.interval = Duration::from_millis(100);
    spec.health.timeout = Duration::from_millis(200);
    spec.health.failure_threshold = 3;
    spec.shutdown_timeout = Duration::from_millis(500);
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    let pid = start_ready(&sidecar).await.pid.unwrap();
    let failed = until_state(&mut events, State::Failed).await;
    // The output is drained before the reason is written: it quotes the server's last words.
    let error = failed.error.unwrap();
    assert!(
        error.starts_with(
            "failed 3 health checks in a row; last: health endpoint did not answer within 200 ms; \
             last stderr: hanging"
        ),
        "{error}"
    );
    assert!(error.ends_with("| shutting down"), "{error}");
    assert!(gone(pid).await, "the hung server was stopped");
}
