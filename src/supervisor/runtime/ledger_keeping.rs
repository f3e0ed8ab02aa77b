//! Keeps a [`Ledger`] in step with a sidecar: its process is recorded when it is spawned and
//! forgotten when it ends, so that only processes a crash left behind stay in the ledger.

use std::sync::Arc;

use super::handle::SidecarHandle;
use crate::supervisor::platform::ledger::Ledger;

/// Follows `handle`'s status (on the current Tokio runtime) and writes its pid changes to `ledger`.
pub fn keep(ledger: Arc<Ledger>, handle: &SidecarHandle) {
    let mut status = handle.watch();
    let name = handle.name().to_owned();
    tokio::spawn(async move {
        let mut recorded = None;
        loop {
            let pid = status.borrow_and_update().pid;
            if pid != recorded {
                match pid {
                    Some(pid) => ledger.record(&name, pid),
                    None => ledger.forget(&name),
                }
                recorded = pid;
            }
            if status.changed().await.is_err() {
                ledger.forget(&name);
                return;
            }
        }
    });
}
