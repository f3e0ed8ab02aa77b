//! Supervision engine against real processes (stdlib-only Python fixtures in `tests/fixtures`).
//! Each module is one numbered behaviour of the engine; tests await events, never sleep to sync.

mod support;

mod dependencies;
// Linux only: processes that leave the group are found in /proc.
#[cfg(target_os = "linux")]
mod escapes;
mod hostile;
// Linux only: the parent-death signal, pidfds and /proc.
#[cfg(target_os = "linux")]
mod orphans;
mod output;
// Linux only: socket activation, and pids read from /proc.
#[cfg(target_os = "linux")]
mod python_package;
mod ready;
// Linux only: the fixture serves a passed socket too.
#[cfg(target_os = "linux")]
mod reload;
mod restart;
// Unix only: socket activation; the fixture reads /proc.
#[cfg(target_os = "linux")]
mod socket;
mod spawn;
mod stop;
// Linux only: who holds a listening socket comes from sock_diag and /proc.
#[cfg(target_os = "linux")]
mod strangers;
// Linux only: process groups and start times read from /proc, pidfds.
#[cfg(target_os = "linux")]
mod survivors;
mod token;
mod watch;
