//! The Tauri layer on the mock runtime with real Python fixtures: configuration from
//! `plugins.sidecar`, readiness through the plugin API, status events, and the exit hook.

use std::path::PathBuf;

use serde_json::json;
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri_plugin_sidecar::SidecarExt;

mod ipc_input;
mod models;
mod permissions;
// Shared with tests/every_os, which alone uses the watching helpers outside Linux.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
#[path = "../common/pids.rs"]
mod pids;
#[cfg(target_os = "linux")]
mod setup;
use pids::PATIENCE;
#[cfg(target_os = "linux")]
use pids::{alive, wait_gone};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// A mock app context whose configuration has `config` as `plugins.sidecar`.
fn context_with(config: serde_json::Value) -> tauri::Context<MockRuntime> {
    let mut context = mock_context(noop_assets());
    context
        .config_mut()
        .plugins
        .0
        .insert("sidecar".into(), config);
    context
}

/// The mock app of `context` with the plugin.
fn build(context: tauri::Context<MockRuntime>) -> tauri::Result<tauri::App<MockRuntime>> {
    mock_builder()
        .plugin(tauri_plugin_sidecar::init())
        .build(context)
}

fn app_with(config: serde_json::Value) -> tauri::App<MockRuntime> {
    build(context_with(config)).expect("the app builds")
}

fn health_of(url: &str) -> String {
    use std::io::{Read, Write};
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET /api/health HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_configured_sidecar_becomes_ready_and_its_url_answers_ok() {
    let app = app_with(json!({"sidecars": {"api": {
        "command": "python3", "args": [fixture("serves_ok.py")], "portEnv": "MT_API_PORT",
        "env": {"PORT_ENV_NAME": "MT_API_PORT"}
    }}}));
    let url =
        tauri::async_runtime::block_on(app.sidecars().backend_url(None, Some(PATIENCE))).unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(health_of(&url), r#"{"status": "ok"}"#);
    let backend = app.sidecars().backend(Some("api")).unwrap();
    assert_eq!(backend.url, url);
    assert_eq!(
        backend.token.as_ref().map(|t| t.len()),
        Some(64),
        "a token by default"
    );
    let url_again = tauri::async_runtime::block_on(app.sidecar("api").unwrap().url()).unwrap();
    assert_eq!(url_again, url);
    tauri::async_runtime::block_on(app.sidecars().stop_all());
}

#[test]
fn a_development_build_runs_the_dev_command_instead_of_the_bundled_sidecar() {
    // Without Tauri's `custom-protocol` feature (which `tauri build` adds) an app is a development
    // build, in release mode too. No `binaries/main` exists next to the test binary: only `dev`
    // can make this ready. The relative `cwd` resolves against the crate's directory, which
    // `cargo test` passes as CARGO_MANIFEST_DIR.
    let app = app_with(json!({"sidecars": {"main": {
        "sidecar": "binaries/main",
        "dev": {"command": "python3", "args": ["serves_ok.py"], "cwd": "tests/fixtures"}
    }}}));
    let url =
        tauri::async_runtime::block_on(app.sidecars().backend_url(None, Some(PATIENCE))).unwrap();
    assert_eq!(health_of(&url), r#"{"status": "ok"}"#);
    tauri::async_runtime::block_on(app.sidecars().stop_all());
}

#[test]
fn errors_name_the_kind_and_the_sidecar() {
    let app = app_with(json!({"sidecars": {
        "a": {"command": "python3", "args": [fixture("serves_ok.py")], "autostart": false},
        "b": {"command": "python3", "args": [fixture("serves_ok.py")], "autostart": false}
    }}));
    let sidecars = app.sidecars();
    let json = |e: tauri_plugin_sidecar::Error| serde_json::to_value(e).unwrap();
    assert_eq!(
        json(sidecars.get(None).unwrap_err()),
        json!({"kind": "nameRequired", "message": "a sidecar name is required: 2 sidecars are configured"})
    );
    assert_eq!(
        json(sidecars.get(Some("c")).unwrap_err()),
        json!({"kind": "unknownSidecar", "message": "no sidecar named `c`"})
    );
    assert_eq!(
        json(tauri::async_runtime::block_on(sidecars.backend_url(Some("a"), None)).unwrap_err()),
        json!({"kind": "stopped", "message": "sidecar `a` is stopped"})
    );
    assert_eq!(
        json(sidecars.backend(Some("a")).unwrap_err())["kind"],
        "notReady"
    );
}

#[test]
fn in_a_development_build_the_sidecar_is_told_the_dev_servers_origin() {
    let mut context = context_with(json!({"sidecars": {"api": {
        "command": "python3", "args": [fixture("exits_when_stdin_closes.py")]
    }}}));
    context.config_mut().build.dev_url = Some("http://localhost:1420/index.html".parse().unwrap());
    let app = build(context).expect("the app builds");
    let handle = app.sidecar("api").unwrap();
    tauri::async_runtime::block_on(handle.wait_ready(Some(PATIENCE))).unwrap();
    let contract = handle
        .logs(100)
        .iter()
        .find_map(|l| l.line.strip_prefix("contract ").map(str::to_owned))
        .expect("the fixture printed its contract");
    let contract: serde_json::Value = serde_json::from_str(&contract).unwrap();
    assert_eq!(contract["origins"], json!(["http://localhost:1420"]));
    app.cleanup_before_exit();
}

#[test]
fn an_invalid_config_fails_the_app_at_startup_naming_the_key() {
    let context = context_with(json!({"sidecars": {"api": {
        "command": "python3", "health": {"path": "health"}, "port": 80, "passSocket": true, "tokenEnv": "PORT"
    }}}));
    let Err(err) = build(context) else {
        panic!("setup must fail");
    };
    let message = err.to_string();
    assert!(
        message.contains("plugins.sidecar.sidecars.api.health.path must start with \"/\""),
        "{message}"
    );
    // The template's `.expect("error while running tauri application")` prints the error with
    // `Debug`, where Tauri quotes the plugin's message: one line, problems split by "; ".
    let debugged = format!("{err:?}");
    assert!(
        debugged.starts_with("PluginInitialization(\"sidecar\""),
        "{debugged}"
    );
    assert!(!debugged.contains("\\n"), "{debugged}");
    assert!(
        debugged.contains("must start with \\\"/\\\"; plugins.sidecar.sidecars.api."),
        "{debugged}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn run_event_exit_alone_stops_every_sidecar_before_the_apps_own_exit_handler() {
    let app = app_with(json!({"sidecars": {"api": {
        "command": "python3", "args": [fixture("spawns_grandchild.py")], "shutdownTimeoutMs": 300
    }}}));
    let handle = app.sidecar("api").unwrap();
    tauri::async_runtime::block_on(handle.wait_ready(Some(PATIENCE))).unwrap();
    let pid = handle.status().pid.unwrap();
    let grandchild = handle
        .logs(100)
        .iter()
        .find_map(|l| {
            l.line
                .strip_prefix("grandchild pid ")
                .map(|p| p.trim().parse::<i32>().unwrap())
        })
        .expect("the fixture printed its grandchild's pid");
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    app.run_return(move |_, event| match event {
        // Closed once the loop runs, so that the close goes through it.
        tauri::RunEvent::Ready => {
            let closer = window.clone();
            std::thread::spawn(move || closer.close().unwrap());
        }
        // The plugin's hook has run, Tauri's cleanup (the other exit hook) not yet: what is
        // seen here is the work of `on_event` alone.
        tauri::RunEvent::Exit => {
            let _ = tx.send((alive(pid as i32), handle.status().state));
        }
        _ => {}
    });
    let (leader_alive, state) = rx.try_recv().expect("RunEvent::Exit was delivered");
    assert!(!leader_alive, "sidecar {pid} outlived RunEvent::Exit");
    assert_eq!(state, tauri_plugin_sidecar::models::State::Stopped);
    // SIGKILL of the group's leftovers is delivered asynchronously: await their end (pidfd).
    assert!(
        wait_gone(grandchild),
        "grandchild {grandchild} outlived the app's exit"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn tauris_cleanup_before_exit_stops_every_sidecar() {
    // `AppHandle::restart` on the main thread (and a failed exit request) runs only this cleanup,
    // not `RunEvent::Exit`.
    let app = app_with(json!({"sidecars": {
        "api": {"command": "python3", "args": [fixture("serves_ok.py")]},
        "worker": {"command": "python3", "args": [fixture("serves_ok.py")], "dependsOn": ["api"]}
    }}));
    let mut pids = Vec::new();
    for name in ["api", "worker"] {
        let handle = app.sidecar(name).unwrap();
        tauri::async_runtime::block_on(handle.wait_ready(Some(PATIENCE))).unwrap();
        pids.push(handle.status().pid.unwrap());
    }
    app.cleanup_before_exit();
    for pid in pids {
        assert!(!alive(pid as i32), "sidecar {pid} outlived the cleanup");
    }
    let states: Vec<_> = app
        .sidecars()
        .status(None)
        .unwrap()
        .into_iter()
        .map(|s| s.state)
        .collect();
    assert_eq!(states, [tauri_plugin_sidecar::models::State::Stopped; 2]);
}
