//! What a page can send over IPC, wrong included: unknown names, wrong types and absurd numbers
//! are answered with errors (or capped), never a panic.

use serde_json::json;

use crate::fixture;
use crate::permissions::{app_granting, app_granting_with, commands, invoke};

const EVERYTHING: &[&str] = &[
    "sidecar:default",
    "sidecar:allow-start",
    "sidecar:allow-stop",
    "sidecar:allow-restart",
    "sidecar:allow-logs",
    "sidecar:allow-watch-logs",
];

#[test]
fn unknown_names_are_unknown_sidecar_errors() {
    let (_app, window) = app_granting(EVERYTHING);
    let commands = commands();
    assert_eq!(commands.len(), 10, "{commands:?}");
    // `unwatch` names a channel, not a sidecar.
    for command in commands.iter().filter(|c| *c != "unwatch") {
        let args = json!({"name": "nope", "onStatus": "__CHANNEL__:1", "onLine": "__CHANNEL__:2"});
        let error = invoke(&window, command, args).unwrap_err();
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
fn a_huge_line_count_is_served_up_to_the_cap_not_refused() {
    // 90,000 lines of output, 20,000 kept: more than the 10,000 a page may get at once.
    let (_app, window) = app_granting_with(
        json!({"sidecars": {"api": {
            "command": "python3", "args": [fixture("floods_stdout.py")], "logLines": 20000
        }}}),
        EVERYTHING,
    );
    invoke(
        &window,
        "get_backend_url",
        json!({"name": "api", "timeoutMs": 30000}),
    )
    .unwrap();
    let all = invoke(&window, "logs", json!({"name": "api", "lines": u64::MAX})).unwrap();
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 10_000, "capped, and served");
    assert_eq!(
        all.last().unwrap()["line"],
        "flood done",
        "the newest lines"
    );
    let three = invoke(&window, "logs", json!({"name": "api", "lines": 3})).unwrap();
    assert_eq!(three.as_array().unwrap().len(), 3);
    let none = invoke(&window, "logs", json!({"name": "api", "lines": 0})).unwrap();
    assert_eq!(none, json!([]));
}

fn app_state(app: &tauri::App<tauri::test::MockRuntime>) -> String {
    use tauri_plugin_sidecar::SidecarExt;
    app.sidecars().status(Some("api")).unwrap()[0]
        .state
        .to_string()
}
