//! 7: a fresh bearer token per start, sent by the probes, and never shown in status, events, errors,
//! output, log records or `Debug` output, even when the sidecar prints it, cuts it in a long line,
//! or quotes it in its health answer.

use tauri_plugin_sidecar::supervisor::{SidecarHandle, State};

use crate::support::*;

#[tokio::test]
async fn the_token_reaches_the_child_and_the_probe_and_nothing_else() {
    let logged = capture_logs("secret");
    let mut spec = spec("secret", "requires_token.py");
    spec.token_env = Some("TOKEN".into());
    spec.restart.initial_delay = std::time::Duration::from_millis(10);
    spec.health.interval = std::time::Duration::from_millis(100);
    spec.health.failure_threshold = 1;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    let mut lines = sidecar.subscribe_logs();
    patiently(sidecar.start()).await.unwrap();
    let backend = sidecar.wait_ready(Some(PATIENCE)).await.unwrap();
    let token = backend.token.clone().expect("a token");
    assert!(token.len() >= 32);
    assert_eq!(http_get(backend.port, "/api/health", Some(&token)).0, 200);
    assert_eq!(http_get(backend.port, "/api/health", None).0, 401);
    let printed = until_line(&mut lines, |l| l.starts_with("starting with token")).await;
    assert_eq!(
        printed, "starting with token [token]",
        "the printed token is redacted"
    );
    let long = until_line(&mut lines, |l| l.starts_with("xxxx")).await;
    assert!(
        !long.contains(&token[..10]),
        "a part of the token survived the cut"
    );

    // Unhealthy: the reason quotes the health answer, which quotes the token.
    let _ = http_get(backend.port, "/sicken", Some(&token));
    let sickened = until_state(&mut events, State::Restarting).await;
    assert!(
        sickened
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("sick [token]"),
        "{sickened:?}"
    );
    let backend = sidecar.wait_ready(Some(PATIENCE)).await.unwrap();
    let first_token = token;
    let token = backend.token.clone().expect("a token");

    // A crash: the error quotes the last stderr lines, where the fixture printed its token.
    let _ = http_get(backend.port, "/crash", Some(&token));
    let restarting = until_state(&mut events, State::Restarting).await;
    assert!(
        restarting
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("Bearer [token]"),
        "{restarting:?}"
    );
    let second = sidecar.wait_ready(Some(PATIENCE)).await.unwrap();
    assert_ne!(
        second.token.as_deref(),
        Some(token.as_str()),
        "a fresh token per start"
    );
    patiently(sidecar.stop()).await.unwrap();

    let mut seen = vec![
        format!("{restarting:?}"),
        format!("{sickened:?}"),
        format!("{second:?}"),
        format!("{sidecar:?}"),
    ];
    while let Ok(status) = events.try_recv() {
        seen.push(serde_json::to_string(&status).unwrap());
    }
    seen.push(serde_json::to_string(&sidecar.status()).unwrap());
    seen.extend(sidecar.logs(1000).iter().map(|l| l.line.clone()));
    seen.extend(logged.lock().unwrap().iter().cloned());
    assert!(
        seen.iter()
            .any(|s| s.contains("sidecar::secret: starting with token [token]")),
        "the log records were captured: {seen:#?}"
    );
    for secret in [&first_token, &token, second.token.as_ref().unwrap()] {
        let leaks: Vec<_> = seen
            .iter()
            .filter(|s| s.contains(secret.as_str()))
            .collect();
        assert!(leaks.is_empty(), "token leaked: {leaks:#?}");
    }
    assert_eq!(sidecar.status().state, State::Stopped);
}
