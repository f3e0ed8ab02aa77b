//! Headless demo of the supervision engine: runs one command as a supervised sidecar and prints
//! every lifecycle event and output line with a timestamp. Ctrl-C stops it gracefully.
//!
//! ```sh
//! cargo run --example supervise -- python3 tests/fixtures/serves_ok.py
//! ```
//! The port is passed in `PORT`; the health endpoint is `/api/health` (override with
//! `SIDECAR_HEALTH_PATH`).

use std::time::Instant;

use tauri_plugin_sidecar::supervisor::{SidecarHandle, SidecarSpec, Stream};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: supervise <program> [args...]   e.g. supervise python3 server.py");
        std::process::exit(2);
    };
    let mut spec = SidecarSpec::new("demo", program, args.collect());
    if let Ok(path) = std::env::var("SIDECAR_HEALTH_PATH") {
        spec.health.path = path;
    }

    let t0 = Instant::now();
    let stamp = move || format!("[{:>10.3} ms]", t0.elapsed().as_secs_f64() * 1000.0);
    let sidecar = SidecarHandle::new(spec).expect("a valid sidecar spec");
    let mut events = sidecar.subscribe();
    let mut lines = sidecar.subscribe_logs();
    println!("{} supervisor pid {}", stamp(), std::process::id());
    sidecar
        .start()
        .await
        .expect("the supervising task is running");

    loop {
        tokio::select! {
            Ok(s) = events.recv() => {
                let pid = s.pid.map(|p| format!(" pid={p}")).unwrap_or_default();
                let url = s.url.map(|u| format!(" url={u}")).unwrap_or_default();
                let error = s.error.map(|e| format!(" error={e}")).unwrap_or_default();
                println!("{} {}: {}{pid}{url} restarts={}{error}", stamp(), s.name, s.state, s.restarts);
            }
            Ok(l) = lines.recv() => {
                let stream = if l.stream == Stream::Stdout { "stdout" } else { "stderr" };
                println!("{} {} [{stream}] {}", stamp(), l.name, l.line);
            }
            _ = tokio::signal::ctrl_c() => {
                println!("{} stopping", stamp());
                let outcome = sidecar.stop().await.expect("the supervising task is running");
                println!("{} stopped: {outcome:?}", stamp());
                return;
            }
        }
    }
}
