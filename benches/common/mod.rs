//! What the benchmarks share: settings from the environment and the Python fixtures.

use std::path::PathBuf;

use tauri_plugin_sidecar::supervisor::SidecarSpec;

/// The number in environment variable `name`, or `default`.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The path of `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// A sidecar that runs `python3 tests/fixtures/<fixture_file>`, with the engine's defaults.
pub fn python_spec(name: impl Into<String>, fixture_file: &str) -> SidecarSpec {
    SidecarSpec::new(name, "python3", vec![fixture(fixture_file)])
}
