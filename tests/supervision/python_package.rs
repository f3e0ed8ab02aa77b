//! 13: a server built on the `tauri-sidecar` Python package (`python/`), under the engine: ready
//! through the socket handed over, the token required, stopped by the end of its lifeline (the
//! engine closes the sidecar's standard input before SIGTERM), and nothing left behind.
//! It runs in `python/.venv`, which `scripts/test` makes.

use std::path::PathBuf;

use tauri_plugin_sidecar::supervisor::{SidecarHandle, SidecarSpec, StopOutcome};

use crate::support::*;

fn in_repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The interpreter of `python/.venv`, with the package and uvicorn installed.
fn package_python() -> PathBuf {
    let python = in_repo("python/.venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: scripts/test makes it (python3 -m venv python/.venv && \
         python/.venv/bin/pip install -e 'python[uvicorn]' pytest)",
        python.display()
    );
    python
}

#[tokio::test]
async fn a_package_server_is_ready_on_the_socket_guarded_and_ends_with_its_lifeline() {
    let served_app = in_repo("python/tests/served_app.py").display().to_string();
    let mut spec = SidecarSpec::new("package", package_python(), vec![served_app]);
    spec.pass_socket = true;
    spec.token_env = Some("PACKAGE_TOKEN".into());
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut lines = sidecar.subscribe_logs();

    let status = start_ready(&sidecar).await;
    let backend = sidecar.wait_ready(Some(PATIENCE)).await.unwrap();
    let pid = status.pid.unwrap();
    assert_eq!(http_get(backend.port, "/", None).0, 401, "no token");
    let (code, body) = http_get(backend.port, "/", backend.token.as_deref());
    assert_eq!((code, body), (200, format!("hello from {pid}")));

    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        StopOutcome::Graceful
    );
    let mut awaited = vec!["standard input closed", "Finished server process"];
    while !awaited.is_empty() {
        let line = until_line(&mut lines, |line| awaited.iter().any(|a| line.contains(a))).await;
        awaited.retain(|a| !line.contains(a));
    }
    assert!(gone(pid).await, "the server outlived its stop");
}
