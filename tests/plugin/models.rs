//! The TypeScript package mirrors the Rust models field for field. This test writes one sample of
//! each model, every enum value and every error kind as TypeScript, checked by `npm test` against
//! the package's types with `satisfies` (a missing, extra or retyped field fails the type check),
//! and fails when the committed file differs from what the Rust models produce now.
//! `UPDATE_MODEL_SAMPLES=1 cargo test --test plugin models` rewrites it.

use std::path::PathBuf;

use serde::Serialize;
use tauri_plugin_sidecar::models::{BackendInfo, LogEntry, LogLine, State, Status, Stream};
use tauri_plugin_sidecar::supervisor::SupervisorError;
use tauri_plugin_sidecar::Error;

/// Every state; the match fails to compile when a state is added, until it is listed here.
fn every_state() -> Vec<State> {
    let all = vec![
        State::Starting,
        State::Ready,
        State::Restarting,
        State::Stopping,
        State::Stopped,
        State::Failed,
    ];
    for s in &all {
        match s {
            State::Starting
            | State::Ready
            | State::Restarting
            | State::Stopping
            | State::Stopped
            | State::Failed => {}
        }
    }
    all
}

fn every_stream() -> Vec<Stream> {
    let all = vec![Stream::Stdout, Stream::Stderr];
    for s in &all {
        match s {
            Stream::Stdout | Stream::Stderr => {}
        }
    }
    all
}

/// One error of every kind; the matches fail to compile when a variant is added.
fn every_error() -> Vec<Error> {
    let sidecar = |e: SupervisorError| Error::Sidecar(e);
    let all = vec![
        sidecar(SupervisorError::UnknownSidecar("db".into())),
        Error::NameRequired(2),
        Error::NotReady("api".into()),
        Error::NotExposed("db".into()),
        Error::OutOfScope("db".into()),
        sidecar(SupervisorError::Failed {
            name: "api".into(),
            reason: "exited with status 3 before it became ready".into(),
        }),
        sidecar(SupervisorError::Stopped("api".into())),
        sidecar(SupervisorError::Timeout {
            name: "api".into(),
            waited: std::time::Duration::from_millis(5000),
        }),
        sidecar(SupervisorError::Config(vec![
            "plugins.sidecar.sidecars.api.health.path must start with \"/\"".into(),
        ])),
        sidecar(SupervisorError::Gone("api".into())),
        Error::Io(std::io::Error::other("no such file")),
    ];
    for e in &all {
        match e {
            Error::Sidecar(
                SupervisorError::UnknownSidecar(_)
                | SupervisorError::Failed { .. }
                | SupervisorError::Stopped(_)
                | SupervisorError::Timeout { .. }
                | SupervisorError::Config(_)
                | SupervisorError::Gone(_),
            )
            | Error::NameRequired(_)
            | Error::NotReady(_)
            | Error::NotExposed(_)
            | Error::OutOfScope(_)
            | Error::Io(_) => {}
        }
    }
    all
}

fn ts(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

fn samples() -> String {
    let ready = Status {
        name: "api".into(),
        state: State::Ready,
        pid: Some(4242),
        port: Some(51234),
        url: Some("http://127.0.0.1:51234".into()),
        restarts: 1,
        error: Some("exited with status 1 while ready".into()),
    };
    let backend = BackendInfo {
        name: "api".into(),
        url: "http://127.0.0.1:51234".into(),
        port: 51234,
        token: Some("3f9a".repeat(16)),
    };
    let backend_without_token = BackendInfo {
        token: None,
        ..backend.clone()
    };
    let log_entry = LogEntry {
        stream: Stream::Stderr,
        line: "INFO:     Application startup complete.".into(),
    };
    let log_event = LogLine {
        name: "api".into(),
        stream: Stream::Stdout,
        line: "hello".into(),
    };
    let kinds: Vec<&str> = every_error().iter().map(Error::kind).collect();
    let errors: Vec<serde_json::Value> = every_error()
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    format!(
        r#"// Written by `cargo test --test plugin models` from the Rust models (tests/plugin/models.rs).
// Do not edit: `UPDATE_MODEL_SAMPLES=1 cargo test --test plugin models` rewrites it.
import type {{
  BackendInfo,
  LogEntry,
  LogEvent,
  OutputStream,
  PluginErrorKind,
  SidecarState,
  SidecarStatus
}} from '../index'

/** True when every member of `Union` is among `Produced`. */
type Covers<Union, Produced> = [Exclude<Union, Produced>] extends [never] ? true : false

export const readyStatus = {ready} satisfies SidecarStatus

export const stoppedStatus = {stopped} satisfies SidecarStatus

export const backend = {backend} satisfies BackendInfo

export const backendWithoutToken = {backend_without_token} satisfies BackendInfo

export const logEntry = {log_entry} satisfies LogEntry

export const logEvent = {log_event} satisfies LogEvent

export const states = {states} as const satisfies readonly SidecarState[]
export const everyStateIsProduced: Covers<SidecarState, (typeof states)[number]> = true

export const streams = {streams} as const satisfies readonly OutputStream[]
export const everyStreamIsProduced: Covers<OutputStream, (typeof streams)[number]> = true

export const errorKinds = {kinds} as const satisfies readonly PluginErrorKind[]
export const everyErrorKindIsProduced: Covers<PluginErrorKind, (typeof errorKinds)[number]> = true

/** One serialized error of every kind. */
export const errors = {errors} satisfies ReadonlyArray<{{ kind: PluginErrorKind; message: string }}>
"#,
        ready = ts(&ready),
        stopped = ts(&Status::stopped("worker")),
        backend = ts(&backend),
        backend_without_token = ts(&backend_without_token),
        log_entry = ts(&log_entry),
        log_event = ts(&log_event),
        states = ts(&every_state()),
        streams = ts(&every_stream()),
        kinds = ts(&kinds),
        errors = ts(&errors),
    )
}

#[test]
fn the_typescript_model_samples_are_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("guest-js/tests/models.generated.ts");
    let expected = samples();
    if std::env::var_os("UPDATE_MODEL_SAMPLES").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "{} is out of date with the Rust models; run `UPDATE_MODEL_SAMPLES=1 cargo test --test plugin models`, then `npm test`",
        path.display()
    );
}
