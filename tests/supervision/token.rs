//! 7: a fresh bearer token per start, sent by the probes, and never shown in status, events or logs.

use tauri_plugin_sidecar::supervisor::{SidecarHandle, State};

use crate::support::*;

#[tokio::test]
async fn the_token_reaches_the_child_and_the_probe_and_nothing_else() {
    let mut spec = spec("secret", "requires_token.py");
    spec.token_env = Some("TOKEN".into());
    let sidecar = SidecarHandle::new(spec);
    let mut events = sidecar.subscribe();
    sidecar.start().await.unwrap();
    let backend = sidecar.wait_ready(Some(PATIENCE)).await.unwrap();
    let token = backend.token.clone().expect("a token");
    assert!(token.len() >= 32);
    assert_eq!(http_get(backend.port, "/api/health", Some(&token)).0, 200);
    assert_eq!(http_get(backend.port, "/api/health", None).0, 401);

    sidecar.restart().await.unwrap();
    let second = sidecar.wait_ready(Some(PATIENCE)).await.unwrap();
    assert_ne!(
        second.token.as_deref(),
        Some(token.as_str()),
        "a fresh token per start"
    );
    sidecar.stop().await.unwrap();

    let mut seen = Vec::new();
    while let Ok(status) = events.try_recv() {
        seen.push(serde_json::to_string(&status).unwrap());
    }
    assert!(seen.len() >= 4, "{seen:?}");
    seen.push(serde_json::to_string(&sidecar.status()).unwrap());
    seen.extend(sidecar.logs(1000).iter().map(|l| l.line.clone()));
    for secret in [&token, second.token.as_ref().unwrap()] {
        assert!(
            seen.iter().all(|s| !s.contains(secret.as_str())),
            "token leaked"
        );
    }
    assert_eq!(sidecar.status().state, State::Stopped);
}
