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
/// "shutdownTimeoutMs", "dependencies"}` for `spec`; `socketFd` is the passed socket's
/// descriptor (3) with `passSocket`, otherwise null; `origins` lists where the app's pages load
/// from besides the webview's own origins; `shutdownTimeoutMs` is how long a stop waits before
/// it kills, so that the sidecar can end open connections in time for its own shutdown to run;
/// `dependencies` maps each of `dependsOn` to the variables of its URL and token.
pub fn describe(spec: &SidecarSpec) -> String {
    let socket_fd = spec.pass_socket.then_some(3);
    let dependencies: serde_json::Map<String, serde_json::Value> = spec
        .depends_on
        .iter()
        .map(|name| {
            let (url_env, token_env) = dependency_variables(name);
            (
                name.clone(),
                json!({"urlEnv": url_env, "tokenEnv": token_env}),
            )
        })
        .collect();
    json!({
        "v": VERSION,
        "name": spec.name,
        "portEnv": spec.port_env,
        "tokenEnv": spec.token_env,
        "healthPath": spec.health.path,
        "socketFd": socket_fd,
        "origins": spec.page_origins,
        "shutdownTimeoutMs": u64::try_from(spec.shutdown_timeout.as_millis()).unwrap_or(u64::MAX),
        "dependencies": dependencies,
    })
    .to_string()
}

/// The variables that tell a dependent where dependency `name` is: `SIDECAR_<NAME>_URL` and
/// `SIDECAR_<NAME>_TOKEN`, `<NAME>` upper case with `_` for anything but a letter or digit.
pub fn dependency_variables(name: &str) -> (String, String) {
    let upper: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    (
        format!("SIDECAR_{upper}_URL"),
        format!("SIDECAR_{upper}_TOKEN"),
    )
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
                   "shutdownTimeoutMs": 5000, "dependencies": {}})
        );
        spec.token_env = None;
        spec.pass_socket = false;
        let contract: serde_json::Value = serde_json::from_str(&describe(&spec)).unwrap();
        assert_eq!(contract["socketFd"], serde_json::Value::Null);
        assert_eq!(contract["tokenEnv"], serde_json::Value::Null);
        spec.depends_on = vec!["db-main".into()];
        let contract: serde_json::Value = serde_json::from_str(&describe(&spec)).unwrap();
        assert_eq!(
            contract["dependencies"],
            json!({"db-main": {"urlEnv": "SIDECAR_DB_MAIN_URL", "tokenEnv": "SIDECAR_DB_MAIN_TOKEN"}})
        );
    }
}
