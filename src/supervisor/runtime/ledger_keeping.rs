//! Keeps a [`Ledger`] in step with a sidecar: its process is recorded when it is spawned (and again
//! when it is ready) and forgotten when it ends, so that only processes a crash left behind stay
//! in the ledger.

use std::sync::Arc;

use super::handle::SidecarHandle;
use crate::supervisor::platform::ledger::Ledger;
use crate::supervisor::status::State;

/// Follows `handle`'s status (on the current Tokio runtime) and writes its pid changes to `ledger`.
pub fn keep(ledger: Arc<Ledger>, handle: &SidecarHandle) {
    let mut status = handle.watch();
    let name = handle.name().to_owned();
    tokio::spawn(async move {
        let (mut recorded_pid, mut was_ready) = (None, false);
        loop {
            let (pid, ready) = {
                let status = status.borrow_and_update();
                (status.pid, status.state == State::Ready)
            };
            // Recorded at spawn, and again once ready: a launcher (`env`, a pyenv shim) may still
            // have been replacing itself with the server by exec at spawn, changing the executable.
            if pid != recorded_pid || (ready && !was_ready) {
                match pid {
                    Some(pid) => ledger.record(&name, pid),
                    None => ledger.forget(&name),
                }
            }
            (recorded_pid, was_ready) = (pid, ready);
            if status.changed().await.is_err() {
                ledger.forget(&name);
                return;
            }
        }
    });
}
