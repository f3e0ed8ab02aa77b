//! `plugins.sidecar` from `tauri.conf.json` to engine specs: the defaults a minimal entry gets,
//! `dev` in development builds, and one message per problem, naming the key.

use std::path::PathBuf;

use tauri_plugin_sidecar::config::{parse, to_specs, Resolver};
use tauri_plugin_sidecar::SidecarSpec;

use serde_json::json;

fn resolver(use_dev: bool) -> Resolver {
    Resolver {
        exe_dir: "/app/bin".into(),
        dev_base: "/src/app/src-tauri".into(),
        use_dev,
        page_origins: Vec::new(),
    }
}

/// Where `resolver`'s app finds bundled sidecar `name` on this OS (`main.exe` on Windows).
fn bundled(name: &str) -> PathBuf {
    PathBuf::from("/app/bin").join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

fn problems(config: serde_json::Value) -> Vec<String> {
    match parse(config) {
        Err(p) => p,
        Ok(c) => to_specs(&c, &resolver(false), Vec::new()).expect_err("a bad config"),
    }
}

#[test]
fn the_original_designs_config_needs_two_keys_and_gets_every_default() {
    let c = parse(
        json!({"sidecars": {"main": {"sidecar": "binaries/main", "portEnv": "MT_API_PORT"}}}),
    )
    .unwrap();
    let spec = &to_specs(&c, &resolver(false), Vec::new()).unwrap()[0];
    assert_eq!(spec.program, bundled("main"));
    assert_eq!(spec.port_env, "MT_API_PORT");
    let defaults = SidecarSpec::new("main", "x", vec![]);
    assert_eq!(spec.health, defaults.health);
    assert_eq!(spec.restart, defaults.restart);
    assert_eq!(
        (
            spec.startup_timeout,
            spec.shutdown_timeout,
            spec.log_lines,
            spec.autostart,
            spec.port
        ),
        (
            defaults.startup_timeout,
            defaults.shutdown_timeout,
            200,
            true,
            None
        )
    );
}

#[test]
fn an_absent_section_means_no_sidecars() {
    assert!(parse(serde_json::Value::Null).unwrap().sidecars.is_empty());
}

#[test]
fn dev_replaces_the_program_in_development_builds_with_cwd_relative_to_the_app_crate() {
    let c = parse(json!({"sidecars": {"api": {
        "sidecar": "binaries/main",
        "dev": {"command": "python3", "args": ["sidecar/app.py"], "cwd": ".."}
    }}}))
    .unwrap();
    let dev = &to_specs(&c, &resolver(true), Vec::new()).unwrap()[0];
    assert_eq!(dev.program, PathBuf::from("python3"));
    assert_eq!(dev.args, ["sidecar/app.py"]);
    assert_eq!(
        dev.cwd,
        Some(PathBuf::from("/src/app/src-tauri").join(".."))
    );
    let release = &to_specs(&c, &resolver(false), Vec::new()).unwrap()[0];
    assert_eq!(release.program, bundled("main"));
}

#[test]
fn a_sidecar_with_only_dev_runs_in_development_builds() {
    let c = parse(json!({"sidecars": {"api": {"dev": {"command": "python3", "args": ["app.py"], "cwd": "../backend"}}}}))
        .unwrap();
    let specs = to_specs(&c, &resolver(true), Vec::new()).unwrap();
    assert_eq!(specs[0].program, PathBuf::from("python3"));
    assert_eq!(
        specs[0].cwd,
        Some(PathBuf::from("/src/app/src-tauri").join("../backend"))
    );
}

#[test]
fn bad_configs_and_their_messages() {
    let cases: Vec<(serde_json::Value, Vec<&str>)> = vec![
        (
            json!({"sidecars": {"api": {"command": "x", "helth": {}}}}),
            vec!["plugins.sidecar.sidecars.api.helth: unknown field `helth`"],
        ),
        (
            json!({"sidecars": {"api": {"command": "x", "health": {"path": 5}}}}),
            vec!["plugins.sidecar.sidecars.api.health.path: invalid type: integer `5`, expected a string"],
        ),
        (
            json!({"sidecars": {"api": {"command": "x", "sidecar": "binaries/main"}}}),
            vec!["plugins.sidecar.sidecars.api must set only one of `sidecar` and `command`"],
        ),
        (json!({"sidecars": {"api": {}}}), vec!["plugins.sidecar.sidecars.api must set `sidecar` or `command`"]),
        (
            json!({"sidecars": {"api": {"dev": {"command": "python3"}}}}),
            vec!["plugins.sidecar.sidecars.api has only `dev`, which development builds run: a production build needs `sidecar` (a binary listed in bundle.externalBin) or `command`"],
        ),
        (
            json!({"sidecars": {"api": {"command": "x", "health": {"path": "api/health"}}}}),
            vec!["plugins.sidecar.sidecars.api.health.path must start with \"/\""],
        ),
        (
            json!({"sidecars": {"api": {"command": "x", "startupTimeoutMs": 0}}}),
            vec!["plugins.sidecar.sidecars.api.startupTimeoutMs must be greater than 0"],
        ),
        (
            json!({"sidecars": {"api": {"command": "x", "shutdownTimeoutMs": -5}}}),
            vec!["plugins.sidecar.sidecars.api.shutdownTimeoutMs: invalid value: integer `-5`, expected u64"],
        ),
        (
            json!({"sidecars": {"api": {"command": "x", "restart": {"initialDelayMs": 500, "maxDelayMs": 100}}}}),
            vec!["plugins.sidecar.sidecars.api.restart.maxDelayMs must not be less than restart.initialDelayMs"],
        ),
        (
            json!({"sidecars": {"api": {"command": "x", "dependsOn": ["db"]}}}),
            vec!["plugins.sidecar.sidecars.api.dependsOn names `db`, which is not a declared sidecar"],
        ),
        (
            json!({"sidecars": {"a": {"command": "x", "dependsOn": ["b"]}, "b": {"command": "x", "dependsOn": ["a"]}}}),
            vec!["plugins.sidecar.sidecars.a.dependsOn forms a dependency cycle: a -> b -> a"],
        ),
        (
            json!({"sidecars": {"api": {"command": "x", "port": 70000}}}),
            vec!["plugins.sidecar.sidecars.api.port: invalid value: integer `70000`, expected u16"],
        ),
        (
            json!({"sidecars": {"": {"command": "x"}}}),
            vec!["plugins.sidecar.sidecars. has an empty name"],
        ),
        (
            json!({"sidecars": {"api": {"command": "x", "restart": {"policy": "sometimes"}}}}),
            vec!["plugins.sidecar.sidecars.api.restart.policy: unknown variant `sometimes`, expected one of `never`, `on-failure`, `always`"],
        ),
    ];
    for (config, expected) in cases {
        let got = problems(config.clone());
        // The list of valid keys that follows an unknown one is serde's; the start is ours.
        let mut got: Vec<&str> = got
            .iter()
            .map(|p| p.split(", expected one of `sidecar`").next().unwrap())
            .collect();
        got.sort();
        let mut expected = expected;
        expected.sort();
        assert_eq!(got, expected, "config {config}");
    }
}

#[test]
fn watch_applies_to_dev_in_development_builds_with_python_files_by_default() {
    let globs = |watch: Option<serde_json::Value>, dev_build: bool| {
        let mut api =
            json!({"sidecar": "binaries/main", "dev": {"command": "python3", "cwd": "../backend"}});
        if let Some(watch) = watch {
            api["watch"] = watch;
        }
        let c = parse(json!({"sidecars": {"api": api}})).unwrap();
        to_specs(&c, &resolver(dev_build), Vec::new()).unwrap()[0]
            .watch
            .clone()
    };
    assert_eq!(globs(None, true), ["**/*.py"]);
    assert_eq!(globs(Some(json!(true)), true), ["**/*.py"]);
    assert_eq!(globs(Some(json!(false)), true), Vec::<String>::new());
    assert_eq!(
        globs(Some(json!(["*.py", "templates/**"])), true),
        ["*.py", "templates/**"]
    );
    assert_eq!(
        globs(None, false),
        Vec::<String>::new(),
        "never in a production build"
    );
    assert_eq!(globs(Some(json!(["*.py"])), false), Vec::<String>::new());
}

#[test]
fn a_bad_watch_value_or_glob_is_named() {
    let problem = |watch: serde_json::Value| {
        let c = json!({"sidecars": {"api": {"dev": {"command": "python3"}, "command": "x", "watch": watch}}});
        match parse(c) {
            Err(p) => p,
            Ok(c) => to_specs(&c, &resolver(true), Vec::new()).expect_err("a bad config"),
        }
    };
    assert_eq!(
        problem(json!("yes")),
        [
            r#"plugins.sidecar.sidecars.api.watch: invalid type: string "yes", expected `false`, `true` or a list of globs such as ["**/*.py"]"#
        ]
    );
    assert_eq!(
        problem(json!(["src/[ab"])),
        [
            r#"plugins.sidecar.sidecars.api.watch has an invalid glob "src/[ab": unclosed character class; missing ']'"#
        ]
    );
}

#[test]
fn every_sidecar_has_a_token_unless_token_env_is_null() {
    let token_env = |entry: serde_json::Value| {
        let c = parse(json!({"sidecars": {"api": entry}})).unwrap();
        to_specs(&c, &resolver(false), Vec::new()).unwrap()[0]
            .token_env
            .clone()
    };
    assert_eq!(
        token_env(json!({"command": "x"})).as_deref(),
        Some("TAURI_SIDECAR_TOKEN")
    );
    assert_eq!(
        token_env(json!({"command": "x", "tokenEnv": "API_TOKEN"})).as_deref(),
        Some("API_TOKEN")
    );
    assert_eq!(token_env(json!({"command": "x", "tokenEnv": null})), None);
}
