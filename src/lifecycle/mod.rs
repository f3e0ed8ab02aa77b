//! The plugin's hooks: validate and start at setup (without blocking), and stop every sidecar
//! whichever way the app ends: `RunEvent::Exit`, Tauri's
//! cleanup before exit (all that `AppHandle::restart` runs on the main thread), and on Unix the
//! signals that would otherwise end the process without any exit hook.

mod exit;
mod resolve;
#[cfg(unix)]
mod signals;

use std::sync::Arc;

use tauri::{AppHandle, Manager, RunEvent, Runtime};

use crate::config::{parse, to_specs};
use crate::engine_runtime::EngineRuntime;
use crate::error::Error;
use crate::streams::Streams;
use crate::supervisor::{SidecarSpec, Supervisor, SupervisorError};
use crate::Sidecars;

pub(crate) fn setup<R: Runtime>(
    app: &AppHandle<R>,
    raw_config: serde_json::Value,
    extra: Vec<SidecarSpec>,
) -> Result<(), Error> {
    let invalid = |problems| Error::Sidecar(SupervisorError::Config(problems));
    let config = parse(raw_config).map_err(invalid)?;
    let resolver = resolve::for_this_app(app.config().build.dev_url.as_ref())?;
    let specs = to_specs(&config, &resolver, extra).map_err(invalid)?;

    let runtime = Arc::new(EngineRuntime::new()?);
    let _engine = runtime.handle().enter();
    let supervisor = Arc::new(Supervisor::new(specs)?);
    keep_ledger(app, &supervisor);
    supervisor.start_all();
    let sidecars = Sidecars::new(supervisor, runtime.clone(), config.internal());
    app.resources_table()
        .add(exit::StopOnCleanup::new(sidecars.clone()));
    #[cfg(unix)]
    signals::stop_on_signals(app.clone(), sidecars.clone());
    app.manage(sidecars);
    app.manage(Streams::default());
    Ok(())
}

/// Ends the sidecars that a previous run of the app left running (where the OS gave no
/// kill-on-parent-death), then keeps this run's ledger in the app's local data directory.
/// Problems are logged: they never stop the app.
fn keep_ledger<R: Runtime>(app: &AppHandle<R>, supervisor: &Supervisor) {
    let dir = match app.path().app_local_data_dir() {
        Ok(dir) => dir.join("tauri-plugin-sidecar"),
        Err(e) => {
            log::warn!("no app data directory for the sidecar ledger: {e}");
            return;
        }
    };
    match supervisor.keep_ledger_in(&dir) {
        Ok(survivors) => {
            for survivor in survivors {
                log::warn!(
                    "ended sidecar `{}` (pid {}), left running by a previous run of the app",
                    survivor.name,
                    survivor.pid
                );
            }
        }
        Err(e) => log::warn!("cannot keep the sidecar ledger in {}: {e}", dir.display()),
    }
}

pub(crate) fn on_event<R: Runtime>(app: &AppHandle<R>, event: &RunEvent) {
    match event {
        RunEvent::Exit => exit::stop_before_exit(app),
        // Its webview's streams end with it.
        RunEvent::WindowEvent {
            label,
            event: tauri::WindowEvent::Destroyed,
            ..
        } => {
            if let Some(streams) = app.try_state::<Streams>() {
                streams.end_page(label);
            }
        }
        _ => {}
    }
}
