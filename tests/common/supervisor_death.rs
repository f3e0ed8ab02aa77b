//! The death of a supervising process: the `supervise` example runs a sidecar and is killed, as an
//! app can be, with no exit hook and no destructor. Shared by the suites that check what is left.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;

use super::pids::{alive, PATIENCE};

/// The example `name` of this crate, which cargo builds next to the test binaries (test programs
/// such as `test-server` are examples too).
pub fn example(name: &str) -> PathBuf {
    let deps = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    let exe = deps.parent().unwrap().join("examples").join(file);
    assert!(
        exe.exists(),
        "build the example first: cargo build --example {name} ({})",
        exe.display()
    );
    exe
}

/// Runs `command` as a sidecar under the `supervise` example, and kills the example (SIGKILL;
/// Windows: TerminateProcess) once the sidecar is ready and has printed a pid after each of
/// `markers`. Returns the sidecar's pid and those pids.
pub fn kill_supervisor_running<const N: usize>(
    command: &[&str],
    markers: [&str; N],
) -> (i32, [i32; N]) {
    let mut supervisor = Command::new(example("supervise"))
        .args(command)
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
    let (mut sidecar, mut reported, mut ready) = (None, [None; N], false);
    // The output lines and the ready event arrive in any order: read until all have come.
    while !(ready && reported.iter().all(Option::is_some)) {
        let Ok(line) = lines.recv_timeout(PATIENCE) else {
            let _ = supervisor.kill();
            panic!(
                "the supervisor did not report a ready sidecar and {markers:?} within {PATIENCE:?}"
            );
        };
        for (marker, pid) in markers.iter().zip(&mut reported) {
            if line.contains(marker) {
                *pid = Some(number_after(&line, marker));
            }
        }
        if line.contains("demo: starting pid=") {
            sidecar = Some(number_after(&line, "pid=").max(0));
        }
        ready |= line.contains("demo: ready");
    }
    let sidecar = sidecar.expect("sidecar pid");
    let reported = reported.map(|pid| pid.expect("a reported pid"));
    assert!(alive(sidecar) && reported.iter().all(|pid| alive(*pid)));
    supervisor.kill().unwrap(); // no exit hook, no destructor runs
    supervisor.wait().unwrap();
    (sidecar, reported)
}

/// The number after `prefix` in an output line such as `grandchild pid 1234`.
pub fn number_after(line: &str, prefix: &str) -> i32 {
    let rest = line.split(prefix).nth(1).unwrap_or_default().trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {prefix:?} in {line:?}"))
}
