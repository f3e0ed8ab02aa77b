//! The development loop: a sidecar with `watch` globs is reloaded when a matching file below its
//! working directory changes, on the same port with the same token.

use tokio::sync::mpsc;

use super::shared::Request;
use crate::supervisor::platform::source_watch::SourceWatch;
use crate::supervisor::spec::SidecarSpec;

/// With `watch` globs: a watch of the sidecar's working directory that asks its task to reload
/// on every change (weakly: it keeps nothing alive). A watch that cannot start is logged.
pub fn watch_sources(
    spec: &SidecarSpec,
    requests: mpsc::WeakUnboundedSender<Request>,
) -> Option<SourceWatch> {
    if spec.watch.is_empty() {
        return None;
    }
    let root = match &spec.cwd {
        Some(cwd) => cwd.clone(),
        None => std::env::current_dir().ok()?,
    };
    let reload = move |file| {
        if let Some(requests) = requests.upgrade() {
            let _ = requests.send(Request::Reload(file));
        }
    };
    SourceWatch::start(&root, &spec.watch, reload)
        .inspect_err(|e| {
            log::warn!(
                "sidecar `{}`: cannot watch {} for changes: {e}",
                spec.name,
                root.display()
            )
        })
        .ok()
}
