//! Status changes and output lines, streamed over IPC channels to the pages that ask for them
//! (`watch_status`, `watch_logs`), so that only a page whose capability allows the command gets
//! the stream, as tauri-plugin-shell streams a process's output to the page that spawned it.
//!
//! Every send happens on the main thread: with Tauri's `tracing` feature a send from another
//! thread waits for the main thread, which the exit hooks hold while they stop the sidecars. On
//! the main thread a send runs at once, and once the event loop has ended a queued one never
//! runs: nothing at exit ever waits for it.

use std::collections::HashMap;
use std::sync::Mutex;

use tauri::ipc::{Channel, IpcResponse};
use tauri::{AppHandle, Runtime};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::oneshot;
use tokio::task::AbortHandle;

/// The streams running for each page: `(webview label, channel id)` to its forwarding tasks.
#[derive(Debug, Default)]
pub(crate) struct Streams {
    running: Mutex<HashMap<(String, u32), Vec<AbortHandle>>>,
}

impl Streams {
    /// Sends everything `sources` receive to `channel` of webview `owner`, until
    /// [`unwatch`](Self::unwatch), the sidecars' end, or a send fails (the page is gone). The
    /// forwarding runs on `runtime` (the engine's).
    pub fn watch<R: Runtime, T: IpcResponse + Clone + Send + 'static>(
        &self,
        app: &AppHandle<R>,
        runtime: &tokio::runtime::Handle,
        owner: &str,
        channel: Channel<T>,
        sources: Vec<broadcast::Receiver<T>>,
    ) {
        let key = (owner.to_owned(), channel.id());
        let tasks: Vec<AbortHandle> = sources
            .into_iter()
            .map(|source| {
                let forwarding = forward(app.clone(), source, channel.clone());
                runtime.spawn(forwarding).abort_handle()
            })
            .collect();
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running.entry(key).or_default().extend(tasks);
    }

    /// Stops the stream of channel `channel` of webview `owner` (nothing if there is none).
    pub fn unwatch(&self, owner: &str, channel: u32) {
        let stopped = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(owner.to_owned(), channel));
        for task in stopped.into_iter().flatten() {
            task.abort();
        }
    }
}

/// Sends everything `source` receives, one send in flight at a time (a slow page makes the
/// receiver lag, which drops the oldest).
async fn forward<R: Runtime, T: IpcResponse + Clone + Send + 'static>(
    app: AppHandle<R>,
    mut source: broadcast::Receiver<T>,
    channel: Channel<T>,
) {
    loop {
        let payload = match source.recv().await {
            Ok(payload) => payload,
            Err(RecvError::Lagged(missed)) => {
                log::warn!(
                    "channel {}: {missed} messages dropped (slow page)",
                    channel.id()
                );
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let (sent, done) = oneshot::channel();
        let channel = channel.clone();
        let queued = app.run_on_main_thread(move || {
            let _ = sent.send(channel.send(payload).is_ok());
        });
        if queued.is_err() || !done.await.unwrap_or(false) {
            return; // the event loop or the page is gone
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use tauri::ipc::InvokeResponseBody;

    use super::*;

    const PATIENCE: Duration = Duration::from_secs(30);

    /// A channel whose messages arrive on `rx`, as a page's would.
    fn page_channel() -> (Channel<u32>, mpsc::Receiver<String>) {
        let (tx, rx) = mpsc::channel();
        let channel = Channel::new(move |body| {
            if let InvokeResponseBody::Json(json) = body {
                let _ = tx.send(json);
            }
            Ok(())
        });
        (channel, rx)
    }

    #[test]
    fn a_stream_delivers_in_order_until_the_page_unwatches_it() {
        let engine = tokio::runtime::Runtime::new().unwrap();
        let app = tauri::test::mock_app();
        let streams = Streams::default();
        let (source, _) = broadcast::channel(16);
        let (first, first_rx) = page_channel();
        let first_id = first.id();
        streams.watch(
            app.handle(),
            engine.handle(),
            "main",
            first,
            vec![source.subscribe()],
        );
        source.send(1).unwrap();
        source.send(2).unwrap();
        assert_eq!(first_rx.recv_timeout(PATIENCE).unwrap(), "1");
        assert_eq!(first_rx.recv_timeout(PATIENCE).unwrap(), "2");

        streams.unwatch("main", first_id);
        // The forwarding task owned the only receiver: it is gone once the task has ended. An
        // aborted task announces nothing to wait on, so look, boundedly.
        let deadline = std::time::Instant::now() + PATIENCE;
        while source.receiver_count() > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the stream still runs"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(
            source.send(3).err().map(|e| e.0),
            Some(3),
            "nobody receives any more"
        );
        assert!(
            first_rx.try_recv().is_err(),
            "an unwatched stream kept sending"
        );
    }

    #[test]
    fn unwatching_a_channel_of_another_page_changes_nothing() {
        let engine = tokio::runtime::Runtime::new().unwrap();
        let app = tauri::test::mock_app();
        let streams = Streams::default();
        let (source, _) = broadcast::channel(16);
        let (channel, rx) = page_channel();
        let id = channel.id();
        streams.watch(
            app.handle(),
            engine.handle(),
            "main",
            channel,
            vec![source.subscribe()],
        );
        streams.unwatch("other-window", id);
        source.send(7).unwrap();
        assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), "7");
    }
}
