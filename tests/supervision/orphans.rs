//! 1 + 6: no orphans when the supervising process dies by SIGKILL, and no early death when the
//! runtime's idle threads retire (PR_SET_PDEATHSIG fires when the spawning *thread* exits).

use std::time::Duration;

use tauri_plugin_sidecar::supervisor::{SidecarHandle, State};

use crate::support::*;

/// Runs `python3 tests/fixtures/<fixture_file>` under the `supervise` example and kills the
/// example once the sidecar is ready and has printed a pid after each of `markers`.
fn kill_supervisor_of<const N: usize>(fixture_file: &str, markers: [&str; N]) -> (i32, [i32; N]) {
    let fixture = fixture(fixture_file).display().to_string();
    kill_supervisor_running(&["python3", &fixture], markers)
}

#[test]
fn sigkill_of_the_supervisor_leaves_neither_sidecar_nor_grandchild() {
    let (sidecar, [grandchild]) = kill_supervisor_of("spawns_grandchild.py", ["grandchild pid"]);
    assert!(
        wait_gone(sidecar),
        "sidecar {sidecar} outlived its supervisor"
    );
    assert!(
        wait_gone(grandchild),
        "grandchild {grandchild} outlived the supervisor"
    );
}

#[test]
fn sigkill_of_the_supervisor_leaves_neither_bootloader_nor_its_server() {
    let (bootloader, [server]) = kill_supervisor_of("forwards_sigterm.py", ["server pid"]);
    assert!(
        wait_gone(bootloader),
        "bootloader {bootloader} outlived its supervisor"
    );
    assert!(wait_gone(server), "server {server} outlived the supervisor");
}

/// How soon after the supervisor's SIGKILL the processes that left the group must be gone: the
/// watchdog acts at once; this bounds its sweep of `/proc`.
const ESCAPEES_GONE_WITHIN: Duration = Duration::from_secs(3);

#[test]
fn sigkill_of_the_supervisor_leaves_no_process_that_left_the_group() {
    let (sidecar, escapees) = kill_supervisor_of(
        "escapes_the_group.py",
        ["escaped setsid pid", "escaped daemon pid"],
    );
    assert!(
        wait_gone(sidecar),
        "sidecar {sidecar} outlived its supervisor"
    );
    for pid in escapees {
        assert!(
            wait_gone_within(pid, ESCAPEES_GONE_WITHIN),
            "process {pid}, outside the sidecar's group, outlived the supervisor by {ESCAPEES_GONE_WITHIN:?}"
        );
    }
}

#[test]
fn a_sidecar_outlives_the_runtimes_idle_blocking_threads() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(RETIRING)
        .thread_keep_alive(Duration::from_millis(100))
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let sidecar = SidecarHandle::new(spec("long", "serves_ok.py")).unwrap();
        let mut events = sidecar.subscribe();
        // A blocking thread exists now and will retire after 100 ms of idleness.
        tokio::task::spawn_blocking(|| ()).await.unwrap();
        let pid = start_ready(&sidecar).await.pid.unwrap();
        // A thread's end announces itself by no event that can be awaited here: its `/proc`
        // entry is looked at until only the runtime's worker is left.
        assert!(
            eventually(Duration::from_millis(10), || retiring_runtime_threads()
                == 1)
            .await,
            "the runtime's idle blocking threads did not retire"
        );
        // A retired thread's children got their parent-death signal when it exited: one that
        // still answers was not among them.
        let (_, body) = http_get(sidecar.status().port.unwrap(), "/pid", None);
        assert_eq!(
            body,
            format!(r#"{{"pid": {pid}}}"#),
            "sidecar died with a retired thread"
        );
        assert_eq!(sidecar.status().state, State::Ready);
        assert_eq!(sidecar.status().pid, Some(pid));
        let mut seen = Vec::new();
        while let Ok(status) = events.try_recv() {
            seen.push(status.state);
        }
        assert_eq!(seen, [State::Starting, State::Ready], "no restart happened");
        patiently(sidecar.stop()).await.unwrap();
    });
}

/// The name of the threads of the runtime whose blocking threads retire.
const RETIRING: &str = "retiring";

/// The number of threads of the runtime named `RETIRING`.
fn retiring_runtime_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end() == RETIRING)
        .count()
}
