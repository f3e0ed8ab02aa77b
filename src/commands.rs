//! The IPC surface (`plugin:sidecar|<command>`): each command calls the same operation of [`Sidecars`].

use std::time::Duration;

use tauri::{command, AppHandle, Runtime};

use crate::error::Result;
use crate::models::{BackendInfo, LogEntry, Status};
use crate::SidecarExt;

#[command]
pub(crate) async fn get_backend_url<R: Runtime>(
    app: AppHandle<R>,
    name: Option<String>,
    timeout_ms: Option<u64>,
) -> Result<String> {
    app.sidecars()
        .backend_url(name.as_deref(), timeout_ms.map(Duration::from_millis))
        .await
}

#[command]
pub(crate) fn get_backend<R: Runtime>(
    app: AppHandle<R>,
    name: Option<String>,
) -> Result<BackendInfo> {
    app.sidecars().backend(name.as_deref())
}

#[command]
pub(crate) fn status<R: Runtime>(app: AppHandle<R>, name: Option<String>) -> Result<Vec<Status>> {
    app.sidecars().status(name.as_deref())
}

#[command]
pub(crate) async fn start<R: Runtime>(app: AppHandle<R>, name: String) -> Result<()> {
    app.sidecars().start(&name).await
}

#[command]
pub(crate) async fn stop<R: Runtime>(app: AppHandle<R>, name: String) -> Result<()> {
    app.sidecars().stop(&name).await
}

#[command]
pub(crate) async fn restart<R: Runtime>(app: AppHandle<R>, name: String) -> Result<()> {
    app.sidecars().restart(&name).await
}

#[command]
pub(crate) fn logs<R: Runtime>(
    app: AppHandle<R>,
    name: String,
    lines: Option<usize>,
) -> Result<Vec<LogEntry>> {
    app.sidecars().logs(&name, lines)
}
