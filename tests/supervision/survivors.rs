//! Sidecars left running by an earlier run (left on purpose here: started by the test in a
//! process group of their own, recorded in a ledger whose owner is dead) are ended at the next
//! start; a recorded pid that now names another process is never touched.

use std::path::Path;
use std::process::Child;

use serde_json::json;
use tauri_plugin_sidecar::supervisor::{State, Supervisor, Survivor};

use crate::support::*;

#[path = "../common/ledger_files.rs"]
mod ledger_files;
use ledger_files::{dead_owner, identity, lonely_process, write_ledger};

/// What a new run does at startup: ends what dead runs left in `dir`, and starts its own ledger.
fn end_survivors(dir: &Path) -> Vec<Survivor> {
    let supervisor = Supervisor::new(Vec::new()).unwrap();
    let ended = supervisor.keep_ledger_in(dir).unwrap();
    // Its own, empty ledger is not what the tests look at.
    let _ = std::fs::remove_file(dir.join(format!("sidecars-{}.json", std::process::id())));
    ended
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

    assert_eq!(end_survivors(&dir), []);
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
    // Another instance of the app, still running.
    let other_instance = lonely_process();
    write_ledger(
        &dir,
        identity(other_instance.id()),
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
    end(other_instance);
}

#[tokio::test]
async fn a_supervisor_records_running_sidecars_and_forgets_stopped_ones() {
    let dir = scratch("keeping");
    let supervisor = Supervisor::new(vec![spec("kept", "serves_ok.py")]).unwrap();
    supervisor.keep_ledger_in(&dir).unwrap();
    let recorded = || -> serde_json::Value {
        let file = dir.join(format!("sidecars-{}.json", std::process::id()));
        serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap()
    };
    let handle = supervisor.get("kept").unwrap();
    // The ledger is written before the status that goes with it is published.
    let pid = start_ready(handle).await.pid.unwrap();
    let kept = &recorded()["sidecars"]["kept"];
    assert_eq!(
        (&kept["pid"], &kept["processGroup"]),
        (&json!(pid), &json!(pid)),
        "the running sidecar is recorded: {}",
        recorded()
    );
    patiently(supervisor.stop_all()).await;
    assert_eq!(
        recorded()["sidecars"],
        json!({}),
        "a stopped sidecar is forgotten"
    );
    assert_eq!(handle.status().state, State::Stopped);
}
