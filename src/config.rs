//! The `plugins.sidecar` section of `tauri.conf.json`: serde models, and one short conversion
//! that lays the keys a user set onto [`SidecarSpec::new`], which holds every default. Serde's
//! own types reject wrong types and out-of-range numbers, naming the key; every other check is
//! the engine's ([`supervisor::check`](crate::supervisor::check)).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::supervisor::{self, RestartPolicy, SidecarSpec};

/// Prefix of every configuration path in messages.
const ROOT: &str = "plugins.sidecar";

/// `plugins.sidecar`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// The sidecars by name.
    #[serde(default)]
    pub sidecars: BTreeMap<String, SidecarConfig>,
}

/// `plugins.sidecar.sidecars.<name>`. Keys left out take the defaults of [`SidecarSpec::new`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SidecarConfig {
    /// An entry of `bundle.externalBin` (e.g. `binaries/main`), resolved next to the app's executable.
    pub sidecar: Option<String>,
    /// A program on `PATH` or an absolute path (instead of `sidecar`).
    pub command: Option<String>,
    /// Arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// Extra environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Working directory.
    pub cwd: Option<PathBuf>,
    /// Replaces program, args and cwd in development builds (`tauri dev`).
    pub dev: Option<DevConfig>,
    /// Environment variable that carries the port.
    pub port_env: Option<String>,
    /// Fixed port; 0 picks a free one per start.
    pub port: Option<u16>,
    /// Listen on the port and pass the socket to the sidecar as descriptor 3 (Unix).
    pub pass_socket: Option<bool>,
    /// Environment variable that carries a fresh bearer token per start (`TAURI_SIDECAR_TOKEN`
    /// when absent); `null` gives no token.
    #[serde(default, deserialize_with = "present")]
    pub token_env: Option<Option<String>>,
    /// Health probe.
    #[serde(default)]
    pub health: HealthConfig,
    /// Time a start may take.
    pub startup_timeout_ms: Option<u64>,
    /// Restart policy.
    #[serde(default)]
    pub restart: RestartConfig,
    /// Time between SIGTERM and SIGKILL on stop.
    pub shutdown_timeout_ms: Option<u64>,
    /// Start with the app.
    pub autostart: Option<bool>,
    /// Sidecars that must be ready first.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Output lines kept for `logs`.
    pub log_lines: Option<usize>,
    /// Whether pages may have its URL and token (`getBackendUrl`, `getBackend`, `backendFetch`);
    /// `false` for an internal sidecar, such as a dependency that only other sidecars call.
    pub expose: Option<bool>,
    /// In development builds, restart `dev` when a file matching these globs (relative to its
    /// working directory) changes: `false`, `true` or a list; the default is `["**/*.py"]`.
    pub watch: Option<WatchConfig>,
}

/// The globs a `dev` sidecar is restarted for when a matching file changes.
const DEFAULT_WATCH: &str = "**/*.py";

/// `watch`: `false` (off), `true` (the default globs) or a list of globs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchConfig {
    /// `true` or `false`.
    Switch(bool),
    /// Globs relative to the sidecar's working directory.
    Globs(Vec<String>),
}

impl<'de> Deserialize<'de> for WatchConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = WatchConfig;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(r#"`false`, `true` or a list of globs such as ["**/*.py"]"#)
            }
            fn visit_bool<E: serde::de::Error>(self, on: bool) -> Result<WatchConfig, E> {
                Ok(WatchConfig::Switch(on))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<WatchConfig, A::Error> {
                Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(WatchConfig::Globs)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl WatchConfig {
    /// The globs to watch, given the configured value (`None` when the key is absent).
    fn globs(config: Option<&Self>) -> Vec<String> {
        match config {
            None | Some(WatchConfig::Switch(true)) => vec![DEFAULT_WATCH.to_owned()],
            Some(WatchConfig::Switch(false)) => Vec::new(),
            Some(WatchConfig::Globs(globs)) => globs.clone(),
        }
    }
}

/// `dev`: how to run the sidecar from source in development builds.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DevConfig {
    /// Program (e.g. `python3`).
    pub command: String,
    /// Arguments (e.g. `["sidecar/app.py"]`).
    #[serde(default)]
    pub args: Vec<String>,
    /// Working directory; a relative one is resolved against the app crate's directory.
    pub cwd: Option<PathBuf>,
}

/// `health`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthConfig {
    /// Path of the health endpoint.
    pub path: Option<String>,
    /// Expected `status` value.
    pub expect: Option<String>,
    /// Probe interval once ready.
    pub interval_ms: Option<u64>,
    /// Timeout of one probe.
    pub timeout_ms: Option<u64>,
    /// Failures in a row that make a ready sidecar unhealthy.
    pub failure_threshold: Option<u32>,
}

/// `restart`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RestartConfig {
    /// `never`, `on-failure` or `always`.
    pub policy: Option<PolicyConfig>,
    /// Restarts allowed within `windowMs`.
    pub max_restarts: Option<u32>,
    /// Window of the restart budget.
    pub window_ms: Option<u64>,
    /// First backoff delay.
    pub initial_delay_ms: Option<u64>,
    /// Largest backoff delay.
    pub max_delay_ms: Option<u64>,
    /// Time ready after which the backoff starts over.
    pub reset_after_ms: Option<u64>,
}

/// Restart policy names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyConfig {
    /// Never restart.
    Never,
    /// Restart after failures.
    OnFailure,
    /// Restart after any unrequested exit.
    Always,
}

impl From<PolicyConfig> for RestartPolicy {
    fn from(policy: PolicyConfig) -> Self {
        match policy {
            PolicyConfig::Never => RestartPolicy::Never,
            PolicyConfig::OnFailure => RestartPolicy::OnFailure,
            PolicyConfig::Always => RestartPolicy::Always,
        }
    }
}

/// Where bundled sidecars and relative `dev.cwd` values are resolved (read from the running app
/// by the plugin at setup).
#[derive(Debug, Clone)]
pub struct Resolver {
    /// Directory of the app's executable (bundled sidecars live there).
    pub exe_dir: PathBuf,
    /// Directory that relative `dev.cwd` values are resolved against.
    pub dev_base: PathBuf,
    /// Whether `dev` replaces the program (development builds).
    pub use_dev: bool,
    /// Origins the app's pages load from besides the webview's own: the dev server's in a
    /// development build with a `devUrl`.
    pub page_origins: Vec<String>,
}

impl Resolver {
    fn bundled(&self, entry: &str) -> PathBuf {
        let mut file = Path::new(entry)
            .file_name()
            .map(|f| f.to_os_string())
            .unwrap_or_else(|| entry.into());
        if cfg!(windows) {
            // Appended, not `with_extension`: `api.v2` must become `api.v2.exe`.
            file.push(".exe");
        }
        self.exe_dir.join(file)
    }
}

/// Parses `plugins.sidecar` (JSON `null` when the section is absent). Unknown keys, wrong types
/// and out-of-range numbers are reported with their full path.
pub fn parse(value: serde_json::Value) -> Result<Config, Vec<String>> {
    if value.is_null() {
        return Ok(Config::default());
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." {
            ROOT.to_owned()
        } else {
            format!("{ROOT}.{path}")
        };
        vec![format!("{at}: {}", e.inner())]
    })
}

impl Config {
    /// The sidecars that pages never get the URL and token of (`"expose": false`).
    pub fn internal(&self) -> std::collections::BTreeSet<String> {
        self.sidecars
            .iter()
            .filter(|(_, c)| c.expose == Some(false))
            .map(|(name, _)| name.clone())
            .collect()
    }
}

/// Converts every configured sidecar into an engine spec, adds `extra` (the sidecars of
/// `Builder::sidecar`), and checks them all together, with one message per problem.
pub fn to_specs(
    config: &Config,
    resolver: &Resolver,
    extra: Vec<SidecarSpec>,
) -> Result<Vec<SidecarSpec>, Vec<String>> {
    let mut problems = Vec::new();
    let mut specs = extra;
    for (name, c) in &config.sidecars {
        match to_spec(name, c, resolver) {
            Ok(spec) => specs.push(spec),
            Err(problem) => problems.push(problem),
        }
    }
    if let Err(engine) = supervisor::check(&specs) {
        problems.extend(engine.iter().map(|p| format!("{ROOT}.{p}")));
    }
    if problems.is_empty() {
        Ok(specs)
    } else {
        Err(problems)
    }
}

fn to_spec(name: &str, c: &SidecarConfig, resolver: &Resolver) -> Result<SidecarSpec, String> {
    let mut watch = Vec::new();
    let (program, args, cwd) = match (&c.sidecar, &c.command) {
        (Some(_), Some(_)) => {
            return Err(format!(
                "{ROOT}.sidecars.{name} must set only one of `sidecar` and `command`"
            ))
        }
        _ if resolver.use_dev && c.dev.is_some() => {
            let dev = c.dev.as_ref().expect("checked");
            let cwd = dev.cwd.as_ref().map(|d| resolver.dev_base.join(d));
            watch = WatchConfig::globs(c.watch.as_ref());
            (PathBuf::from(&dev.command), dev.args.clone(), cwd)
        }
        // A sidecar with only `dev` runs in development builds; a release needs a program.
        (None, None) if c.dev.is_some() => {
            return Err(format!(
                "{ROOT}.sidecars.{name} has only `dev`, which development builds run: a production \
                 build needs `sidecar` (a binary listed in bundle.externalBin) or `command`"
            ))
        }
        (None, None) => {
            return Err(format!(
                "{ROOT}.sidecars.{name} must set `sidecar` or `command`"
            ))
        }
        (Some(entry), None) => (resolver.bundled(entry), c.args.clone(), c.cwd.clone()),
        (None, Some(command)) => (PathBuf::from(command), c.args.clone(), c.cwd.clone()),
    };
    let ms = |value: Option<u64>| value.map(Duration::from_millis);
    let mut spec = SidecarSpec::new(name, program, args);
    spec.env = c.env.clone();
    spec.cwd = cwd;
    spec.port = c.port.filter(|port| *port != 0);
    lay(&mut spec.token_env, c.token_env.clone());
    spec.depends_on = c.depends_on.clone();
    spec.page_origins = resolver.page_origins.clone();
    spec.watch = watch;
    lay(&mut spec.port_env, c.port_env.clone());
    lay(&mut spec.startup_timeout, ms(c.startup_timeout_ms));
    lay(&mut spec.shutdown_timeout, ms(c.shutdown_timeout_ms));
    lay(&mut spec.autostart, c.autostart);
    lay(&mut spec.pass_socket, c.pass_socket);
    lay(&mut spec.log_lines, c.log_lines);
    let (health, h) = (&mut spec.health, &c.health);
    lay(&mut health.path, h.path.clone());
    lay(&mut health.expect, h.expect.clone());
    lay(&mut health.interval, ms(h.interval_ms));
    lay(&mut health.timeout, ms(h.timeout_ms));
    lay(&mut health.failure_threshold, h.failure_threshold);
    let (restart, r) = (&mut spec.restart, &c.restart);
    lay(&mut restart.policy, r.policy.map(RestartPolicy::from));
    lay(&mut restart.max_restarts, r.max_restarts);
    lay(&mut restart.window, ms(r.window_ms));
    lay(&mut restart.initial_delay, ms(r.initial_delay_ms));
    lay(&mut restart.max_delay, ms(r.max_delay_ms));
    lay(&mut restart.reset_after, ms(r.reset_after_ms));
    Ok(spec)
}

/// A key that may be `null` on purpose: `Some(None)` when it is, `None` when it is absent.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Sets `target` to `value` when the configuration has one; keeps the default otherwise.
fn lay<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}
