//! No descendant escapes: a child in a session of its own and a double-forked daemon, outside the
//! sidecar's process group, end with every stop the engine makes. (The app's death: `orphans`.)

use std::time::Duration;

use tauri_plugin_sidecar::supervisor::{SidecarHandle, State, StopOutcome};

use crate::support::*;

const SETSID: &str = "escaped setsid pid";
const DAEMON: &str = "escaped daemon pid";

/// Starts a sidecar of `escapes_the_group.py` whose escaped processes ignore SIGTERM when
/// `ignoring` is set; returns it, once ready, with their pids.
async fn ready_with_escapees(name: &str, ignoring: bool) -> (SidecarHandle, [u32; 2]) {
    let mut spec = spec(name, "escapes_the_group.py");
    spec.shutdown_timeout = Duration::from_millis(300);
    if ignoring {
        spec.env
            .insert("ESCAPEES_IGNORE_SIGTERM".into(), "1".into());
    }
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut lines = sidecar.subscribe_logs();
    start_ready(&sidecar).await;
    let setsid = number_after(
        &until_line(&mut lines, |l| l.starts_with(SETSID)).await,
        SETSID,
    );
    let daemon = number_after(
        &until_line(&mut lines, |l| l.starts_with(DAEMON)).await,
        DAEMON,
    );
    let escapees = [setsid as u32, daemon as u32];
    for pid in escapees {
        assert!(
            alive(pid as i32),
            "escaped process {pid} runs before the stop"
        );
        assert_ne!(
            nix::unistd::getpgid(Some(nix::unistd::Pid::from_raw(pid as i32))).ok(),
            sidecar
                .status()
                .pid
                .map(|p| nix::unistd::Pid::from_raw(p as i32)),
            "process {pid} left the sidecar's group"
        );
    }
    (sidecar, escapees)
}

async fn assert_gone(escapees: [u32; 2]) {
    for pid in escapees {
        assert!(gone(pid).await, "escaped process {pid} outlived the stop");
    }
}

#[tokio::test]
async fn a_stop_asks_escaped_processes_to_stop_and_waits_for_them() {
    let (sidecar, escapees) = ready_with_escapees("escaped-polite", false).await;
    // They exit on the SIGTERM only the stop sends them: had it not, the stop would have had to
    // kill them at the timeout.
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::Graceful
    );
    assert_gone(escapees).await;
}

#[tokio::test]
async fn a_stop_kills_escaped_processes_that_ignore_sigterm() {
    let (sidecar, escapees) = ready_with_escapees("escaped-stubborn", true).await;
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::Killed
    );
    assert_gone(escapees).await;
}

#[tokio::test]
async fn a_crash_ends_the_escaped_processes_before_the_restart() {
    let (sidecar, escapees) = ready_with_escapees("escaped-crash", true).await;
    let mut events = sidecar.subscribe();
    let _ = http_get(sidecar.status().port.unwrap(), "/crash", None);
    until_state(&mut events, State::Restarting).await;
    until_state(&mut events, State::Ready).await;
    assert_gone(escapees).await;
    patiently(sidecar.stop()).await.unwrap();
}
