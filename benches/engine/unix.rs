//! The engine benchmark itself (see the bench's root for how to run it).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{env_or, fixture, python_spec};
use crate::raw_http;
use tauri_plugin_sidecar::supervisor::{SidecarHandle, SidecarSpec, State, Status};
use tokio::sync::broadcast;

const BASELINE_POLL: Duration = Duration::from_millis(100);

/// CLOCK_MONOTONIC now, in nanoseconds (the clock Python's `time.CLOCK_MONOTONIC` reads).
fn monotonic_ns() -> i128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we pass.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as i128 * 1_000_000_000 + ts.tv_nsec as i128
}

fn read_stamp(path: &Path) -> i128 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .expect("the fixture wrote its stamp")
}

fn stamp_file(dir: &Path, label: &str, run: u64) -> PathBuf {
    dir.join(format!("{label}-{run}.ns"))
}

fn ms(ns: i128) -> f64 {
    ns as f64 / 1e6
}

/// Median, 90th percentile and mean in milliseconds.
fn summary(mut samples_ns: Vec<i128>) -> (f64, f64, f64) {
    samples_ns.sort();
    let n = samples_ns.len();
    let median = ms(samples_ns[n / 2]);
    let p90 = ms(samples_ns[((n * 9) / 10).min(n - 1)]);
    let mean = ms(samples_ns.iter().sum::<i128>() / n as i128);
    (median, p90, mean)
}

fn row(what: &str, samples: Vec<i128>) -> f64 {
    let (median, p90, mean) = summary(samples);
    println!("| {what:<44} | {median:>9.3} | {p90:>9.3} | {mean:>9.3} |");
    median
}

fn table_header(title: &str) {
    println!("\n### {title}\n");
    println!(
        "| {:<44} | {:>9} | {:>9} | {:>9} |",
        "", "median ms", "p90 ms", "mean ms"
    );
    println!("|{:-<46}|{:->11}|{:->11}|{:->11}|", "", ":", ":", ":");
}

async fn until(events: &mut broadcast::Receiver<Status>, want: State) -> i128 {
    loop {
        let status = events.recv().await.expect("events");
        if status.state == want {
            return monotonic_ns();
        }
    }
}

fn stamped_spec(name: &str, fixture_file: &str, variable: &str, file: &Path) -> SidecarSpec {
    let mut spec = python_spec(name, fixture_file);
    spec.env.insert(variable.into(), file.display().to_string());
    spec
}

/// Listen -> ready event, for the engine and for the 100 ms poll loop of the original design.
async fn readiness(dir: &Path, runs: u64) -> (f64, f64) {
    let (mut engine, mut baseline, mut one_get) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        let file = stamp_file(dir, "listen-engine", run);
        let sidecar = SidecarHandle::new(stamped_spec(
            "bench",
            "serves_ok.py",
            "LISTEN_STAMP_FILE",
            &file,
        ))
        .expect("a valid sidecar spec");
        let mut events = sidecar.subscribe();
        sidecar.start().await.unwrap();
        let ready_at = until(&mut events, State::Ready).await;
        engine.push(ready_at - read_stamp(&file));
        let port = sidecar.status().port.unwrap();
        let t = monotonic_ns();
        assert!(poll_health(port).await);
        one_get.push(monotonic_ns() - t);
        sidecar.stop().await.unwrap();

        let file = stamp_file(dir, "listen-baseline", run);
        let (port, mut child) = spawn_unsupervised("LISTEN_STAMP_FILE", &file);
        let ready_at = loop {
            if poll_health(port).await {
                break monotonic_ns();
            }
            tokio::time::sleep(BASELINE_POLL).await;
        };
        baseline.push(ready_at - read_stamp(&file));
        child.kill().await.unwrap();
    }
    table_header(&format!(
        "Readiness overhead: socket listening -> ready ({runs} runs each)"
    ));
    let e = row("engine", engine);
    let b = row("baseline: GET /api/health every 100 ms", baseline);
    row("for reference: one health GET to the ready server", one_get);
    (e, b)
}

/// The sidecar of one late-listen trial: a silent server that listens `after` its start, with
/// `pass_socket` serving the socket it is given instead.
fn late_spec(after: Duration, pass_socket: bool, file: &Path) -> SidecarSpec {
    let fixture_file = if pass_socket {
        "serves_fd3.py"
    } else {
        "listens_late.py"
    };
    let mut spec = stamped_spec("late", fixture_file, "LISTEN_STAMP_FILE", file);
    let delay = after.as_millis().to_string();
    spec.env.insert("LISTEN_AFTER_MS".into(), delay.clone());
    spec.env.insert("SERVE_AFTER_MS".into(), delay);
    spec.pass_socket = pass_socket;
    spec
}

/// Listen -> ready of an engine-supervised late server; also the engine's CPU time meanwhile.
async fn engine_late_trial(after: Duration, pass_socket: bool, file: &Path) -> (i128, Duration) {
    let cpu = process_cpu();
    let sidecar = SidecarHandle::new(late_spec(after, pass_socket, file)).expect("a valid spec");
    let mut events = sidecar.subscribe();
    sidecar.start().await.unwrap();
    let ready_at = until(&mut events, State::Ready).await;
    let used = process_cpu() - cpu;
    sidecar.stop().await.unwrap();
    (ready_at - read_stamp(file), used)
}

/// Listen -> first answer of a late server polled by `poll_every` on a thread of its own (the
/// limit: a raw connect+GET every 0.2 ms; the original design: every 100 ms).
async fn polled_late_trial(after: Duration, poll_every: Duration, file: &Path) -> i128 {
    let port = raw_http::free_port();
    let mut child = tokio::process::Command::new("python3")
        .arg(fixture("listens_late.py"))
        .env("PORT", port.to_string())
        .env("LISTEN_AFTER_MS", after.as_millis().to_string())
        .env("LISTEN_STAMP_FILE", file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let answered = tokio::task::spawn_blocking(move || loop {
        if raw_http::get_blocking(port, "/api/health") == Some(200) {
            return monotonic_ns();
        }
        std::thread::sleep(poll_every);
    })
    .await
    .unwrap();
    child.kill().await.unwrap();
    answered - read_stamp(file)
}

/// CPU time this process has used so far (the engine's runtime runs in it).
fn process_cpu() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct we pass.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// A server that prints nothing and listens 0.2-0.7 s after its start: the engine's connect
/// schedule, `pass_socket`, the physical limit and the original design, interleaved per trial.
async fn late_listen(dir: &Path, runs: u64) {
    let (mut limit, mut engine, mut socket, mut baseline) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        let after = Duration::from_millis(200 + rand_below(500_000) / 1000);
        let file = stamp_file(dir, "late", run);
        limit.push(polled_late_trial(after, Duration::from_micros(200), &file).await);
        engine.push(engine_late_trial(after, false, &file).await.0);
        socket.push(engine_late_trial(after, true, &file).await.0);
        baseline.push(polled_late_trial(after, BASELINE_POLL, &file).await);
    }
    table_header(&format!(
        "Readiness of a silent server listening 0.2-0.7 s after its start ({runs} interleaved runs)"
    ));
    let (limit_median, limit_p90, _) = summary(limit.clone());
    row("limit: raw connect + GET every 0.2 ms", limit);
    let (engine_median, engine_p90, _) = summary(engine.clone());
    row("engine: connect schedule", engine);
    row("engine: passSocket (no connect attempts)", socket);
    row("original design: GET /api/health every 100 ms", baseline);
    println!(
        "
connect schedule / limit: median {:.1}x (target <= 2x), p90 {:.1}x (target <= 3x)",
        engine_median / limit_median,
        engine_p90 / limit_p90
    );

    let (mut at_1500, mut cpu, mut cpu_socket) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs.min(5) {
        let file = stamp_file(dir, "late-1500", run);
        at_1500.push(
            engine_late_trial(Duration::from_millis(1500), false, &file)
                .await
                .0,
        );
        let file = stamp_file(dir, "late-3000", run);
        cpu.push(
            engine_late_trial(Duration::from_secs(3), false, &file)
                .await
                .1,
        );
        let file = stamp_file(dir, "late-3000-socket", run);
        cpu_socket.push(
            engine_late_trial(Duration::from_secs(3), true, &file)
                .await
                .1,
        );
    }
    table_header("A server listening 1.5 s after its start: listen -> ready");
    row("engine: connect schedule", at_1500);
    let mean_ms =
        |v: &[Duration]| v.iter().sum::<Duration>().as_secs_f64() * 1000.0 / v.len() as f64;
    println!(
        "
### Engine CPU during a 3 s start of a silent server
"
    );
    println!("| | CPU ms (mean) | share of a core |");
    println!("|---|---:|---:|");
    for (what, samples) in [("connect schedule", &cpu), ("passSocket", &cpu_socket)] {
        let ms = mean_ms(samples);
        println!("| {what} | {ms:.1} | {:.2} % |", ms / 3000.0 * 100.0);
    }
    println!(
        "
(target: at most 60 ms, 2 % of a core)"
    );
}

/// The baseline's server: `serves_ok.py` on a free port, spawned directly, stamping into `file`.
fn spawn_unsupervised(stamp_variable: &str, file: &Path) -> (u16, tokio::process::Child) {
    let port = raw_http::free_port();
    let child = tokio::process::Command::new("python3")
        .arg(fixture("serves_ok.py"))
        .env("PORT", port.to_string())
        .env(stamp_variable, file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    (port, child)
}

async fn poll_health(port: u16) -> bool {
    matches!(raw_http::get(port, "/api/health").await, Ok(200))
}

/// Child exit -> state change, for the engine and for a 100 ms health poll loop.
async fn crash_detection(dir: &Path, runs: u64) -> (f64, f64) {
    let (mut engine, mut baseline) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let file = stamp_file(dir, "crash-engine", run);
        let sidecar = SidecarHandle::new(stamped_spec(
            "bench",
            "serves_ok.py",
            "EXIT_STAMP_FILE",
            &file,
        ))
        .expect("a valid sidecar spec");
        let mut events = sidecar.subscribe();
        sidecar.start().await.unwrap();
        let backend = sidecar.wait_ready(None).await.unwrap();
        until(&mut events, State::Ready).await;
        let _ = get_and_forget(backend.port, "/crash").await;
        let noticed = until(&mut events, State::Restarting).await;
        engine.push(noticed - read_stamp(&file));
        sidecar.stop().await.unwrap();

        let file = stamp_file(dir, "crash-baseline", run);
        let (port, mut child) = spawn_unsupervised("EXIT_STAMP_FILE", &file);
        while !poll_health(port).await {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // A random phase against the poll period, as a crash would have.
        let phase = Duration::from_micros(rand_below(100_000));
        let poller = tokio::spawn(async move {
            tokio::time::sleep(phase).await;
            loop {
                if !poll_health(port).await {
                    return monotonic_ns();
                }
                tokio::time::sleep(BASELINE_POLL).await;
            }
        });
        let _ = get_and_forget(port, "/crash").await;
        let noticed = poller.await.unwrap();
        baseline.push(noticed - read_stamp(&file));
        let _ = child.wait().await;
    }
    table_header(&format!(
        "Crash detection: child exit -> state change ({runs} runs each)"
    ));
    let e = row("engine (restarting event)", engine);
    let b = row("baseline: health poll every 100 ms", baseline);
    (e, b)
}

fn rand_below(n: u64) -> u64 {
    (monotonic_ns() as u64 / 1000) % n
}

async fn get_and_forget(port: u16, path: &str) -> Result<(), String> {
    raw_http::get(port, path)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Stop overhead: cooperative child (beyond its own exit) and SIGTERM-ignoring child (beyond the timeout).
async fn stopping(dir: &Path, runs: u64) {
    let (mut cooperative, mut stubborn) = (Vec::new(), Vec::new());
    let timeout = Duration::from_millis(200);
    for run in 0..runs {
        let file = stamp_file(dir, "stop", run);
        let sidecar = SidecarHandle::new(stamped_spec(
            "bench",
            "serves_ok.py",
            "EXIT_STAMP_FILE",
            &file,
        ))
        .expect("a valid sidecar spec");
        sidecar.start().await.unwrap();
        sidecar.wait_ready(None).await.unwrap();
        sidecar.stop().await.unwrap();
        cooperative.push(monotonic_ns() - read_stamp(&file));

        let mut spec = python_spec("bench", "ignores_sigterm.py");
        spec.shutdown_timeout = timeout;
        let sidecar = SidecarHandle::new(spec).expect("a valid sidecar spec");
        sidecar.start().await.unwrap();
        sidecar.wait_ready(None).await.unwrap();
        let t = Instant::now();
        sidecar.stop().await.unwrap();
        stubborn.push(t.elapsed().as_nanos() as i128 - timeout.as_nanos() as i128);
    }
    table_header(&format!("Stop ({runs} runs each)"));
    row("cooperative: child's exit -> stop() returns", cooperative);
    row(
        "ignores SIGTERM: stop() beyond the 200 ms timeout",
        stubborn,
    );
}

/// The supervising process's CPU time with one ready sidecar and a 1 s health interval.
async fn idle_cost(seconds: u64) {
    let mut spec = python_spec("bench", "serves_ok.py");
    spec.health.interval = Duration::from_secs(1);
    let sidecar = SidecarHandle::new(spec).expect("a valid sidecar spec");
    sidecar.start().await.unwrap();
    sidecar.wait_ready(None).await.unwrap();
    let before = process_cpu();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let used = process_cpu() - before;
    sidecar.stop().await.unwrap();
    println!("\n### Idle cost\n");
    println!("| sidecars | health interval | wall time | engine CPU time | CPU share |");
    println!("|---:|---:|---:|---:|---:|");
    println!(
        "| 1 | 1 s | {seconds} s | {:.1} ms | {:.4} % |",
        used.as_secs_f64() * 1000.0,
        used.as_secs_f64() / seconds as f64 * 100.0
    );
}

/// Time until N sidecars started together are all ready.
async fn scale(counts: &[usize]) {
    println!("\n### Scale: sidecars started together -> all ready\n");
    println!("| sidecars | time to all ready | per sidecar |");
    println!("|---:|---:|---:|");
    for &n in counts {
        let handles: Vec<SidecarHandle> = (0..n)
            .map(|i| {
                SidecarHandle::new(python_spec(format!("s{i}"), "serves_ok.py"))
                    .expect("a valid sidecar spec")
            })
            .collect();
        let t = Instant::now();
        for h in &handles {
            h.start().await.unwrap();
        }
        for h in &handles {
            h.wait_ready(None).await.unwrap();
        }
        let took = t.elapsed();
        println!(
            "| {n} | {:.1} ms | {:.1} ms |",
            took.as_secs_f64() * 1000.0,
            took.as_secs_f64() * 1000.0 / n as f64
        );
        for h in &handles {
            h.stop().await.unwrap();
        }
    }
}

/// Waits (a raw GET every 0.2 ms, on a thread) until `GET /version` on `port` answers with
/// `version`; returns when it did.
async fn answered_with(port: u16, version: String) -> i128 {
    tokio::task::spawn_blocking(move || loop {
        if raw_http::get_body_blocking(port, "/version").is_some_and(|b| b.contains(&version)) {
            return monotonic_ns();
        }
        std::thread::sleep(Duration::from_micros(200));
    })
    .await
    .unwrap()
}

/// The development loop: a save of a watched file -> the first request answered by the new
/// code, against the same sidecar's cold start (start -> its first answer), in the same run.
async fn reload(dir: &Path, runs: u64) {
    let sources = dir.join("reload-sources");
    std::fs::create_dir_all(&sources).unwrap();
    let version_file = sources.join("version.txt");
    for pass_socket in [false, true] {
        let (mut cold, mut reloaded) = (Vec::new(), Vec::new());
        for run in 0..runs {
            std::fs::write(&version_file, format!("cold-{run}")).unwrap();
            let mut spec = python_spec("reload", "serves_its_version.py");
            spec.cwd = Some(sources.clone());
            spec.watch = vec!["*.txt".into()];
            spec.pass_socket = pass_socket;
            let sidecar = SidecarHandle::new(spec).expect("a valid sidecar spec");
            let mut events = sidecar.subscribe();
            let started = monotonic_ns();
            sidecar.start().await.unwrap();
            until(&mut events, State::Starting).await;
            let port = sidecar.status().port.unwrap();
            cold.push(answered_with(port, format!("cold-{run}")).await - started);
            until(&mut events, State::Ready).await;

            let saved = monotonic_ns();
            std::fs::write(&version_file, format!("saved-{run}")).unwrap();
            reloaded.push(answered_with(port, format!("saved-{run}")).await - saved);
            sidecar.stop().await.unwrap();
        }
        let how = if pass_socket {
            "passSocket"
        } else {
            "a port per start"
        };
        table_header(&format!(
            "Edit, save, see ({how}): the new code's first answer ({runs} runs each)"
        ));
        let c = row("cold start: start() -> first answer", cold);
        let r = row("reload: saved -> the new code's first answer", reloaded);
        println!("\nreload / cold start = {:.2}", r / c);
    }
}

#[tokio::main]
pub async fn main() {
    let runs = env_or("BENCH_RUNS", 21);
    let idle_secs = env_or("BENCH_IDLE_SECS", 60);
    let dir = std::env::temp_dir().join(format!("sidecar-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "Engine benchmark: {} cores, python3 fixtures, `cargo bench --bench engine`",
        num_cpus()
    );

    // `BENCH_ONLY=late_listen,stopping` runs only the sections named.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let wanted = |section: &str| only.is_empty() || only.split(',').any(|s| s.trim() == section);
    if wanted("readiness") {
        let (e, b) = readiness(&dir, runs).await;
        println!("\nreadiness: baseline / engine = {:.0}x", b / e);
    }
    if wanted("crash_detection") {
        let (e, b) = crash_detection(&dir, runs).await;
        println!("\ncrash detection: baseline / engine = {:.0}x", b / e);
    }
    if wanted("late_listen") {
        late_listen(&dir, runs.max(3)).await;
    }
    if wanted("stopping") {
        stopping(&dir, runs.min(11)).await;
    }
    if wanted("idle_cost") {
        idle_cost(idle_secs).await;
    }
    if wanted("reload") {
        reload(&dir, runs.min(11)).await;
    }
    if wanted("scale") {
        scale(&[1, 32]).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn num_cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
