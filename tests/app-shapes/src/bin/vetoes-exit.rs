//! A tray-style app: it refuses every exit request (`prevent_exit()` without looking at the
//! code, as Tauri's own example does) and keeps running without a window.

fn main() {
    app_shapes::init_logging();
    app_shapes::builder()
        .build(app_shapes::context())
        .expect("the app builds")
        .run(|_app, event| {
            if let tauri::RunEvent::ExitRequested { api, code, .. } = event {
                log::info!(target: "shape", "exit requested (code {code:?}): refused");
                api.prevent_exit();
            }
        });
}
