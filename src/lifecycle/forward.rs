//! Engine events to the webviews, emitted on the main thread only. An emit from another thread
//! waits for the main thread while it holds the webviews lock (with Tauri's `tracing` feature),
//! and so does a Rust `listen` handler that reads windows; the exit cleanup takes that lock on the
//! main thread. On the main thread an emit runs at once, and once the event loop has ended a
//! queued one never runs: nothing at exit ever waits for it.

use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::oneshot;

use crate::supervisor::SidecarHandle;

/// Event with a status object on every state change.
pub const STATUS_EVENT: &str = "sidecar://status";
/// Event with `{ name, stream, line }` per output line of sidecars with `emitLogs`.
pub const LOG_EVENT: &str = "sidecar://log";

/// Forwards `handle`'s status changes, and its output lines when `logs`, on the current
/// (the engine's) runtime.
pub fn events_of<R: Runtime>(app: &AppHandle<R>, handle: &SidecarHandle, logs: bool) {
    tokio::spawn(forward(app.clone(), handle.subscribe(), STATUS_EVENT));
    if logs {
        tokio::spawn(forward(app.clone(), handle.subscribe_logs(), LOG_EVENT));
    }
}

/// Emits everything `events` receives as `event`, one emit in flight at a time (a slow page
/// makes the receiver lag, which drops the oldest), until the sidecar is gone.
async fn forward<R: Runtime, T: Serialize + Clone + Send + 'static>(
    app: AppHandle<R>,
    mut events: broadcast::Receiver<T>,
    event: &'static str,
) {
    loop {
        let payload = match events.recv().await {
            Ok(payload) => payload,
            Err(RecvError::Lagged(missed)) => {
                log::warn!("{event}: {missed} events dropped (slow consumer)");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let (emitted, done) = oneshot::channel();
        let emitter = app.clone();
        let queued = app.run_on_main_thread(move || {
            let _ = emitter.emit(event, payload);
            let _ = emitted.send(());
        });
        if queued.is_err() || done.await.is_err() {
            return; // the event loop is gone
        }
    }
}
