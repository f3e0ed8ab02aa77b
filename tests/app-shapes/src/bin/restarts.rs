//! `AppHandle::restart()` from an async command on a runtime with a single worker, which the
//! restart then holds asleep for good: whatever stops the sidecars must not need it.

#[tokio::main(worker_threads = 1)]
async fn main() {
    app_shapes::run_on_the_current_tokio_runtime();
}
