//! What a page can send over IPC, wrong included: unknown names, wrong types and absurd numbers
//! are answered with errors (or capped), never a panic.

use serde_json::json;

use crate::permissions::{app_granting, commands, invoke};

const EVERYTHING: &[&str] = &[
    "sidecar:default",
    "sidecar:allow-start",
    "sidecar:allow-stop",
    "sidecar:allow-restart",
    "sidecar:allow-logs",
];

#[test]
fn unknown_names_are_unknown_sidecar_errors() {
    let (_app, window) = app_granting(EVERYTHING);
    let commands = commands();
    assert_eq!(commands.len(), 7, "{commands:?}");
    for command in &commands {
        let error = invoke(&window, command, json!({"name": "nope"})).unwrap_err();
        assert_eq!(error["kind"], "unknownSidecar", "{command}: {error}");
        assert_eq!(error["message"], "no sidecar named `nope`", "{command}");
    }
}

#[test]
fn wrong_argument_types_are_rejected_with_a_message() {
    let (app, window) = app_granting(EVERYTHING);
    let cases = [
        ("get_backend_url", json!({"name": 5})),
        ("get_backend_url", json!({"timeoutMs": "soon"})),
        ("get_backend_url", json!({"timeoutMs": -1})),
        ("status", json!({"name": ["api"]})),
        ("start", json!({})),
        ("stop", json!({"name": null})),
        ("logs", json!({"name": "api", "lines": "all"})),
        ("logs", json!({"name": "api", "lines": 1.5})),
        ("restart", json!({"name": {"nested": true}})),
    ];
    for (command, args) in cases {
        let error = invoke(&window, command, args.clone()).unwrap_err();
        let message = error.as_str().unwrap_or_default();
        assert!(
            message.contains("invalid args") || message.contains("missing required key"),
            "{command} {args}: {error}"
        );
    }
    assert_eq!(
        app_state(&app),
        "stopped",
        "no malformed request started anything"
    );
}

#[test]
fn a_huge_line_count_is_served_not_refused() {
    let (_app, window) = app_granting(EVERYTHING);
    let lines = invoke(&window, "logs", json!({"name": "api", "lines": u64::MAX})).unwrap();
    assert_eq!(
        lines,
        json!([]),
        "nothing was printed yet; the request is served, not refused"
    );
    let lines = invoke(&window, "logs", json!({"name": "api", "lines": 0})).unwrap();
    assert_eq!(lines, json!([]));
}

fn app_state(app: &tauri::App<tauri::test::MockRuntime>) -> String {
    use tauri_plugin_sidecar::SidecarExt;
    app.sidecars().status(Some("api")).unwrap()[0]
        .state
        .to_string()
}
