//! Ledger files of an earlier run, written by hand: processes left running on purpose, the
//! identity a ledger records, and an owner that has died.

use std::path::Path;
use std::process::{Child, Command};

use serde_json::json;

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
pub fn lonely_process() -> Child {
    use std::os::unix::process::CommandExt;
    Command::new(python())
        .args(["-c", "import time; time.sleep(120)"])
        .process_group(0)
        .spawn()
        .unwrap()
}

/// The identity of a process that has ended: the owner of a previous run.
pub fn dead_owner() -> serde_json::Value {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    json!({"pid": pid, "startTime": 1, "exe": "/usr/bin/true"})
}

/// A running process as a ledger records it: pid, start time and executable, read the way the
/// plugin reads them.
pub fn identity(pid: u32) -> serde_json::Value {
    use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};
    let mut system = System::new();
    let pid = Pid::from_u32(pid);
    system.refresh_processes_specifics(
        ProcessesToUpdate::Some(&[pid]),
        true,
        ProcessRefreshKind::nothing().with_exe(UpdateKind::Always),
    );
    let process = system.process(pid).expect("the process runs");
    json!({"pid": pid.as_u32(), "startTime": process.start_time(), "exe": process.exe()})
}

/// Writes a ledger file of `owner` in `dir`, recording `sidecars`.
pub fn write_ledger(dir: &Path, owner: serde_json::Value, sidecars: serde_json::Value) {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join(format!("sidecars-{}.json", owner["pid"]));
    std::fs::write(
        file,
        json!({"owner": owner, "sidecars": sidecars}).to_string(),
    )
    .unwrap();
}
