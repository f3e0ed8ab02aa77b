//! Built with Tauri's `tracing` feature, under which an event emitted off the main thread waits
//! for the main thread while it holds the webviews lock.

fn main() {
    app_shapes::init_logging();
    app_shapes::builder()
        .run(app_shapes::context())
        .expect("the app runs");
}
