//! 1 + 2: spawn with args, env, cwd and the port variable, in a process group of its own.

use tauri_plugin_sidecar::supervisor::{RestartPolicy, SidecarHandle, SidecarSpec, State};

use crate::support::*;

#[tokio::test]
async fn the_child_gets_args_env_cwd_and_the_port_in_the_configured_variable() {
    let script = "import os, sys, _server; print('args', sys.argv[1:], 'greeting', os.environ['GREETING'], \
                  'cwd', os.getcwd(), 'port', os.environ['MT_API_PORT'], flush=True); _server.serve()";
    let mut spec = SidecarSpec::new(
        "env",
        "python3",
        vec!["-c".into(), script.into(), "--flag".into()],
    );
    spec.cwd = Some(fixture(""));
    spec.env.insert("GREETING".into(), "hello".into());
    spec.env
        .insert("PORT_ENV_NAME".into(), "MT_API_PORT".into());
    spec.port_env = "MT_API_PORT".into();
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut lines = sidecar.subscribe_logs();
    let ready = start_ready(&sidecar).await;
    let line = until_line(&mut lines, |l| l.starts_with("args")).await;
    let port = ready.port.unwrap();
    let cwd = fixture("").canonicalize().unwrap();
    assert_eq!(
        line,
        format!(
            "args ['--flag'] greeting hello cwd {} port {port}",
            cwd.display()
        )
    );
    assert_eq!(
        ready.url.as_deref(),
        Some(format!("http://127.0.0.1:{port}").as_str())
    );
    patiently(sidecar.stop()).await.unwrap();
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_child_leads_a_process_group_of_its_own() {
    let sidecar = SidecarHandle::new(spec("group", "serves_ok.py")).unwrap();
    let pid = start_ready(&sidecar).await.pid.unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let pgid: u32 = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(pgid, pid);
    assert_ne!(pgid as i32, unsafe { libc::getpgrp() });
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn each_start_gets_a_free_port_that_is_served() {
    let sidecar = SidecarHandle::new(spec("port", "serves_ok.py")).unwrap();
    let port = start_ready(&sidecar).await.port.unwrap();
    assert_eq!(
        http_get(port, "/api/health", None),
        (200, r#"{"status": "ok"}"#.into())
    );
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn a_fixed_port_in_use_is_an_error_naming_it_and_nothing_is_spawned() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let mut spec = spec("fixed", "serves_ok.py");
    spec.port = Some(port);
    spec.restart.policy = RestartPolicy::Never;
    let starts = Starts::recorded_by(&mut spec);
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    let failed = until_state(&mut events, State::Failed).await;
    let error = failed.error.unwrap();
    assert!(
        error.starts_with(&format!("port {port} on 127.0.0.1 is not available")),
        "{error}"
    );
    assert_eq!(failed.pid, None);
    // A spawned fixture would have recorded its start before it could fail on the port.
    assert_eq!(starts.count(), 0, "the fixture was started");
}

#[tokio::test]
async fn a_fixed_free_port_is_used() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut spec = spec("fixed-free", "serves_ok.py");
    spec.port = Some(port);
    let starts = Starts::recorded_by(&mut spec);
    let sidecar = SidecarHandle::new(spec).unwrap();
    assert_eq!(start_ready(&sidecar).await.port, Some(port));
    assert_eq!(starts.count(), 1);
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn a_missing_program_fails_at_once_whatever_the_restart_policy_with_the_reason() {
    let mut spec = SidecarSpec::new("missing", "no-such-program-for-sidecar-tests", vec![]);
    spec.restart.policy = RestartPolicy::Always;
    let failed = failed_start(spec).await;
    assert_eq!(failed.restarts, 0);
    let error = failed.error.unwrap();
    assert!(
        error.starts_with("cannot run `no-such-program-for-sidecar-tests`: "),
        "{error}"
    );
    assert!(error.contains("No such file"), "{error}");
    assert!(
        error.contains("not restarted: a restart cannot fix it"),
        "{error}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_missing_interpreter_fails_at_once_with_the_reason() {
    let program = fixture("needs_missing_interpreter");
    let failed = failed_start(SidecarSpec::new("interpreter", program, vec![])).await;
    assert_eq!(failed.restarts, 0);
    let error = failed.error.unwrap();
    for expected in [
        "exited with status 127",
        "command not found",
        "no-such-interpreter-for-sidecar-tests",
        "not restarted",
    ] {
        assert!(error.contains(expected), "{expected}: {error}");
    }
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_child_inherits_no_descriptor_of_the_app_but_stdio() {
    // A pipe made without close-on-exec, as libdbus makes one on GTK's main thread: a sidecar
    // that kept its write end open would keep the app's reader waiting for as long as it runs.
    let mut fds = [0; 2];
    // SAFETY: pipe fills the two descriptors it creates.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let write_end = fds[1];
    let target = std::fs::read_link(format!("/proc/self/fd/{write_end}")).unwrap();
    let sidecar = SidecarHandle::new(spec("fds", "serves_ok.py")).unwrap();
    let port = start_ready(&sidecar).await.port.unwrap();
    let (_, body) = http_get(port, &format!("/fd/{write_end}"), None);
    let seen: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_ne!(
        seen["target"],
        serde_json::json!(target.display().to_string()),
        "the sidecar holds the app's pipe"
    );
    sidecar.stop().await.unwrap();
    // SAFETY: closing the descriptors this test made.
    unsafe {
        libc::close(fds[0]);
        libc::close(write_end);
    }
}

#[tokio::test]
async fn a_handle_refuses_a_spec_that_cannot_work_naming_the_key() {
    let mut bad = spec("bad", "serves_ok.py");
    bad.health.path = "api/health".into();
    bad.depends_on = vec!["db".into()];
    let err = SidecarHandle::new(bad).unwrap_err();
    assert_eq!(
        err,
        tauri_plugin_sidecar::supervisor::SupervisorError::Config(vec![
            "sidecars.bad.health.path must start with \"/\"".into(),
            "sidecars.bad.dependsOn names `db`, which is not a declared sidecar".into(),
        ])
    );
}

#[tokio::test]
async fn python_output_is_unbuffered_and_utf8_unless_the_spec_says_otherwise() {
    let mut spec = spec("python", "serves_ok.py");
    spec.env.insert("PYTHONUTF8".into(), "0".into());
    let sidecar = SidecarHandle::new(spec).unwrap();
    let port = start_ready(&sidecar).await.port.unwrap();
    let value = |name: &str| {
        let (_, body) = http_get(port, &format!("/env/{name}"), None);
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["value"].clone()
    };
    assert_eq!(value("PYTHONUNBUFFERED"), serde_json::json!("1"));
    assert_eq!(
        value("PYTHONUTF8"),
        serde_json::json!("0"),
        "the spec's own value wins"
    );
    patiently(sidecar.stop()).await.unwrap();
}
