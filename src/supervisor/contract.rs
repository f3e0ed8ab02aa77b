//! What a sidecar is told about how it was started: the contract with the `tauri-sidecar`
//! Python package and any other server that wants it (docs/CONTRACT.md). One environment
//! variable, [`VARIABLE`], holds JSON without secrets; the token stays in its own variable.

use serde_json::json;

use super::spec::SidecarSpec;

/// The environment variable that holds the contract.
pub const VARIABLE: &str = "TAURI_SIDECAR";

/// The contract's version, `"v"` in the JSON. Raised only for changes a sidecar must know of.
pub const VERSION: u32 = 1;

/// `{"v", "name", "portEnv", "tokenEnv", "healthPath", "socketFd", "origins",
/// "shutdownTimeoutMs"}` for `spec`; `socketFd` is the passed socket's descriptor (3) with
/// `passSocket`, otherwise null; `origins` lists where the app's pages load from besides the
/// webview's own origins; `shutdownTimeoutMs` is how long a stop waits before it kills, so that
/// the sidecar can end open connections in time for its own shutdown to run.
pub fn describe(spec: &SidecarSpec) -> String {
    let socket_fd = spec.pass_socket.then_some(3);
    json!({
        "v": VERSION,
        "name": spec.name,
        "portEnv": spec.port_env,
        "tokenEnv": spec.token_env,
        "healthPath": spec.health.path,
        "socketFd": socket_fd,
        "origins": spec.page_origins,
        "shutdownTimeoutMs": u64::try_from(spec.shutdown_timeout.as_millis()).unwrap_or(u64::MAX),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_the_start_without_the_token() {
        let mut spec = SidecarSpec::new("api", "python3", vec![]);
        spec.token_env = Some("API_TOKEN".into());
        spec.pass_socket = true;
        let contract: serde_json::Value = serde_json::from_str(&describe(&spec)).unwrap();
        assert_eq!(
            contract,
            json!({"v": 1, "name": "api", "portEnv": "PORT", "tokenEnv": "API_TOKEN",
                   "healthPath": "/api/health", "socketFd": 3, "origins": [],
                   "shutdownTimeoutMs": 5000})
        );
        spec.token_env = None;
        spec.pass_socket = false;
        let contract: serde_json::Value = serde_json::from_str(&describe(&spec)).unwrap();
        assert_eq!(contract["socketFd"], serde_json::Value::Null);
        assert_eq!(contract["tokenEnv"], serde_json::Value::Null);
    }
}
