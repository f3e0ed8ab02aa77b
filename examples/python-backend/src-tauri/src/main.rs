//! The example app: all of the sidecar's supervision comes from `tauri.conf.json`
//! (`plugins.sidecar`); the page talks to the backend through `window.__TAURI__.sidecar`.

// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // The sidecar's output and the supervisor's events go to the `log` crate; print them.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    tauri::Builder::default()
        .plugin(tauri_plugin_sidecar::init())
        .run(tauri::generate_context!())
        .expect("error while running the example app");
}
