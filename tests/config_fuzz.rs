//! `plugins.sidecar` from hostile or broken JSON: parsing and validation answer with errors that
//! name the key, and never panic, whatever the input.

use proptest::prelude::*;
use serde_json::{Map, Value};
use tauri_plugin_sidecar::config::{parse, to_specs, Resolver};

/// Every key the configuration knows, so that generated objects reach deep validation.
const KEYS: &[&str] = &[
    "sidecars",
    "sidecar",
    "command",
    "args",
    "env",
    "cwd",
    "dev",
    "portEnv",
    "port",
    "passSocket",
    "tokenEnv",
    "health",
    "path",
    "expect",
    "intervalMs",
    "timeoutMs",
    "failureThreshold",
    "startupTimeoutMs",
    "restart",
    "policy",
    "maxRestarts",
    "windowMs",
    "initialDelayMs",
    "maxDelayMs",
    "resetAfterMs",
    "shutdownTimeoutMs",
    "autostart",
    "dependsOn",
    "logLines",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(KEYS).prop_map(str::to_owned),
        1 => "[a-zA-Z_]{0,8}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just(0i64),
            Just(-1),
            Just(1),
            Just(65_535),
            Just(65_536),
            Just(i64::MAX)
        ]
        .prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop_oneof![
            Just("/api/health".to_owned()),
            Just("never".to_owned()),
            Just("on-failure".to_owned()),
            "[ -~]{0,16}",
        ]
        .prop_map(Value::from),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map(key(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// `{"sidecars": {<name>: <object>}}` with arbitrary names and values.
fn config_shaped() -> impl Strategy<Value = Value> {
    proptest::collection::btree_map("[a-z]{0,3}", json(), 0..4).prop_map(
        |sidecars| serde_json::json!({ "sidecars": Value::Object(sidecars.into_iter().collect()) }),
    )
}

fn resolver() -> Resolver {
    Resolver {
        exe_dir: "/app/bin".into(),
        dev_base: "/src/app/src-tauri".into(),
        use_dev: true,
        page_origins: Vec::new(),
    }
}

fn check(value: Value) {
    let problems = match parse(value) {
        Ok(config) => match to_specs(&config, &resolver(), Vec::new()) {
            Ok(_) => return,
            Err(problems) => problems,
        },
        Err(problems) => problems,
    };
    assert!(
        !problems.is_empty(),
        "an error carries at least one problem"
    );
    for problem in problems {
        assert!(
            problem.starts_with("plugins.sidecar"),
            "names the key: {problem}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_json_is_an_error_or_a_config(value in json()) {
        check(value);
    }

    #[test]
    fn any_sidecar_entry_is_an_error_or_a_config(value in config_shaped()) {
        check(value);
    }
}
