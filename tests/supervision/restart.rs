//! 5: restart policy, backoff and the restart budget.

use std::time::Duration;

use tauri_plugin_sidecar::supervisor::{
    RestartPolicy, SidecarHandle, SidecarSpec, State, StopOutcome,
};

use crate::support::*;

use State::{Failed, Ready, Restarting, Starting, Stopped};

#[tokio::test]
async fn a_crash_loop_ends_in_failed_after_the_budget() {
    let mut spec = spec("loop", "serves_ok.py");
    spec.restart.max_restarts = 2;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    // Every run crashes on request once it is ready: the sequence cannot depend on the load.
    let seen = states_until(&mut events, Failed, crash_when_ready).await;
    assert_eq!(
        seen,
        [Starting, Ready, Restarting, Starting, Ready, Restarting, Starting, Ready, Failed]
    );
    let status = sidecar.status();
    assert_eq!(status.restarts, 2);
    let error = status.error.unwrap();
    assert!(
        error.starts_with(
            "gave up after 2 restarts within 60000 ms; last failure: exited with status 1"
        ),
        "{error}"
    );
}

#[tokio::test]
async fn failed_starts_count_toward_the_budget() {
    let mut spec = spec("failing", "exits_before_ready.py");
    spec.restart.max_restarts = 3;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    let failed = until_state(&mut events, Failed).await;
    assert_eq!(failed.restarts, 3);
    let error = failed.error.unwrap();
    assert!(
        error.contains("exited with status 3 before it became ready"),
        "{error}"
    );
    // The last start's stderr, quoted once: not every start's.
    assert_eq!(
        error.matches("settings.toml not found").count(),
        1,
        "{error}"
    );
}

#[tokio::test]
async fn restarting_carries_the_reason_and_a_new_process_comes_up() {
    let sidecar = SidecarHandle::new(spec("again", "serves_ok.py")).unwrap();
    let mut events = sidecar.subscribe();
    let first = start_ready(&sidecar).await;
    let _ = http_get(first.port.unwrap(), "/crash", None);
    let restarting = until_state(&mut events, Restarting).await;
    assert_eq!(restarting.restarts, 1);
    assert!(restarting
        .error
        .unwrap()
        .starts_with("exited with status 1 while ready"));
    let second = until_state(&mut events, Ready).await;
    assert_ne!(second.pid, first.pid);
    assert_eq!(second.error, None);
    assert_eq!(http_get(second.port.unwrap(), "/api/health", None).0, 200);
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn a_restart_after_a_crash_serves_on_a_newly_chosen_free_port() {
    let mut spec = spec("new-port", "serves_ok.py");
    // Time to take the old port between the crash and the next start.
    spec.restart.initial_delay = Duration::from_millis(300);
    spec.restart.max_delay = Duration::from_millis(300);
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    let first = start_ready(&sidecar).await;
    let old_port = first.port.unwrap();
    let _ = http_get(old_port, "/crash", None);
    until_state(&mut events, Restarting).await;
    // Held, the old port cannot be handed out again: only a port chosen anew can serve.
    let held = std::net::TcpListener::bind(("127.0.0.1", old_port))
        .expect("the crashed process no longer holds its port");
    let second = until_state(&mut events, Ready).await;
    let new_port = second.port.unwrap();
    assert_ne!(new_port, old_port);
    assert_eq!(
        second.url.as_deref(),
        Some(format!("http://127.0.0.1:{new_port}").as_str())
    );
    assert_eq!(http_get(new_port, "/api/health", None).0, 200);
    let (_, body) = http_get(new_port, "/pid", None);
    let serving: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(serving["pid"], serde_json::json!(second.pid.unwrap()));
    #[cfg(target_os = "linux")]
    assert!(gone(first.pid.unwrap()).await);
    patiently(sidecar.stop()).await.unwrap();
    drop(held);
}

#[tokio::test]
async fn a_stop_during_backoff_cancels_the_pending_restart() {
    let backoff = Duration::from_millis(150);
    let mut spec = spec_with_backoff("backoff", backoff);
    let starts = Starts::recorded_by(&mut spec);
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    until_state(&mut events, Restarting).await;
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::NotRunning,
        "the stop came during the backoff, with nothing running"
    );
    assert_eq!(states(&mut events, 1).await, [Stopped]);

    // No event says that a restart did not happen, but one says that its time has passed: a
    // second sidecar, whose backoff is four times as long and begins only now, restarting.
    let mut witness = spec_with_backoff("backoff-witness", backoff * 4);
    witness.restart.max_restarts = 1;
    let witness = SidecarHandle::new(witness).unwrap();
    let mut witness_events = witness.subscribe();
    patiently(witness.start()).await.unwrap();
    until_state(&mut witness_events, Restarting).await;
    until_state(&mut witness_events, Starting).await;

    assert_eq!(starts.count(), 1, "the cancelled restart ran");
    assert!(events.try_recv().is_err(), "no status after `stopped`");
    assert_eq!(sidecar.status().state, Stopped);
}

/// `exits_before_ready.py` restarted after `backoff`.
fn spec_with_backoff(name: &str, backoff: Duration) -> SidecarSpec {
    let mut spec = spec(name, "exits_before_ready.py");
    spec.restart.initial_delay = backoff;
    spec.restart.max_delay = backoff;
    spec
}

#[tokio::test]
async fn a_requested_stop_never_restarts_even_with_policy_always() {
    let mut spec = spec("always", "serves_ok.py");
    spec.restart.policy = RestartPolicy::Always;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    start_ready(&sidecar).await;
    assert_eq!(states(&mut events, 2).await, [Starting, Ready]);
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::Graceful
    );
    assert_eq!(states(&mut events, 2).await, [State::Stopping, Stopped]);
    // The next event is the one we cause, not a restart.
    patiently(sidecar.start()).await.unwrap();
    assert_eq!(states(&mut events, 1).await, [Starting]);
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn a_clean_exit_under_on_failure_stays_stopped() {
    let sidecar = SidecarHandle::new(spec("clean", "serves_ok.py")).unwrap();
    let mut events = sidecar.subscribe();
    let ready = start_ready(&sidecar).await;
    let _ = http_get(ready.port.unwrap(), "/exit0", None);
    // A restart would show as `restarting` where `stopped` stands.
    assert_eq!(states(&mut events, 3).await, [Starting, Ready, Stopped]);
    assert_eq!(sidecar.status().restarts, 0);
    assert_eq!(sidecar.status().error, None);
}

#[tokio::test]
async fn start_after_failed_begins_with_a_fresh_budget() {
    let mut spec = spec("fresh", "exits_before_ready.py");
    spec.restart.max_restarts = 1;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    assert_eq!(until_state(&mut events, Failed).await.restarts, 1);
    patiently(sidecar.start()).await.unwrap();
    assert_eq!(until_state(&mut events, Restarting).await.restarts, 1);
    assert_eq!(until_state(&mut events, Failed).await.restarts, 1);
}

#[tokio::test]
async fn staying_ready_longer_than_reset_after_brings_back_the_first_delay() {
    let logged = capture_logs("steadied");
    let reset_after = Duration::from_millis(500);
    let mut spec = spec("steadied", "serves_ok.py");
    spec.restart.initial_delay = Duration::from_millis(20);
    spec.restart.max_delay = Duration::from_secs(10);
    spec.restart.reset_after = reset_after;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    // Two crashes as soon as it is ready: the delay doubles.
    for _ in 0..2 {
        crash_when_ready(&until_state(&mut events, Ready).await);
        until_state(&mut events, Restarting).await;
    }
    // Then ready for longer than `reset_after`: only time passing can show this behaviour.
    let ready = until_state(&mut events, Ready).await;
    tokio::time::sleep(reset_after * 2).await;
    crash_when_ready(&ready);
    let third = until_state(&mut events, Restarting).await;
    assert_eq!(third.restarts, 3, "the restart count goes on");

    let delays: Vec<i32> = logged
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.contains("sidecar `steadied`: ") && r.contains("restarting in"))
        .map(|r| number_after(r, "restarting in"))
        .collect();
    // 20, 40, then 20 ms again, each moved up to 20 % by jitter (and cut to whole ms).
    assert!(
        matches!(delays.as_slice(), [15..=24, 31..=48, 15..=24]),
        "announced delays: {delays:?}"
    );
    patiently(sidecar.stop()).await.unwrap();
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn restart_replaces_a_ready_process() {
    let sidecar = SidecarHandle::new(spec("manual", "serves_ok.py")).unwrap();
    let first = start_ready(&sidecar).await;
    let mut events = sidecar.subscribe();
    patiently(sidecar.restart()).await.unwrap();
    let second = until_state(&mut events, Ready).await;
    assert_ne!(first.pid, second.pid);
    assert!(gone(first.pid.unwrap()).await);
    assert_eq!(second.restarts, 0);
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn a_requested_start_of_a_failed_sidecar_goes_straight_to_starting_with_a_fresh_count() {
    let mut spec = spec("again", "exits_before_ready.py");
    spec.restart.max_restarts = 1;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    let failed = until_state(&mut events, Failed).await;
    assert_eq!(failed.restarts, 1);

    patiently(sidecar.start()).await.unwrap();
    let mut seen = Vec::new();
    states_until(&mut events, Failed, |status| {
        seen.push((status.state, status.restarts))
    })
    .await;
    assert_eq!(
        seen,
        [(Starting, 0), (Restarting, 1), (Starting, 1), (Failed, 1)]
    );
}

#[tokio::test]
async fn waiting_for_a_start_that_fails_exactly_as_the_last_one_did_gets_the_failure() {
    // A program that does not exist: every start fails the same way, so the status after the
    // second start equals the status before it.
    let mut spec = spec("missing", "serves_ok.py");
    spec.program = "/nonexistent/sidecar".into();
    spec.restart.policy = RestartPolicy::Never;
    let sidecar = SidecarHandle::new(spec).unwrap();
    patiently(sidecar.start()).await.unwrap();
    let first = sidecar.wait_ready(Some(PATIENCE)).await.unwrap_err();
    // Waiting begins while the start is still on its way, as a page that starts a sidecar and
    // asks for its URL at once does.
    sidecar.start_in_background();
    let second = sidecar.wait_ready(Some(PATIENCE)).await.unwrap_err();
    assert_eq!(second, first);
    assert!(
        second
            .to_string()
            .contains("cannot run `/nonexistent/sidecar`"),
        "{second}"
    );
}
