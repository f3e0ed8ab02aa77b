//! The example app: all of the sidecar's supervision comes from `tauri.conf.json`
//! (`plugins.sidecar`); the page talks to the backend through `window.__TAURI__.sidecar`.

// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(feature = "baseline-poll")]
mod baseline;

fn main() {
    // The sidecar's output and the supervisor's events go to the `log` crate; print them.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let builder = tauri::Builder::default();
    #[cfg(not(feature = "baseline-poll"))]
    let builder = builder.plugin(tauri_plugin_sidecar::init());
    #[cfg(feature = "baseline-poll")]
    let builder = baseline::install(builder);
    builder
        .run(tauri::generate_context!())
        .expect("error while running the example app");
}
