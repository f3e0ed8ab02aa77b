//! `#[tokio::main]`, with Tauri on the app's own runtime as Tauri's docs show: the event loop
//! then runs inside Tokio's `block_on`, where any other `block_on` panics.

#[tokio::main]
async fn main() {
    app_shapes::run_on_the_current_tokio_runtime();
}
