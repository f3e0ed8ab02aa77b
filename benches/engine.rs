//! Engine benchmarks against real Python processes, each compared in the same run with the
//! original design's fixed 100 ms poll loop where that applies. Prints tables; asserts nothing.
//!
//! ```sh
//! cargo bench --bench engine            # full run (about 3 minutes)
//! BENCH_RUNS=5 BENCH_IDLE_SECS=10 cargo bench --bench engine   # quicker
//! BENCH_ONLY=late_listen cargo bench --bench engine            # one section (comma-separated)
//! ```
//! Reference points come from the fixture itself: it writes the CLOCK_MONOTONIC time at which its
//! socket starts listening, and at which it exits, to files named in its environment.

//!
//! Unix only: the fixtures stamp CLOCK_MONOTONIC, which only `clock_gettime` reads in the same
//! time base, and the engine's CPU comes from `getrusage`.

#[cfg(unix)]
mod common;
#[cfg(unix)]
#[path = "common/raw_http.rs"]
mod raw_http;
#[cfg(unix)]
#[path = "engine/unix.rs"]
mod unix;

#[cfg(unix)]
fn main() {
    unix::main();
}

#[cfg(not(unix))]
fn main() {
    eprintln!("the engine benchmark runs on Unix only (CLOCK_MONOTONIC stamps, getrusage)");
}
