//! Status changes and output lines, streamed over IPC channels to the pages that ask for them
//! (`watch_status`, `watch_logs`), so that only a page whose capability allows the command gets
//! the stream, as tauri-plugin-shell streams a process's output to the page that spawned it.
//!
//! Every send happens on the main thread: with Tauri's `tracing` feature a send from another
//! thread waits for the main thread, which the exit hooks hold while they stop the sidecars. On
//! the main thread a send runs at once, and once the event loop has ended a queued one never
//! runs: nothing at exit ever waits for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tauri::ipc::{Channel, IpcResponse};
use tauri::{AppHandle, Runtime};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::oneshot;
use tokio::task::AbortHandle;

/// A stream's key: the webview it goes to and the channel's id there.
type Key = (String, u32);

/// The streams running for each page: `(webview label, channel id)` to its forwarding tasks. A
/// stream ends when its page unwatches it, when the webview loads another document (a reload, a
/// navigation: the next document must get nothing of it), when the webview is destroyed, or on
/// its own (the page is gone, the sidecars ended); then its entry goes too.
#[derive(Debug, Default)]
pub(crate) struct Streams {
    running: Arc<Mutex<HashMap<Key, Vec<AbortHandle>>>>,
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
        for_page: fn(T) -> T,
    ) {
        let key: Key = (owner.to_owned(), channel.id());
        // Held while the tasks are spawned: one that ends at once removes its entry after it is in.
        let mut running = lock(&self.running);
        let tasks: Vec<AbortHandle> = sources
            .into_iter()
            .map(|source| {
                let forwarding = forward(app.clone(), source, channel.clone(), for_page);
                let (streams, key) = (self.running.clone(), key.clone());
                let stream = async move {
                    forwarding.await;
                    end(&streams, |k| *k == key);
                };
                runtime.spawn(stream).abort_handle()
            })
            .collect();
        running.entry(key).or_default().extend(tasks);
    }

    /// Stops the stream of channel `channel` of webview `owner` (nothing if there is none).
    pub fn unwatch(&self, owner: &str, channel: u32) {
        end(&self.running, |(webview, id)| {
            webview == owner && *id == channel
        });
    }

    /// Stops every stream of webview `owner`: it loads another document, or is gone. Returns
    /// how many there were.
    pub fn end_page(&self, owner: &str) -> usize {
        end(&self.running, |(webview, _)| webview == owner)
    }

    /// How many streams run.
    #[cfg(test)]
    fn count(&self) -> usize {
        lock(&self.running).len()
    }
}

/// Removes the streams (one per channel) whose key `matches`, aborting their tasks; returns
/// how many channels stopped.
fn end(running: &Mutex<HashMap<Key, Vec<AbortHandle>>>, matches: impl Fn(&Key) -> bool) -> usize {
    let mut running = lock(running);
    let ended: Vec<Key> = running.keys().filter(|k| matches(k)).cloned().collect();
    for key in &ended {
        for task in running.remove(key).into_iter().flatten() {
            task.abort();
        }
    }
    ended.len()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sends everything `source` receives, one send in flight at a time (a slow page makes the
/// receiver lag, which drops the oldest).
async fn forward<R: Runtime, T: IpcResponse + Clone + Send + 'static>(
    app: AppHandle<R>,
    mut source: broadcast::Receiver<T>,
    channel: Channel<T>,
    for_page: fn(T) -> T,
) {
    let id = channel.id();
    let held = DroppedOnMainThread::new(app.clone(), channel);
    loop {
        let payload = match source.recv().await {
            Ok(payload) => for_page(payload),
            Err(RecvError::Lagged(missed)) => {
                log::warn!("channel {id}: {missed} messages dropped (slow page)");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let (sent, done) = oneshot::channel();
        let channel = held.get().clone();
        let queued = app.run_on_main_thread(move || {
            let _ = sent.send(channel.send(payload).is_ok());
        });
        if queued.is_err() || !done.await.unwrap_or(false) {
            return; // the event loop or the page is gone
        }
    }
}

/// A page's channel, whose last clone must be dropped on the main thread: dropping it tells the
/// page's side to forget the callback, which with Tauri's `tracing` feature waits for the main
/// thread. A forwarding task that ends, or is aborted, while the main thread waits for the engine
/// (the exit hooks stop the sidecars when the last window is gone) would otherwise block the
/// engine's only worker for good.
struct DroppedOnMainThread<R: Runtime, T: Send + 'static> {
    app: AppHandle<R>,
    channel: Option<Channel<T>>,
}

impl<R: Runtime, T: Send + 'static> DroppedOnMainThread<R, T> {
    fn new(app: AppHandle<R>, channel: Channel<T>) -> Self {
        Self {
            app,
            channel: Some(channel),
        }
    }

    fn get(&self) -> &Channel<T> {
        self.channel.as_ref().expect("present until dropped")
    }
}

impl<R: Runtime, T: Send + 'static> Drop for DroppedOnMainThread<R, T> {
    fn drop(&mut self) {
        if let Some(channel) = self.channel.take() {
            // Queued, never waited for; once the event loop has ended it is dropped here, and
            // nothing waits for a main thread that is gone.
            let _ = self.app.run_on_main_thread(move || drop(channel));
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
            |x| x,
        );
        source.send(1).unwrap();
        source.send(2).unwrap();
        assert_eq!(first_rx.recv_timeout(PATIENCE).unwrap(), "1");
        assert_eq!(first_rx.recv_timeout(PATIENCE).unwrap(), "2");

        streams.unwatch("main", first_id);
        // The forwarding task owned the only receiver: it is gone once the task has ended.
        until_unsubscribed(&source);
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

    /// Waits, boundedly, until `source` has no receiver: an aborted task announces nothing.
    fn until_unsubscribed(source: &broadcast::Sender<u32>) {
        let deadline = std::time::Instant::now() + PATIENCE;
        while source.receiver_count() > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the stream still runs"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn a_new_document_in_the_webview_ends_every_stream_of_the_old_one() {
        let engine = tokio::runtime::Runtime::new().unwrap();
        let app = tauri::test::mock_app();
        let streams = Streams::default();
        let (source, _) = broadcast::channel(16);
        let (old_page, old_rx) = page_channel();
        let (other_window, other_rx) = page_channel();
        streams.watch(
            app.handle(),
            engine.handle(),
            "main",
            old_page,
            vec![source.subscribe()],
            |x| x,
        );
        streams.watch(
            app.handle(),
            engine.handle(),
            "other",
            other_window,
            vec![source.subscribe()],
            |x| x,
        );
        streams.end_page("main");
        assert_eq!(streams.count(), 1, "the entry of the page is gone");
        // The other window's stream goes on; the page's has ended.
        source.send(5).unwrap();
        assert_eq!(other_rx.recv_timeout(PATIENCE).unwrap(), "5");
        streams.end_page("other");
        until_unsubscribed(&source);
        assert!(old_rx.try_recv().is_err(), "the old document got a line");
    }

    #[test]
    fn a_stream_that_ends_on_its_own_leaves_no_entry() {
        let engine = tokio::runtime::Runtime::new().unwrap();
        let app = tauri::test::mock_app();
        let streams = Streams::default();
        let (source, _) = broadcast::channel::<u32>(16);
        let (channel, _rx) = page_channel();
        streams.watch(
            app.handle(),
            engine.handle(),
            "main",
            channel,
            vec![source.subscribe()],
            |x| x,
        );
        drop(source); // the sidecars are gone: the forwarding ends by itself
        let deadline = std::time::Instant::now() + PATIENCE;
        while streams.count() > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the finished stream stays listed"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
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
            |x| x,
        );
        streams.unwatch("other-window", id);
        source.send(7).unwrap();
        assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), "7");
    }
}
