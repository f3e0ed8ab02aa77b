//! Health endpoints that misbehave: each start ends in a clear state with a reason, within the
//! probe timeout and the body cap, and nothing panics.

use std::time::Duration;

use tauri_plugin_sidecar::supervisor::{RestartPolicy, SidecarHandle, State, Status};

use crate::support::*;

/// Runs the hostile fixture in `mode` (no restarts, 3 s to become ready, 500 ms per probe) and
/// returns the status it ends in: `ready` or `failed`.
async fn outcome(mode: &str) -> Status {
    let mut spec = spec(&format!("hostile-{mode}"), "hostile_health.py");
    spec.env.insert("MODE".into(), mode.into());
    spec.restart.policy = RestartPolicy::Never;
    spec.startup_timeout = Duration::from_millis(3000);
    spec.health.timeout = Duration::from_millis(500);
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    let end = until_state_in(&mut events, &[State::Ready, State::Failed]).await;
    patiently(sidecar.stop()).await.unwrap();
    end
}

async fn assert_fails_with(mode: &str, reason: &str) {
    let status = outcome(mode).await;
    assert_eq!(status.state, State::Failed, "{mode}: {status:?}");
    let error = status.error.unwrap_or_default();
    assert!(
        error.contains("was not ready within 3000 ms") && error.contains(reason),
        "{mode}: {error}"
    );
}

#[tokio::test]
async fn garbage_instead_of_http_fails_the_start() {
    assert_fails_with("garbage", "health request failed").await;
}

#[tokio::test]
async fn another_protocol_fails_the_start() {
    assert_fails_with("not_http", "health request failed").await;
}

#[tokio::test]
async fn huge_headers_fail_the_start() {
    assert_fails_with("huge_headers", "health request failed").await;
}

#[tokio::test]
async fn a_huge_body_is_cut_at_the_cap_and_fails_the_start() {
    assert_fails_with("huge_body", "reading the health body failed").await;
}

#[tokio::test]
async fn an_answer_at_one_byte_a_second_times_out() {
    assert_fails_with("slow", "did not answer within 500 ms").await;
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_not_ready() {
    assert_fails_with("redirect_loop", "answered HTTP 302").await;
}

#[tokio::test]
async fn a_2xx_with_another_status_is_not_ready() {
    assert_fails_with(
        "wrong_status",
        r#"answered status "degraded" (expected "ok")"#,
    )
    .await;
}

#[tokio::test]
async fn a_2xx_whose_body_is_not_json_counts_as_ready() {
    // Documented rule: the body is only checked when it is a JSON object with `status`.
    assert_eq!(outcome("invalid_json").await.state, State::Ready);
}
