//! I/O at the edges of the engine: spawning and signalling process trees, probing HTTP,
//! picking ports, draining output. Small files, one OS mechanism each; `process` picks its OS's
//! file once.

#[cfg(target_os = "linux")]
#[path = "descendants/linux.rs"]
mod descendants;
#[cfg(all(unix, not(target_os = "linux")))]
#[path = "descendants/macos.rs"]
mod descendants;
pub mod held_socket;
mod keeper_thread;
pub mod ledger;
#[cfg(target_os = "linux")]
mod listener_lookup;
#[cfg(unix)]
mod only_stdio;
pub mod output;
#[cfg(target_os = "linux")]
mod parent_death;
pub mod port;
pub mod port_watch;
pub mod probe;
pub mod process;
#[cfg(unix)]
mod socket_activation;
pub mod source_watch;
pub mod token;
#[cfg(unix)]
mod watchdog;
