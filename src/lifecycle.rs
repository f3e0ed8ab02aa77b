//! The plugin's hooks: validate and start at setup (without blocking), forward engine events to
//! the webviews, and stop every sidecar on exit: on `RunEvent::Exit`, in Tauri's cleanup before
//! exit (the only hook `AppHandle::restart` runs on the main thread), and, on Unix, when the app
//! gets SIGTERM, SIGINT or SIGHUP.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Resource, RunEvent, Runtime};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::config::{parse, to_specs, Resolver};
use crate::error::Error;
use crate::supervisor::platform::ledger::{end_survivors, Ledger};
use crate::supervisor::{SidecarHandle, SidecarSpec, Supervisor};
use crate::{SidecarExt, Sidecars};

/// Event with a status object on every state change.
pub const STATUS_EVENT: &str = "sidecar://status";
/// Event with `{ name, stream, line }` per output line of sidecars with `emitLogs`.
pub const LOG_EVENT: &str = "sidecar://log";

pub(crate) fn setup<R: Runtime>(
    app: &AppHandle<R>,
    raw_config: serde_json::Value,
    extra: Vec<SidecarSpec>,
    extra_log_events: Vec<String>,
) -> Result<(), Error> {
    let config = parse(raw_config).map_err(Error::Config)?;
    let mut specs = to_specs(&config, &Resolver::for_this_app()?).map_err(Error::Config)?;
    specs.extend(extra);
    let mut emit_logs: BTreeSet<String> = config
        .sidecars
        .iter()
        .filter(|(_, c)| c.emit_logs)
        .map(|(n, _)| n.clone())
        .collect();
    emit_logs.extend(extra_log_events);

    let _runtime = tauri::async_runtime::handle().inner().enter();
    let supervisor = Arc::new(Supervisor::new(specs).map_err(Error::from)?);
    for handle in supervisor.handles() {
        forward_events(app, handle, emit_logs.contains(handle.name()));
    }
    if let Some(ledger) = ledger_after_ending_survivors(app) {
        supervisor.keep_ledger(Arc::new(ledger));
    }
    supervisor.start_all();
    app.resources_table()
        .add(StopOnCleanup(Some(supervisor.clone())));
    app.manage(Sidecars::new(supervisor));
    #[cfg(unix)]
    stop_on_signals(app.clone());
    Ok(())
}

/// Ends the sidecars that a previous run of the app left running (where the OS gave no
/// kill-on-parent-death), then opens this run's ledger in the app's local data directory.
/// Problems are logged: they never stop the app.
fn ledger_after_ending_survivors<R: Runtime>(app: &AppHandle<R>) -> Option<Ledger> {
    let dir = match app.path().app_local_data_dir() {
        Ok(dir) => dir.join("tauri-plugin-sidecar"),
        Err(e) => {
            log::warn!("no app data directory for the sidecar ledger: {e}");
            return None;
        }
    };
    for survivor in end_survivors(&dir).into_iter().filter(|s| s.ended) {
        log::warn!(
            "ended sidecar `{}` (pid {}), left running by a previous run of the app",
            survivor.name,
            survivor.pid
        );
    }
    Ledger::create(&dir)
        .map_err(|e| log::warn!("cannot write the sidecar ledger in {}: {e}", dir.display()))
        .ok()
}

fn forward_events<R: Runtime>(app: &AppHandle<R>, handle: &SidecarHandle, logs: bool) {
    forward(app.clone(), handle.subscribe(), STATUS_EVENT);
    if logs {
        forward(app.clone(), handle.subscribe_logs(), LOG_EVENT);
    }
}

/// Emits everything `events` receives as `event` to every webview, until the sidecar is gone.
fn forward<R: Runtime, T: Serialize + Clone + Send + 'static>(
    app: AppHandle<R>,
    mut events: broadcast::Receiver<T>,
    event: &'static str,
) {
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(payload) => {
                    let _ = app.emit(event, payload);
                }
                Err(RecvError::Lagged(missed)) => {
                    log::warn!("{event}: {missed} events dropped (slow consumer)")
                }
                Err(RecvError::Closed) => return,
            }
        }
    });
}

pub(crate) fn on_event<R: Runtime>(app: &AppHandle<R>, event: &RunEvent) {
    if let RunEvent::Exit = event {
        if let Some(sidecars) = app.try_state::<Sidecars>() {
            tauri::async_runtime::block_on(sidecars.stop_all());
        }
    }
}

/// Stops every sidecar when dropped. It lives in the app's resource table, which Tauri clears in
/// `cleanup_before_exit`: after `RunEvent::Exit`, and instead of it when `AppHandle::restart` is
/// called on the main thread or an exit request fails.
struct StopOnCleanup(Option<Arc<Supervisor>>);

impl Resource for StopOnCleanup {}

impl Drop for StopOnCleanup {
    fn drop(&mut self) {
        let Some(supervisor) = self.0.take() else {
            return;
        };
        // A thread of its own: the cleanup may run inside an async task, where blocking on the
        // runtime directly would panic.
        let stopping =
            std::thread::spawn(move || tauri::async_runtime::block_on(supervisor.stop_all()));
        if stopping.join().is_err() {
            log::error!("stopping the sidecars during cleanup failed");
        }
    }
}

/// Tauri alone lets these signals kill the process without any exit hook, orphaning sidecars.
#[cfg(unix)]
fn stop_on_signals<R: Runtime>(app: AppHandle<R>) {
    use tokio::signal::unix::{signal, Signal, SignalKind};

    async fn next(stream: &mut Option<Signal>) {
        match stream {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending().await,
        }
    }

    tauri::async_runtime::spawn(async move {
        let watch = |kind: SignalKind| {
            signal(kind)
                .map_err(|e| log::warn!("cannot watch signal {}: {e}", kind.as_raw_value()))
                .ok()
        };
        let (mut term, mut int, mut hup) = (
            watch(SignalKind::terminate()),
            watch(SignalKind::interrupt()),
            watch(SignalKind::hangup()),
        );
        let number = tokio::select! {
            _ = next(&mut term) => 15,
            _ = next(&mut int) => 2,
            _ = next(&mut hup) => 1,
        };
        log::info!("signal {number}: stopping sidecars before exiting");
        app.sidecars().stop_all().await;
        app.exit(128 + number);
    });
}
