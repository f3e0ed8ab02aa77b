//! Supervision engine against real processes (stdlib-only Python fixtures in `tests/fixtures`).
//! Each module is one numbered behaviour of the engine; tests await events, never sleep to sync.

mod support;

mod dependencies;
mod hostile;
mod orphans;
mod output;
mod ready;
mod restart;
mod spawn;
mod stop;
mod survivors;
mod token;
mod watch;
