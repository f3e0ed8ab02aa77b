//! `#[tokio::main]`, with Tauri on the app's own runtime as Tauri's docs show: the event loop
//! then runs inside Tokio's `block_on`, where any other `block_on` panics.

#[tokio::main]
async fn main() {
    app_shapes::init_logging();
    tauri::async_runtime::set(tokio::runtime::Handle::current());
    app_shapes::builder()
        .run(app_shapes::context())
        .expect("the app runs");
}
