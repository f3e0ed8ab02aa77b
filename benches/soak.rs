//! Soak: 1,000 crash/restart cycles of a real Python sidecar, then 32 sidecars probed every second
//! for a while. Prints the supervising process's open file descriptors, threads and resident
//! memory along the way; a leak shows as growth between the rows. Asserts nothing.
//!
//! ```sh
//! cargo bench --bench soak                              # 1,000 cycles, then 32 sidecars for 60 s
//! SOAK_CYCLES=100 SOAK_SECS=10 cargo bench --bench soak # quicker
//! ```

mod common;
use common::{env_or, python_spec};

use std::time::{Duration, Instant};

use tauri_plugin_sidecar::supervisor::{RestartPolicy, State, Supervisor};

/// Open fds, threads and resident memory of this process (Linux `/proc/self`).
fn usage(label: &str) -> String {
    let fds = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count());
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    format!(
        "| {label} | {fds} | {} | {} |",
        field("Threads:"),
        field("VmRSS:")
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let cycles = env_or("SOAK_CYCLES", 1000) as u32;
    let secs = env_or("SOAK_SECS", 60);
    let mut rows = vec![
        "| moment | open fds | threads | resident memory |".to_owned(),
        "|---|---:|---:|---:|".to_owned(),
        usage("start"),
    ];

    // Phase 1: a sidecar that exits 50 ms after its first healthy answer, restarted at once.
    let mut crashing = python_spec("crashing", "crashes_after_ready.py");
    crashing.restart.policy = RestartPolicy::Always;
    crashing.restart.max_restarts = u32::MAX;
    crashing.restart.initial_delay = Duration::from_millis(1);
    crashing.restart.max_delay = Duration::from_millis(1);
    let supervisor = Supervisor::new(vec![crashing]).unwrap();
    let handle = supervisor.get("crashing").unwrap();
    let mut status = handle.watch();
    handle.start().await.unwrap();
    let started = Instant::now();
    let mut noted_warm = false;
    loop {
        let restarts = status.borrow_and_update().restarts;
        if !noted_warm && restarts >= 20 {
            rows.push(usage("after 20 crash/restart cycles"));
            noted_warm = true;
        }
        if restarts >= cycles {
            break;
        }
        status.changed().await.unwrap();
    }
    let elapsed = started.elapsed();
    rows.push(usage(&format!("after {cycles} crash/restart cycles")));
    supervisor.stop_all().await;
    drop(supervisor);
    rows.push(usage("after stopping it"));
    eprintln!(
        "{cycles} cycles in {:.1} s ({:.0} ms per cycle)",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / cycles as f64
    );

    // Phase 2: 32 healthy sidecars, probed every second.
    let specs = (0..32)
        .map(|i| {
            let mut s = python_spec(format!("steady-{i}"), "serves_ok.py");
            s.health.interval = Duration::from_secs(1);
            s
        })
        .collect();
    let supervisor = Supervisor::new(specs).unwrap();
    supervisor.start_all();
    for handle in supervisor.handles() {
        handle
            .wait_ready(Some(Duration::from_secs(60)))
            .await
            .unwrap();
    }
    rows.push(usage("32 sidecars ready"));
    let step = (secs / 3).max(1);
    for t in (step..=secs).step_by(step as usize) {
        tokio::time::sleep(Duration::from_secs(step)).await;
        rows.push(usage(&format!("32 sidecars, {t} s later")));
    }
    assert!(supervisor
        .handles()
        .all(|h| h.status().state == State::Ready && h.status().restarts == 0));
    supervisor.stop_all().await;
    drop(supervisor);
    rows.push(usage("after stopping them"));

    println!();
    println!("Soak: the supervising process (Tokio, 2 worker threads)");
    println!();
    for row in rows {
        println!("{row}");
    }
}
