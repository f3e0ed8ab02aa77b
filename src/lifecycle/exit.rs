//! Stopping every sidecar as the app exits. Both hooks block the thread they run on (the main
//! thread, or whichever thread called `AppHandle::restart`) until the sidecars are gone: the
//! stop itself runs on the engine's runtime, so it needs neither the main thread nor a free
//! worker of the app's runtime.

use tauri::{AppHandle, Manager, Resource, Runtime};

use crate::Sidecars;

/// On `RunEvent::Exit`: before the app's own exit handler and Tauri's cleanup.
pub fn stop_before_exit<R: Runtime>(app: &AppHandle<R>) {
    if let Some(sidecars) = app.try_state::<Sidecars>() {
        sidecars.stop_all_blocking();
    }
}

/// Stops every sidecar when dropped. It lives in the app's resource table, which Tauri clears in
/// `cleanup_before_exit`: after `RunEvent::Exit`, and instead of it when `AppHandle::restart` is
/// called on the main thread or an exit request fails.
pub struct StopOnCleanup(Option<Sidecars>);

impl StopOnCleanup {
    pub fn new(sidecars: Sidecars) -> Self {
        Self(Some(sidecars))
    }
}

impl Resource for StopOnCleanup {}

impl Drop for StopOnCleanup {
    fn drop(&mut self) {
        if let Some(sidecars) = self.0.take() {
            sidecars.stop_all_blocking();
        }
    }
}
