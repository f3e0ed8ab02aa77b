//! 10: `pass_socket`: the supervisor listens itself and passes the socket as descriptor 3, as
//! systemd's socket activation does; readiness needs no connect attempts, the port outlives
//! restarts, and a request made during a restart is answered by the new process.

use std::net::TcpListener;

use serde_json::{json, Value};
use tauri_plugin_sidecar::supervisor::{RestartPolicy, SidecarHandle, SidecarSpec, State};

use crate::support::*;

fn socket_spec(name: &str, fixture_file: &str) -> SidecarSpec {
    let mut spec = spec(name, fixture_file);
    spec.pass_socket = true;
    spec
}

fn get_json(port: u16, path: &str) -> Value {
    let (code, body) = http_get(port, path, None);
    assert_eq!(code, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// Why a start of `spec`, which must fail, failed (no restarts).
async fn failure_of_the_start(mut spec: SidecarSpec) -> String {
    spec.restart.policy = RestartPolicy::Never;
    failed_start(spec).await.error.unwrap()
}

#[tokio::test]
async fn the_socket_arrives_as_descriptor_3_with_the_systemd_environment() {
    let sidecar = SidecarHandle::new(socket_spec("activated", "serves_fd3.py")).unwrap();
    let port = start_ready(&sidecar).await.port.unwrap();
    let pid = get_json(port, "/pid")["pid"].clone();
    assert_eq!(get_json(port, "/env/LISTEN_FDS")["value"], json!("1"));
    assert_eq!(
        get_json(port, "/env/LISTEN_FDNAMES")["value"],
        json!("activated")
    );
    assert_eq!(
        get_json(port, "/env/LISTEN_PID")["value"],
        json!(pid.to_string())
    );
    assert_eq!(
        get_json(port, "/env/PORT")["value"],
        json!(port.to_string())
    );
    let target = get_json(port, "/fd/3")["target"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(target.starts_with("socket:"), "{target}");
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn readiness_takes_no_connect_attempts_and_at_most_two_probes() {
    let mut spec = socket_spec("patient", "serves_fd3.py");
    spec.env.insert("SERVE_AFTER_MS".into(), "700".into());
    let sidecar = SidecarHandle::new(spec).unwrap();
    let port = start_ready(&sidecar).await.port.unwrap();
    // Read while serving this very request: it is one of the connections.
    let counts = get_json(port, "/counts");
    let (connections, probes) = (
        counts["connections"].as_u64().unwrap(),
        counts["health"].as_u64().unwrap(),
    );
    assert!(probes <= 2, "{counts}");
    assert_eq!(
        connections,
        probes + 1,
        "connections other than probes: {counts}"
    );
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn the_port_outlives_a_crash_and_a_request_sent_during_the_restart_is_answered() {
    let sidecar = SidecarHandle::new(socket_spec("steady", "serves_fd3.py")).unwrap();
    let first = start_ready(&sidecar).await;
    let mut events = sidecar.subscribe();
    let port = first.port.unwrap();
    let _ = http_get(port, "/crash", None);
    // Sent while the process is gone: it waits in the backlog of the socket the supervisor holds.
    let answered = tokio::task::spawn_blocking(move || get_json(port, "/pid"))
        .await
        .unwrap();
    assert_ne!(
        answered["pid"],
        json!(first.pid.unwrap()),
        "answered by the new process"
    );
    until_state(&mut events, State::Restarting).await;
    let again = until_state(&mut events, State::Ready).await;
    assert_eq!(again.port, Some(port), "the same port");
    assert_eq!(answered["pid"], json!(again.pid.unwrap()));
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn the_socket_closes_when_the_sidecar_is_stopped() {
    let sidecar = SidecarHandle::new(socket_spec("closing", "serves_fd3.py")).unwrap();
    let port = start_ready(&sidecar).await.port.unwrap();
    patiently(sidecar.stop()).await.unwrap();
    TcpListener::bind(("127.0.0.1", port)).expect("the port is free after the stop");
}

#[tokio::test]
async fn a_busy_fixed_port_fails_the_start_naming_it() {
    let busy = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = busy.local_addr().unwrap().port();
    let mut spec = socket_spec("busy", "serves_fd3.py");
    spec.port = Some(port);
    let err = failure_of_the_start(spec).await;
    assert!(
        err.contains(&format!("port {port} on 127.0.0.1 is not available")),
        "{err}"
    );
}

#[tokio::test]
async fn a_server_that_binds_the_port_itself_is_told_about_pass_socket() {
    let err = failure_of_the_start(socket_spec("ignores", "serves_ok.py")).await;
    assert!(
        err.contains("with passSocket the plugin holds the port"),
        "{err}"
    );
}

#[tokio::test]
async fn the_token_lives_as_long_as_the_socket() {
    let mut spec = socket_spec("keyed", "serves_fd3.py");
    spec.token_env = Some("TOKEN".into());
    let sidecar = SidecarHandle::new(spec).unwrap();
    let first = start_ready(&sidecar).await;
    let token = sidecar.backend().unwrap().token;
    let mut events = sidecar.subscribe();
    let _ = http_get(first.port.unwrap(), "/crash", None);
    until_state(&mut events, State::Restarting).await;
    until_state(&mut events, State::Ready).await;
    // A request queued during the restart carried this token: the new process accepts it.
    assert_eq!(
        sidecar.backend().unwrap().token,
        token,
        "the same token after a crash"
    );
    patiently(sidecar.stop()).await.unwrap();
    start_ready(&sidecar).await;
    assert_ne!(
        sidecar.backend().unwrap().token,
        token,
        "a new one after a requested stop"
    );
    patiently(sidecar.stop()).await.unwrap();
}
