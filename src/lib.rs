//! # tauri-plugin-sidecar
//!
//! Runs supervised backend processes (typically a Python HTTP server) next to a Tauri 2 app:
//! a free port, a readiness probe, health checks, restarts with backoff, and a stop that leaves
//! no process of its tree behind. Sidecars are declared under `plugins.sidecar` in
//! `tauri.conf.json`; the app adds `.plugin(tauri_plugin_sidecar::init())`.
//!
//! The supervision engine lives in [`supervisor`] and does not depend on Tauri.

#![warn(missing_docs)]

mod api;
mod commands;
pub mod config;
mod engine_runtime;
mod error;
mod lifecycle;
pub mod models;
mod scope;
mod streams;
pub mod supervisor;

use tauri::plugin::TauriPlugin;
use tauri::{Manager, Runtime};

pub use api::Sidecars;
pub use error::{Error, Result};
pub use scope::SidecarScope;
pub use supervisor::SidecarSpec;

/// The plugin with the sidecars of `tauri.conf.json`.
pub fn init<R: Runtime>() -> TauriPlugin<R, Option<serde_json::Value>> {
    Builder::new().build()
}

/// Builds the plugin, adding sidecars computed at runtime to those of `tauri.conf.json`.
#[derive(Debug, Default)]
pub struct Builder {
    specs: Vec<SidecarSpec>,
    echo_to_terminal: Option<bool>,
}

impl Builder {
    /// A builder with no extra sidecars.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a sidecar (validated with the configured ones at startup).
    pub fn sidecar(mut self, spec: SidecarSpec) -> Self {
        self.specs.push(spec);
        self
    }

    /// Whether the sidecars' output and the plugin's lines about them (`ready at …`, `exited
    /// with status 1 …; restarting in 250 ms`, `failed: …`) go to the terminal, as
    /// `backend | …`, while the app has installed no logger. Default: on in development builds
    /// (`tauri dev`), off in production builds. With a logger they go through it, whatever this
    /// says.
    pub fn echo_to_terminal(mut self, on: bool) -> Self {
        self.echo_to_terminal = Some(on);
        self
    }

    /// The plugin.
    pub fn build<R: Runtime>(self) -> TauriPlugin<R, Option<serde_json::Value>> {
        tauri::plugin::Builder::<R, Option<serde_json::Value>>::new("sidecar")
            .invoke_handler(tauri::generate_handler![
                commands::get_backend_url,
                commands::get_backend,
                commands::status,
                commands::start,
                commands::stop,
                commands::restart,
                commands::logs,
                commands::watch_status,
                commands::watch_logs,
                commands::unwatch,
            ])
            .setup(move |app, api| {
                let raw = api.config().clone().unwrap_or(serde_json::Value::Null);
                supervisor::echo_to_terminal(self.echo_to_terminal.unwrap_or_else(tauri::is_dev));
                lifecycle::setup(app, raw, self.specs)?;
                Ok(())
            })
            .on_page_load(|webview, page| {
                // A new document in this webview: the old one's streams must not reach it.
                if page.event() == tauri::webview::PageLoadEvent::Started {
                    if let Some(streams) = webview.try_state::<streams::Streams>() {
                        let ended = streams.end_page(webview.label());
                        if ended > 0 {
                            log::debug!(
                                "webview `{}` loads a new document: its {ended} stream(s) ended",
                                webview.label()
                            );
                        }
                    }
                }
            })
            .on_event(lifecycle::on_event)
            .build()
    }
}

/// Access to the plugin's sidecars from any `Manager` (`App`, `AppHandle`, `Window`, ...).
pub trait SidecarExt<R: Runtime> {
    /// All sidecars.
    fn sidecars(&self) -> &Sidecars;
    /// One sidecar: `app.sidecar("api")?.url().await`.
    fn sidecar(&self, name: &str) -> Result<supervisor::SidecarHandle>;
}

impl<R: Runtime, T: Manager<R>> SidecarExt<R> for T {
    fn sidecars(&self) -> &Sidecars {
        self.state::<Sidecars>().inner()
    }

    fn sidecar(&self, name: &str) -> Result<supervisor::SidecarHandle> {
        self.sidecars().get(Some(name)).cloned()
    }
}
