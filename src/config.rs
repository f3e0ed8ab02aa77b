//! The `plugins.sidecar` section of `tauri.conf.json`: serde models with the documented defaults,
//! and their conversion into engine specs with one clear message per problem.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::supervisor::{HealthSpec, RestartPolicy, RestartSpec, SidecarSpec};

/// Stands in for the program of a sidecar whose program keys are wrong (already reported).
const NO_PROGRAM: &str = "(invalid)";

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

/// `plugins.sidecar.sidecars.<name>`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SidecarConfig {
    /// An entry of `bundle.externalBin` (e.g. `binaries/main`), resolved next to the app's executable.
    #[serde(default)]
    pub sidecar: Option<String>,
    /// A program on `PATH` or an absolute path (instead of `sidecar`).
    #[serde(default)]
    pub command: Option<String>,
    /// Arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// Extra environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Working directory.
    #[serde(default)]
    pub cwd: Option<PathBuf>,
    /// Replaces program, args and cwd in debug builds (`tauri dev`).
    #[serde(default)]
    pub dev: Option<DevConfig>,
    /// Environment variable that carries the port.
    #[serde(default = "defaults::port_env")]
    pub port_env: String,
    /// Fixed port; 0 picks a free one per start.
    #[serde(default)]
    pub port: i64,
    /// Environment variable that carries a fresh bearer token per start.
    #[serde(default)]
    pub token_env: Option<String>,
    /// Health probe.
    #[serde(default)]
    pub health: HealthConfig,
    /// Time a start may take.
    #[serde(default = "defaults::startup_timeout_ms")]
    pub startup_timeout_ms: i64,
    /// Restart policy.
    #[serde(default)]
    pub restart: RestartConfig,
    /// Time between SIGTERM and SIGKILL on stop.
    #[serde(default = "defaults::shutdown_timeout_ms")]
    pub shutdown_timeout_ms: i64,
    /// Start with the app.
    #[serde(default = "defaults::yes")]
    pub autostart: bool,
    /// Sidecars that must be ready first.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Emit `sidecar://log` events for each output line.
    #[serde(default)]
    pub emit_logs: bool,
    /// Output lines kept for `logs`.
    #[serde(default = "defaults::log_lines")]
    pub log_lines: i64,
}

/// `dev`: how to run the sidecar from source in debug builds.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DevConfig {
    /// Program (e.g. `python3`).
    pub command: String,
    /// Arguments (e.g. `["sidecar/app.py"]`).
    #[serde(default)]
    pub args: Vec<String>,
    /// Working directory; a relative one is resolved against the app crate's directory.
    #[serde(default)]
    pub cwd: Option<PathBuf>,
}

/// `health`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthConfig {
    /// Path of the health endpoint.
    #[serde(default = "defaults::health_path")]
    pub path: String,
    /// Expected `status` value.
    #[serde(default = "defaults::expect")]
    pub expect: String,
    /// Probe interval once ready.
    #[serde(default = "defaults::interval_ms")]
    pub interval_ms: i64,
    /// Timeout of one probe.
    #[serde(default = "defaults::timeout_ms")]
    pub timeout_ms: i64,
    /// Failures in a row that make a ready sidecar unhealthy.
    #[serde(default = "defaults::failure_threshold")]
    pub failure_threshold: i64,
}

impl Default for HealthConfig {
    fn default() -> Self {
        serde_json::from_str("{}").expect("every health key has a default")
    }
}

/// `restart`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RestartConfig {
    /// `never`, `on-failure` or `always`.
    #[serde(default = "defaults::policy")]
    pub policy: PolicyConfig,
    /// Restarts allowed within `windowMs`.
    #[serde(default = "defaults::max_restarts")]
    pub max_restarts: i64,
    /// Window of the restart budget.
    #[serde(default = "defaults::window_ms")]
    pub window_ms: i64,
    /// First backoff delay.
    #[serde(default = "defaults::initial_delay_ms")]
    pub initial_delay_ms: i64,
    /// Largest backoff delay.
    #[serde(default = "defaults::max_delay_ms")]
    pub max_delay_ms: i64,
    /// Time ready after which the backoff starts over.
    #[serde(default = "defaults::reset_after_ms")]
    pub reset_after_ms: i64,
}

impl Default for RestartConfig {
    fn default() -> Self {
        serde_json::from_str("{}").expect("every restart key has a default")
    }
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

mod defaults {
    use super::PolicyConfig;
    pub fn port_env() -> String {
        "PORT".into()
    }
    pub fn yes() -> bool {
        true
    }
    pub fn startup_timeout_ms() -> i64 {
        30_000
    }
    pub fn shutdown_timeout_ms() -> i64 {
        5_000
    }
    pub fn log_lines() -> i64 {
        200
    }
    pub fn health_path() -> String {
        "/api/health".into()
    }
    pub fn expect() -> String {
        "ok".into()
    }
    pub fn interval_ms() -> i64 {
        5_000
    }
    pub fn timeout_ms() -> i64 {
        2_000
    }
    pub fn failure_threshold() -> i64 {
        3
    }
    pub fn policy() -> PolicyConfig {
        PolicyConfig::OnFailure
    }
    pub fn max_restarts() -> i64 {
        5
    }
    pub fn window_ms() -> i64 {
        60_000
    }
    pub fn initial_delay_ms() -> i64 {
        100
    }
    pub fn max_delay_ms() -> i64 {
        15_000
    }
    pub fn reset_after_ms() -> i64 {
        30_000
    }
}

/// Where relative paths and bundled sidecars are resolved.
#[derive(Debug, Clone)]
pub struct Resolver {
    /// Directory of the app's executable (bundled sidecars live there).
    pub exe_dir: PathBuf,
    /// Directory that relative `dev.cwd` values are resolved against.
    pub dev_base: PathBuf,
    /// Whether `dev` replaces the program (debug builds).
    pub use_dev: bool,
}

impl Resolver {
    /// The resolver of the running app: beside the executable (one level up from `deps/` in
    /// test binaries), `dev` in debug builds, relative to the current directory (`tauri dev`
    /// runs the app in its crate directory).
    pub fn for_this_app() -> std::io::Result<Self> {
        let exe = std::env::current_exe()?;
        let mut exe_dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
        if exe_dir.ends_with("deps") {
            exe_dir.pop();
        }
        Ok(Self {
            exe_dir,
            dev_base: std::env::current_dir()?,
            use_dev: cfg!(debug_assertions),
        })
    }

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

/// Parses `plugins.sidecar` (JSON `null` when the section is absent). Unknown keys and wrong
/// types are reported with their full path.
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

/// Converts every sidecar into an engine spec, collecting one message per problem.
pub fn to_specs(config: &Config, resolver: &Resolver) -> Result<Vec<SidecarSpec>, Vec<String>> {
    let mut problems = Vec::new();
    let specs: Vec<SidecarSpec> = config
        .sidecars
        .iter()
        .map(|(name, c)| to_spec(name, c, resolver, &mut problems))
        .collect();
    if let Err(engine) = crate::supervisor::policy::validate::validate(&specs) {
        problems.extend(engine.iter().map(|p| format!("{ROOT}.{p}")));
    }
    let mut unique = Vec::new();
    for p in problems {
        if !unique.contains(&p) {
            unique.push(p);
        }
    }
    if unique.is_empty() {
        Ok(specs)
    } else {
        Err(unique)
    }
}

fn to_spec(
    name: &str,
    c: &SidecarConfig,
    resolver: &Resolver,
    problems: &mut Vec<String>,
) -> SidecarSpec {
    let at = |key: &str| format!("{ROOT}.sidecars.{name}.{key}");
    let mut ms = |key: &str, value: i64| -> Duration {
        if value < 0 {
            problems.push(format!("{} must be greater than 0", at(key)));
        }
        Duration::from_millis(value.max(0) as u64)
    };
    let health = HealthSpec {
        path: c.health.path.clone(),
        expect: c.health.expect.clone(),
        interval: ms("health.intervalMs", c.health.interval_ms),
        timeout: ms("health.timeoutMs", c.health.timeout_ms),
        failure_threshold: c.health.failure_threshold.clamp(0, u32::MAX as i64) as u32,
    };
    let restart = RestartSpec {
        policy: match c.restart.policy {
            PolicyConfig::Never => RestartPolicy::Never,
            PolicyConfig::OnFailure => RestartPolicy::OnFailure,
            PolicyConfig::Always => RestartPolicy::Always,
        },
        max_restarts: c.restart.max_restarts.clamp(0, u32::MAX as i64) as u32,
        window: ms("restart.windowMs", c.restart.window_ms),
        initial_delay: ms("restart.initialDelayMs", c.restart.initial_delay_ms),
        max_delay: ms("restart.maxDelayMs", c.restart.max_delay_ms),
        reset_after: ms("restart.resetAfterMs", c.restart.reset_after_ms),
    };
    let startup_timeout = ms("startupTimeoutMs", c.startup_timeout_ms);
    let shutdown_timeout = ms("shutdownTimeoutMs", c.shutdown_timeout_ms);
    let mut require = |ok: bool, message: String| {
        if !ok {
            problems.push(message);
        }
    };
    require(
        c.restart.max_restarts >= 0,
        format!("{} must not be negative", at("restart.maxRestarts")),
    );
    require(
        (0..=65535).contains(&c.port),
        format!(
            "{} must be between 1 and 65535 (or 0 for a free port)",
            at("port")
        ),
    );
    let (program, args, cwd) = match (&c.sidecar, &c.command) {
        (Some(_), Some(_)) => {
            problems.push(format!(
                "{ROOT}.sidecars.{name} must set only one of `sidecar` and `command`"
            ));
            (PathBuf::from(NO_PROGRAM), c.args.clone(), c.cwd.clone())
        }
        (None, None) => {
            problems.push(format!(
                "{ROOT}.sidecars.{name} must set `sidecar` or `command`"
            ));
            (PathBuf::from(NO_PROGRAM), c.args.clone(), c.cwd.clone())
        }
        _ if resolver.use_dev && c.dev.is_some() => {
            let dev = c.dev.as_ref().expect("checked");
            let cwd = dev.cwd.as_ref().map(|d| resolver.dev_base.join(d));
            (PathBuf::from(&dev.command), dev.args.clone(), cwd)
        }
        (Some(entry), None) => (resolver.bundled(entry), c.args.clone(), c.cwd.clone()),
        (None, Some(command)) => (PathBuf::from(command), c.args.clone(), c.cwd.clone()),
    };
    let mut spec = SidecarSpec::new(name, program, args);
    spec.env = c.env.clone();
    spec.cwd = cwd;
    spec.port = (c.port > 0 && c.port <= 65535).then_some(c.port as u16);
    spec.port_env = c.port_env.clone();
    spec.token_env = c.token_env.clone();
    spec.health = health;
    spec.startup_timeout = startup_timeout;
    spec.restart = restart;
    spec.shutdown_timeout = shutdown_timeout;
    spec.log_lines = c.log_lines.clamp(0, 1_000_000) as usize;
    spec.depends_on = c.depends_on.clone();
    spec.autostart = c.autostart;
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolver(use_dev: bool) -> Resolver {
        Resolver {
            exe_dir: "/app/bin".into(),
            dev_base: "/src/app/src-tauri".into(),
            use_dev,
        }
    }

    fn problems(config: serde_json::Value) -> Vec<String> {
        match parse(config) {
            Err(p) => p,
            Ok(c) => to_specs(&c, &resolver(false)).expect_err("a bad config"),
        }
    }

    #[test]
    fn the_original_designs_config_needs_two_keys_and_gets_every_default() {
        let c = parse(
            json!({"sidecars": {"main": {"sidecar": "binaries/main", "portEnv": "MT_API_PORT"}}}),
        )
        .unwrap();
        let spec = &to_specs(&c, &resolver(false)).unwrap()[0];
        assert_eq!(spec.program, PathBuf::from("/app/bin/main"));
        assert_eq!(spec.port_env, "MT_API_PORT");
        let defaults = SidecarSpec::new("main", "x", vec![]);
        assert_eq!(spec.health, defaults.health);
        assert_eq!(spec.restart, defaults.restart);
        assert_eq!(
            (
                spec.startup_timeout,
                spec.shutdown_timeout,
                spec.log_lines,
                spec.autostart,
                spec.port
            ),
            (
                defaults.startup_timeout,
                defaults.shutdown_timeout,
                200,
                true,
                None
            )
        );
    }

    #[test]
    fn an_absent_section_means_no_sidecars() {
        assert!(parse(serde_json::Value::Null).unwrap().sidecars.is_empty());
    }

    #[test]
    fn dev_replaces_the_program_in_debug_builds_with_cwd_relative_to_the_app_crate() {
        let c = parse(json!({"sidecars": {"api": {
            "sidecar": "binaries/main",
            "dev": {"command": "python3", "args": ["sidecar/app.py"], "cwd": ".."}
        }}}))
        .unwrap();
        let dev = &to_specs(&c, &resolver(true)).unwrap()[0];
        assert_eq!(dev.program, PathBuf::from("python3"));
        assert_eq!(dev.args, ["sidecar/app.py"]);
        assert_eq!(dev.cwd, Some(PathBuf::from("/src/app/src-tauri/..")));
        let release = &to_specs(&c, &resolver(false)).unwrap()[0];
        assert_eq!(release.program, PathBuf::from("/app/bin/main"));
    }

    #[test]
    fn bad_configs_and_their_messages() {
        let cases: Vec<(serde_json::Value, Vec<&str>)> = vec![
            (
                json!({"sidecars": {"api": {"command": "x", "helth": {}}}}),
                vec!["plugins.sidecar.sidecars.api.helth: unknown field `helth`"],
            ),
            (
                json!({"sidecars": {"api": {"command": "x", "health": {"path": 5}}}}),
                vec!["plugins.sidecar.sidecars.api.health.path: invalid type: integer `5`, expected a string"],
            ),
            (
                json!({"sidecars": {"api": {"command": "x", "sidecar": "binaries/main"}}}),
                vec!["plugins.sidecar.sidecars.api must set only one of `sidecar` and `command`"],
            ),
            (json!({"sidecars": {"api": {}}}), vec!["plugins.sidecar.sidecars.api must set `sidecar` or `command`"]),
            (
                json!({"sidecars": {"api": {"command": "x", "health": {"path": "api/health"}}}}),
                vec!["plugins.sidecar.sidecars.api.health.path must start with \"/\""],
            ),
            (
                json!({"sidecars": {"api": {"command": "x", "startupTimeoutMs": 0, "shutdownTimeoutMs": -5}}}),
                vec![
                    "plugins.sidecar.sidecars.api.shutdownTimeoutMs must be greater than 0",
                    "plugins.sidecar.sidecars.api.startupTimeoutMs must be greater than 0",
                ],
            ),
            (
                json!({"sidecars": {"api": {"command": "x", "restart": {"initialDelayMs": 500, "maxDelayMs": 100}}}}),
                vec!["plugins.sidecar.sidecars.api.restart.maxDelayMs must not be less than restart.initialDelayMs"],
            ),
            (
                json!({"sidecars": {"api": {"command": "x", "dependsOn": ["db"]}}}),
                vec!["plugins.sidecar.sidecars.api.dependsOn names `db`, which is not a declared sidecar"],
            ),
            (
                json!({"sidecars": {"a": {"command": "x", "dependsOn": ["b"]}, "b": {"command": "x", "dependsOn": ["a"]}}}),
                vec!["plugins.sidecar.sidecars.a.dependsOn forms a dependency cycle: a -> b -> a"],
            ),
            (
                json!({"sidecars": {"api": {"command": "x", "port": 70000}}}),
                vec!["plugins.sidecar.sidecars.api.port must be between 1 and 65535 (or 0 for a free port)"],
            ),
            (
                json!({"sidecars": {"": {"command": "x"}}}),
                vec!["plugins.sidecar.sidecars. has an empty name"],
            ),
            (
                json!({"sidecars": {"api": {"command": "x", "restart": {"policy": "sometimes"}}}}),
                vec!["plugins.sidecar.sidecars.api.restart.policy: unknown variant `sometimes`, expected one of `never`, `on-failure`, `always`"],
            ),
        ];
        for (config, expected) in cases {
            let got = problems(config.clone());
            // The list of valid keys that follows an unknown one is serde's; the start is ours.
            let mut got: Vec<&str> = got
                .iter()
                .map(|p| p.split(", expected one of `sidecar`").next().unwrap())
                .collect();
            got.sort();
            let mut expected = expected;
            expected.sort();
            assert_eq!(got, expected, "config {config}");
        }
    }
}
