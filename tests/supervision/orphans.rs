//! 1 + 6: no orphans when the supervising process dies by SIGKILL, and no early death when the
//! runtime's idle threads retire (PR_SET_PDEATHSIG fires when the spawning *thread* exits).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tauri_plugin_sidecar::supervisor::{SidecarHandle, State};

use crate::support::*;

/// The `supervise` example, which cargo builds next to the test binaries.
fn supervise_example() -> PathBuf {
    let deps = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let exe = deps.parent().unwrap().join("examples").join("supervise");
    assert!(
        exe.exists(),
        "build the example first: cargo build --example supervise ({})",
        exe.display()
    );
    exe
}

/// Runs the example as the supervising process and SIGKILLs it once the sidecar is ready.
/// Returns the pids that the sidecar's tree reported.
fn kill_supervisor_of(fixture_file: &str, child_marker: &str) -> (i32, i32) {
    let mut supervisor = Command::new(supervise_example())
        .args(["python3", &fixture(fixture_file).display().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Read on a thread of its own, so that a supervisor that falls silent fails the test.
    let (tx, lines) = mpsc::channel();
    let stdout = supervisor.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let (mut sidecar, mut child, mut ready) = (None, None, false);
    // The child's output line and the ready event arrive in either order: read until both.
    while !(ready && child.is_some()) {
        let Ok(line) = lines.recv_timeout(PATIENCE) else {
            let _ = supervisor.kill();
            panic!(
                "the supervisor did not report a ready sidecar and its child within {PATIENCE:?}"
            );
        };
        if line.contains(child_marker) {
            child = Some(number_after(&line, child_marker));
        }
        if line.contains("demo: starting pid=") {
            sidecar = Some(number_after(&line, "pid=").max(0));
        }
        ready |= line.contains("demo: ready");
    }
    let (sidecar, child) = (sidecar.expect("sidecar pid"), child.expect("child pid"));
    assert!(alive(sidecar) && alive(child));
    supervisor.kill().unwrap(); // SIGKILL: no exit hook, no destructor runs
    supervisor.wait().unwrap();
    (sidecar, child)
}

#[test]
fn sigkill_of_the_supervisor_leaves_neither_sidecar_nor_grandchild() {
    let (sidecar, grandchild) = kill_supervisor_of("spawns_grandchild.py", "grandchild pid");
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
    let (bootloader, server) = kill_supervisor_of("forwards_sigterm.py", "server pid");
    assert!(
        wait_gone(bootloader),
        "bootloader {bootloader} outlived its supervisor"
    );
    assert!(wait_gone(server), "server {server} outlived the supervisor");
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
