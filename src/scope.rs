//! Which sidecars a page may use, per command: the plugin's command scope. An app narrows a
//! permission to some sidecars in its capability, as the fs and shell plugins narrow theirs:
//! `{ "identifier": "sidecar:allow-restart", "allow": [{ "name": "api" }] }`, or denies some with
//! `"deny"`. A permission without a scope leaves every sidecar to it.

use serde::Deserialize;
use tauri::ipc::{CommandScope, ScopeObjectMatch};

use crate::error::{Error, Result};

/// One entry of the scope: a sidecar, by name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SidecarScope {
    /// The sidecar's name in `plugins.sidecar.sidecars`.
    pub name: String,
}

impl ScopeObjectMatch for SidecarScope {
    type Input = str;

    fn matches(&self, name: &str) -> bool {
        self.name == name
    }
}

/// The scope a command was called with.
pub(crate) type Scope = CommandScope<SidecarScope>;

/// `name`, if the scope lets the page use it.
pub(crate) fn check(scope: &Scope, name: String) -> Result<String> {
    if scope.matches(name.as_str()) {
        Ok(name)
    } else {
        Err(Error::OutOfScope(name))
    }
}

/// Whether the scope lets the page use `name`.
pub(crate) fn allows(scope: &Scope, name: &str) -> bool {
    scope.matches(name)
}
