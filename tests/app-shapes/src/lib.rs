//! What the app shapes share: logging, the plugin, and the commands the test page calls.
//! Each binary in `src/bin/` is one shape of `main`; `test_shapes.py` drives them.

use tauri::{AppHandle, Runtime, Wry};

/// Logs to stderr (the test reads it) and says which process this is.
pub fn init_logging() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    log::info!(target: "shape", "app pid {}", std::process::id());
}

/// The builder every shape starts from.
pub fn builder() -> tauri::Builder<Wry> {
    tauri::Builder::default()
        .plugin(tauri_plugin_sidecar::init())
        .invoke_handler(tauri::generate_handler![
            shape_action,
            note,
            exit_app,
            restart_app
        ])
}

/// Runs the app with Tauri on the current Tokio runtime, as Tauri's docs show for
/// `#[tokio::main]` apps: the event loop then runs inside Tokio's `block_on`.
pub fn run_on_the_current_tokio_runtime() {
    init_logging();
    tauri::async_runtime::set(tokio::runtime::Handle::current());
    builder().run(context()).expect("the app runs");
}

/// The app's context (`tauri.conf.json`).
pub fn context() -> tauri::Context<Wry> {
    tauri::generate_context!()
}

/// What the page should do once the backend is ready (`SHAPE_ACTION`).
#[tauri::command]
fn shape_action() -> String {
    std::env::var("SHAPE_ACTION").unwrap_or_default()
}

/// A line from the page, for the test to read.
#[tauri::command]
fn note(line: String) {
    log::info!(target: "shape", "{line}");
}

/// Exits through `AppHandle::exit`, as a "Quit" menu item does.
#[tauri::command]
fn exit_app<R: Runtime>(app: AppHandle<R>, code: i32) {
    app.exit(code);
}

/// Restarts the app as an updater does after installing, from an async command (so on a worker
/// of the app's runtime). The new instance is told not to restart again.
#[tauri::command]
async fn restart_app<R: Runtime>(app: AppHandle<R>) {
    std::env::set_var("SHAPE_ACTION", "restarted");
    app.restart();
}
