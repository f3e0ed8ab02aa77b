//! Sidecars left running by an earlier run (left on purpose here: started by the test in a
//! process group of their own, recorded in a ledger whose owner is dead) are ended at the next
//! start; a recorded pid that now names another process is never touched.

use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

use serde_json::json;
use tauri_plugin_sidecar::supervisor::platform::ledger::{end_survivors, Ledger, ProcessIdentity};

use crate::support::*;

/// The Python interpreter itself, not a launcher (`pyenv` shims exec it after a while, changing
/// the executable that the ledger matches).
fn python() -> String {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A process of its own group that would outlive any supervisor: `sleep`-like Python.
fn lonely_process() -> Child {
    use std::os::unix::process::CommandExt;
    Command::new(python())
        .args(["-c", "import time; time.sleep(120)"])
        .process_group(0)
        .spawn()
        .unwrap()
}

/// The identity of a process that has ended: the owner of a previous run.
fn dead_owner() -> serde_json::Value {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    json!({"pid": pid, "startTime": 1, "exe": "/usr/bin/true"})
}

fn identity(pid: u32) -> serde_json::Value {
    serde_json::to_value(ProcessIdentity::of(pid).expect("the process runs")).unwrap()
}

fn write_ledger(dir: &Path, owner: serde_json::Value, sidecars: serde_json::Value) {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join(format!("sidecars-{}.json", owner["pid"]));
    std::fs::write(
        file,
        json!({"owner": owner, "sidecars": sidecars}).to_string(),
    )
    .unwrap();
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sidecar-ledger-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn end(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn a_survivor_of_a_dead_run_is_ended_and_its_ledger_removed() {
    let dir = scratch("dead-owner");
    let survivor = lonely_process();
    let pid = survivor.id();
    let mut recorded = identity(pid);
    recorded["processGroup"] = json!(pid);
    write_ledger(&dir, dead_owner(), json!({"api": recorded}));

    let found = end_survivors(&dir);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ended && found[0].pid == pid && found[0].name == "api");
    assert!(gone(pid).await, "survivor {pid} was not ended");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "the ledger is removed"
    );
    drop(survivor);
}

#[tokio::test]
async fn a_recycled_pid_is_never_touched() {
    let dir = scratch("recycled");
    let bystander = lonely_process();
    let pid = bystander.id();
    let mut other_start = identity(pid);
    other_start["startTime"] = json!(other_start["startTime"].as_u64().unwrap() - 3600);
    let mut other_exe = identity(pid);
    other_exe["exe"] = json!("/opt/elsewhere/main");
    write_ledger(
        &dir,
        dead_owner(),
        json!({"a": other_start, "b": other_exe}),
    );

    let found = end_survivors(&dir);
    assert!(found.iter().all(|s| !s.ended), "{found:?}");
    assert!(
        alive(pid as i32),
        "a process whose start time or executable differs was ended"
    );
    end(bystander);
}

#[tokio::test]
async fn the_sidecars_of_a_running_instance_are_left_alone() {
    let dir = scratch("live-owner");
    let sidecar = lonely_process();
    let pid = sidecar.id();
    write_ledger(
        &dir,
        identity(std::process::id()),
        json!({"api": identity(pid)}),
    );

    assert_eq!(end_survivors(&dir), []);
    assert!(alive(pid as i32));
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "the live owner's ledger stays"
    );
    end(sidecar);
}

#[tokio::test]
async fn a_supervisor_records_running_sidecars_and_forgets_stopped_ones() {
    let dir = scratch("keeping");
    let ledger = std::sync::Arc::new(Ledger::create(&dir).unwrap());
    let supervisor =
        tauri_plugin_sidecar::supervisor::Supervisor::new(vec![spec("kept", "serves_ok.py")])
            .unwrap();
    supervisor.keep_ledger(ledger.clone());
    let handle = supervisor.get("kept").unwrap();
    let mut events = handle.subscribe();
    patiently(handle.start()).await.unwrap();
    let pid = until_state(&mut events, tauri_plugin_sidecar::supervisor::State::Ready)
        .await
        .pid
        .unwrap();
    let recorded = || -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(ledger.path()).unwrap()).unwrap()
    };
    // The ledger is written by a task that follows the status and announces nothing: after the
    // status event, the file itself is all there is to look at.
    let written = eventually(Duration::from_millis(5), || {
        let kept = &recorded()["sidecars"]["kept"];
        kept["pid"] == json!(pid) && kept["processGroup"] == json!(pid)
    })
    .await;
    assert!(written, "the running sidecar is recorded: {}", recorded());
    patiently(supervisor.stop_all()).await;
    let forgotten = eventually(Duration::from_millis(5), || {
        recorded()["sidecars"].as_object().unwrap().is_empty()
    })
    .await;
    assert!(forgotten, "a stopped sidecar is forgotten: {}", recorded());
}
