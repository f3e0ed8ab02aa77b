//! The supervision engine runs on a Tokio runtime of its own, one worker thread, so that it keeps
//! working whatever the app does with its own: a `#[tokio::main]` app, a runtime with one worker
//! that `AppHandle::restart` puts to sleep, a current-thread runtime, or every worker busy.
//! Anything may therefore wait for the engine, on any thread, without deadlocking.

use std::cell::Cell;
use std::future::Future;
use std::io;

use tokio::runtime::{Builder, Handle, Runtime};

thread_local! {
    /// Whether this thread belongs to an engine runtime.
    static ON_ENGINE: Cell<bool> = const { Cell::new(false) };
}

/// The engine's runtime; shut down in the background when dropped.
#[derive(Debug)]
pub(crate) struct EngineRuntime(Option<Runtime>);

impl EngineRuntime {
    pub fn new() -> io::Result<Self> {
        let runtime = Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("sidecar-supervisor")
            .on_thread_start(|| ON_ENGINE.with(|on| on.set(true)))
            .enable_all()
            .build()?;
        Ok(Self(Some(runtime)))
    }

    pub fn handle(&self) -> &Handle {
        self.0.as_ref().expect("present until dropped").handle()
    }

    /// Runs `future` on the engine and waits for its output, from any async context.
    pub async fn run<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self.handle().spawn(future).await {
            Ok(output) => output,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// Runs `future` on the engine and blocks the calling thread until it is done: for exit hooks
    /// on the main thread (inside `#[tokio::main]`'s `block_on` too) and on the app's runtime.
    pub fn block_on<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (done, output) = std::sync::mpsc::channel();
        self.handle().spawn(async move {
            let _ = done.send(future.await);
        });
        let wait = move || {
            output
                .recv()
                .expect("the engine runtime runs until dropped")
        };
        if ON_ENGINE.with(Cell::get) {
            // Blocking the engine's only worker would stall the future itself.
            tokio::task::block_in_place(wait)
        } else {
            wait()
        }
    }
}

impl Drop for EngineRuntime {
    fn drop(&mut self) {
        // Never blocks: dropping it may happen inside an async context. Tasks still running are
        // dropped, and with them their process groups, which are killed.
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_works_inside_another_runtime_and_on_the_engine_itself() {
        let engine = std::sync::Arc::new(EngineRuntime::new().unwrap());
        let app = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // Inside a runtime's block_on, as the main thread of a `#[tokio::main]` app is.
        assert_eq!(app.block_on(async { engine.block_on(async { 1 }) }), 1);
        // On the engine's own worker, as a signal handler that ends up in a cleanup hook is.
        let inner = engine.clone();
        assert_eq!(
            engine.block_on(async move { inner.block_on(async { 2 }) }),
            2
        );
    }
}
