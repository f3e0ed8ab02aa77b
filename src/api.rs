//! `Sidecars`: the plugin's Rust API. Commands are one-line calls into it, so Rust code and
//! JavaScript get the same operations. Every operation runs on the engine's own runtime, so it
//! can be awaited from any executor.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::engine_runtime::EngineRuntime;
use crate::error::{Error, Result};
use crate::models::{BackendInfo, LogEntry, Status};
use crate::supervisor::{SidecarHandle, Supervisor, SupervisorError};

/// Largest number of lines `logs` returns, whatever is asked.
const MAX_LOG_LINES: usize = 10_000;

/// The app's supervised sidecars (managed state of the plugin; cheap to clone).
#[derive(Debug, Clone)]
pub struct Sidecars {
    supervisor: Arc<Supervisor>,
    /// Sidecars whose URL and token pages never get (`"expose": false`).
    internal: Arc<BTreeSet<String>>,
    // Declared last: dropped after the supervisor, whose tasks it runs.
    runtime: Arc<EngineRuntime>,
}

impl Sidecars {
    pub(crate) fn new(
        supervisor: Arc<Supervisor>,
        runtime: Arc<EngineRuntime>,
        internal: BTreeSet<String>,
    ) -> Self {
        Self {
            supervisor,
            internal: Arc::new(internal),
            runtime,
        }
    }

    /// The sidecar whose URL and token a page asks for: `name`, or the only exposed one when
    /// `name` is `None`. An internal sidecar (`"expose": false`) is refused.
    pub(crate) fn exposed(&self, name: Option<&str>) -> Result<String> {
        match name {
            Some(name) if self.internal.contains(name) => Err(Error::NotExposed(name.to_owned())),
            Some(name) => Ok(self.supervisor.get(name)?.name().to_owned()),
            None => {
                let exposed: Vec<&str> = self
                    .all()
                    .map(SidecarHandle::name)
                    .filter(|n| !self.internal.contains(*n))
                    .collect();
                match exposed.as_slice() {
                    [only] => Ok((*only).to_owned()),
                    _ => Err(Error::NameRequired(exposed.len())),
                }
            }
        }
    }

    /// The sidecar called `name`, or the only one when `name` is `None`.
    pub fn get(&self, name: Option<&str>) -> Result<&SidecarHandle> {
        match name {
            Some(name) => Ok(self.supervisor.get(name)?),
            None => {
                let mut all = self.supervisor.handles();
                match (all.next(), all.next()) {
                    (Some(only), None) => Ok(only),
                    _ => Err(Error::NameRequired(self.supervisor.handles().count())),
                }
            }
        }
    }

    /// The sidecar called `name`, or all of them (dependencies first) when `name` is `None`.
    pub fn named(&self, name: Option<&str>) -> Result<Vec<&SidecarHandle>> {
        match name {
            Some(name) => Ok(vec![self.supervisor.get(name)?]),
            None => Ok(self.all().collect()),
        }
    }

    /// All sidecars, dependencies first.
    pub fn all(&self) -> impl Iterator<Item = &SidecarHandle> {
        self.supervisor.handles()
    }

    /// The backend's URL once the sidecar is ready (at once if it is); errors at once if it
    /// failed or is stopped, and after `timeout` if one is given.
    pub async fn backend_url(
        &self,
        name: Option<&str>,
        timeout: Option<Duration>,
    ) -> Result<String> {
        let ready = self.on_engine(name, move |h| async move { h.wait_ready(timeout).await });
        Ok(ready.await?.url)
    }

    /// URL, port and token of a ready sidecar.
    pub fn backend(&self, name: Option<&str>) -> Result<BackendInfo> {
        let handle = self.get(name)?;
        let backend = handle
            .backend()
            .ok_or_else(|| Error::NotReady(handle.name().to_owned()))?;
        Ok(BackendInfo {
            name: handle.name().to_owned(),
            url: backend.url,
            port: backend.port,
            token: backend.token,
        })
    }

    /// Status of one sidecar, or of all when `name` is `None`.
    pub fn status(&self, name: Option<&str>) -> Result<Vec<Status>> {
        Ok(self
            .named(name)?
            .into_iter()
            .map(SidecarHandle::status)
            .collect())
    }

    /// Starts a sidecar (a `failed` one too), after the dependencies it needs.
    pub async fn start(&self, name: &str) -> Result<()> {
        self.on_engine(Some(name), |h| async move { h.start().await })
            .await
    }

    /// Stops a sidecar, after the sidecars that depend on it.
    pub async fn stop(&self, name: &str) -> Result<()> {
        self.on_engine(Some(name), |h| async move { h.stop().await.map(drop) })
            .await
    }

    /// Restarts a sidecar.
    pub async fn restart(&self, name: &str) -> Result<()> {
        self.on_engine(Some(name), |h| async move { h.restart().await })
            .await
    }

    /// Runs `operation` on the handle of `name` on the engine's runtime.
    async fn on_engine<T, F, Fut>(&self, name: Option<&str>, operation: F) -> Result<T>
    where
        F: FnOnce(SidecarHandle) -> Fut,
        Fut: Future<Output = std::result::Result<T, SupervisorError>> + Send + 'static,
        T: Send + 'static,
    {
        let handle = self.get(name)?.clone();
        Ok(self.runtime.run(operation(handle)).await?)
    }

    /// The last `lines` output lines (all that are kept when `None`).
    pub fn logs(&self, name: &str, lines: Option<usize>) -> Result<Vec<LogEntry>> {
        let lines = lines.unwrap_or(MAX_LOG_LINES).min(MAX_LOG_LINES);
        let kept = self.supervisor.get(name)?.logs(lines);
        Ok(kept
            .into_iter()
            .map(|l| LogEntry {
                stream: l.stream,
                line: l.line,
            })
            .collect())
    }

    /// Stops every sidecar, dependents first. Await it before anything that ends the process
    /// without an exit hook, such as an updater's `install()` on Windows.
    pub async fn stop_all(&self) {
        let supervisor = self.supervisor.clone();
        self.runtime
            .run(async move { supervisor.stop_all().await })
            .await;
    }

    /// Stops every sidecar, dependents first, blocking the calling thread until they are gone.
    /// Safe on any thread: the main thread, inside `#[tokio::main]`, or a worker of the app's
    /// runtime (the engine runs on a runtime of its own).
    pub fn stop_all_blocking(&self) {
        let supervisor = self.supervisor.clone();
        self.runtime
            .block_on(async move { supervisor.stop_all().await });
    }

    /// The engine's runtime, for the plugin's own hooks.
    pub(crate) fn runtime(&self) -> &Arc<EngineRuntime> {
        &self.runtime
    }
}
