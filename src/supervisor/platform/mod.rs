//! I/O at the edges of the engine: spawning and signalling process groups, probing HTTP,
//! picking ports, draining output. Small files, one OS mechanism each.

#[cfg(target_os = "linux")]
mod group_members;
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
pub mod token;
#[cfg(unix)]
mod watchdog;
