//! The IPC surface (`plugin:sidecar|<command>`): each command calls the same operation of
//! [`Sidecars`], for the sidecars the capability's scope of that command lets the page use.

use std::time::Duration;

use tauri::ipc::Channel;
use tauri::{command, AppHandle, Manager, Runtime, Webview};

use crate::error::Result;
use crate::models::{status_for_page, BackendInfo, LogEntry, LogLine, Status};
use crate::scope::{allows, check, Scope};
use crate::streams::Streams;
use crate::supervisor::SidecarHandle;
use crate::SidecarExt;

#[command]
pub(crate) async fn get_backend_url<R: Runtime>(
    app: AppHandle<R>,
    scope: Scope,
    name: Option<String>,
    timeout_ms: Option<u64>,
) -> Result<String> {
    let name = check(&scope, app.sidecars().exposed(name.as_deref())?)?;
    app.sidecars()
        .backend_url(Some(&name), timeout_ms.map(Duration::from_millis))
        .await
}

#[command]
pub(crate) fn get_backend<R: Runtime>(
    app: AppHandle<R>,
    scope: Scope,
    name: Option<String>,
) -> Result<BackendInfo> {
    let name = check(&scope, app.sidecars().exposed(name.as_deref())?)?;
    app.sidecars().backend(Some(&name))
}

#[command]
pub(crate) fn status<R: Runtime>(
    app: AppHandle<R>,
    scope: Scope,
    name: Option<String>,
) -> Result<Vec<Status>> {
    let name = name.map(|n| check(&scope, n)).transpose()?;
    let statuses = app.sidecars().status(name.as_deref())?;
    Ok(statuses
        .into_iter()
        .filter(|s| allows(&scope, &s.name))
        .map(status_for_page)
        .collect())
}

#[command]
pub(crate) async fn start<R: Runtime>(app: AppHandle<R>, scope: Scope, name: String) -> Result<()> {
    app.sidecars().start(&check(&scope, name)?).await
}

#[command]
pub(crate) async fn stop<R: Runtime>(app: AppHandle<R>, scope: Scope, name: String) -> Result<()> {
    app.sidecars().stop(&check(&scope, name)?).await
}

#[command]
pub(crate) async fn restart<R: Runtime>(
    app: AppHandle<R>,
    scope: Scope,
    name: String,
) -> Result<()> {
    app.sidecars().restart(&check(&scope, name)?).await
}

#[command]
pub(crate) fn logs<R: Runtime>(
    app: AppHandle<R>,
    scope: Scope,
    name: String,
    lines: Option<usize>,
) -> Result<Vec<LogEntry>> {
    app.sidecars().logs(&check(&scope, name)?, lines)
}

/// Streams every status change of sidecar `name` (of all when omitted) to `on_status`.
#[command]
pub(crate) fn watch_status<R: Runtime>(
    app: AppHandle<R>,
    webview: Webview<R>,
    scope: Scope,
    name: Option<String>,
    on_status: Channel<Status>,
) -> Result<()> {
    watch(
        &app,
        &webview,
        &scope,
        name,
        on_status,
        SidecarHandle::subscribe,
        status_for_page,
    )
}

/// Streams every output line of sidecar `name` (of all when omitted) to `on_line`.
#[command]
pub(crate) fn watch_logs<R: Runtime>(
    app: AppHandle<R>,
    webview: Webview<R>,
    scope: Scope,
    name: Option<String>,
    on_line: Channel<LogLine>,
) -> Result<()> {
    watch(
        &app,
        &webview,
        &scope,
        name,
        on_line,
        SidecarHandle::subscribe_logs,
        |line| line,
    )
}

/// Streams what `source` gives of sidecar `name` (of all that `scope` allows) to `channel` of
/// `webview`, each as `for_page` shows it.
fn watch<R: Runtime, T: tauri::ipc::IpcResponse + Clone + Send + 'static>(
    app: &AppHandle<R>,
    webview: &Webview<R>,
    scope: &Scope,
    name: Option<String>,
    channel: Channel<T>,
    source: fn(&SidecarHandle) -> tokio::sync::broadcast::Receiver<T>,
    for_page: fn(T) -> T,
) -> Result<()> {
    let sidecars = app.sidecars();
    let name = name.map(|n| check(scope, n)).transpose()?;
    let sources = sidecars
        .named(name.as_deref())?
        .into_iter()
        .filter(|handle| allows(scope, handle.name()))
        .map(source)
        .collect();
    let runtime = sidecars.runtime().handle();
    app.state::<Streams>()
        .watch(app, runtime, webview.label(), channel, sources, for_page);
    Ok(())
}

/// Ends the stream this page started on channel `channel`.
#[command]
pub(crate) fn unwatch<R: Runtime>(app: AppHandle<R>, webview: Webview<R>, channel: u32) {
    app.state::<Streams>().unwatch(webview.label(), channel);
}
