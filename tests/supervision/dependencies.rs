//! 9: several sidecars, supervised independently; `depends_on` orders starts and stops.

use tauri_plugin_sidecar::supervisor::{
    RestartPolicy, SidecarHandle, SidecarSpec, State, Supervisor, SupervisorError,
};

use crate::support::*;

fn web_on_api(api_fixture: &str) -> Vec<SidecarSpec> {
    let mut api = spec("api", api_fixture);
    api.restart.policy = RestartPolicy::Never;
    let mut web = spec("web", "serves_ok.py");
    web.depends_on = vec!["api".into()];
    vec![web, api]
}

#[tokio::test]
async fn a_dependent_spawns_only_after_its_dependency_is_ready_and_stops_before_it() {
    let group = Supervisor::new(web_on_api("ready_after_2s.py")).unwrap();
    let (api, web) = (
        group.get("api").unwrap().clone(),
        group.get("web").unwrap().clone(),
    );
    let mut web_events = web.subscribe();
    let mut api_events = api.subscribe();
    group.start_all();

    // web is `starting` at once (so frontends wait for it) but has no process until api is ready.
    let waiting = until_state(&mut web_events, State::Starting).await;
    assert_eq!(waiting.pid, None);
    let spawned = until_state(&mut web_events, State::Starting).await;
    assert!(spawned.pid.is_some());
    assert_eq!(
        api.status().state,
        State::Ready,
        "web spawned before api was ready"
    );
    web.wait_ready(Some(PATIENCE)).await.unwrap();

    let api_stopping = tokio::spawn(async move {
        let status = until_state(&mut api_events, State::Stopping).await;
        (status, web.status().state)
    });
    patiently(group.stop_all()).await;
    let (_, web_state_when_api_stopped) = api_stopping.await.unwrap();
    assert_eq!(web_state_when_api_stopped, State::Stopped);
}

#[tokio::test]
async fn a_failed_dependency_fails_its_dependent_with_the_reason() {
    let group = Supervisor::new(web_on_api("exits_before_ready.py")).unwrap();
    group.start_all();
    let err = group
        .get("web")
        .unwrap()
        .wait_ready(Some(PATIENCE))
        .await
        .unwrap_err();
    let SupervisorError::Failed { reason, .. } = err else {
        panic!("{err}")
    };
    assert!(
        reason.starts_with("dependency `api` failed: exited with status 3"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_cycle_is_a_configuration_error() {
    let mut a = spec("a", "serves_ok.py");
    a.depends_on = vec!["b".into()];
    let mut b = spec("b", "serves_ok.py");
    b.depends_on = vec!["a".into()];
    let err = Supervisor::new(vec![a, b]).unwrap_err();
    assert_eq!(
        err,
        SupervisorError::Config(vec![
            "sidecars.a.dependsOn forms a dependency cycle: a -> b -> a".into()
        ])
    );
}

#[tokio::test]
async fn sidecars_are_supervised_independently() {
    let group = Supervisor::new(vec![
        spec("one", "serves_ok.py"),
        spec("two", "serves_ok.py"),
    ])
    .unwrap();
    let (one, two) = (group.get("one").unwrap(), group.get("two").unwrap());
    let mut one_events = one.subscribe();
    group.start_all();
    let one_ready = one.wait_ready(Some(PATIENCE)).await.unwrap();
    two.wait_ready(Some(PATIENCE)).await.unwrap();
    let two_pid = two.status().pid;
    let _ = http_get(one_ready.port, "/crash", None);
    until_state(&mut one_events, State::Restarting).await;
    until_state(&mut one_events, State::Ready).await;
    assert_eq!(two.status().pid, two_pid);
    assert_eq!(two.status().restarts, 0);
    let stopped = patiently(group.stop_all()).await;
    assert_eq!(stopped.len(), 2);
    assert!(matches!(group.get("three"), Err(SupervisorError::UnknownSidecar(n)) if n == "three"));
}

/// `api` depends on `db`; neither starts with the app.
fn api_on_db() -> (Supervisor, SidecarHandle, SidecarHandle) {
    let mut db = spec("db", "serves_ok.py");
    db.autostart = false;
    db.token_env = Some("DB_TOKEN".into());
    let mut api = spec("api", "serves_ok.py");
    api.autostart = false;
    api.depends_on = vec!["db".into()];
    let group = Supervisor::new(vec![api, db]).unwrap();
    let (api, db) = (
        group.get("api").unwrap().clone(),
        group.get("db").unwrap().clone(),
    );
    (group, api, db)
}

/// The value of environment variable `name` in the sidecar serving on `port`.
fn env_of(port: u16, name: &str) -> serde_json::Value {
    let (_, body) = http_get(port, &format!("/env/{name}"), None);
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["value"].clone()
}

#[tokio::test]
async fn starting_a_dependent_starts_its_stopped_dependency_and_tells_it_where_it_is() {
    let (_group, api, db) = api_on_db();
    patiently(api.start()).await.unwrap();
    let api_backend = api.wait_ready(Some(PATIENCE)).await.unwrap();
    let db_backend = db.backend().expect("db is ready before api");
    assert_eq!(
        env_of(api_backend.port, "SIDECAR_DB_URL"),
        serde_json::json!(db_backend.url)
    );
    assert_eq!(
        env_of(api_backend.port, "SIDECAR_DB_TOKEN"),
        serde_json::json!(db_backend.token.unwrap())
    );
}

#[tokio::test]
async fn a_dependent_that_prints_its_dependencys_token_has_it_redacted() {
    let mut db = spec("db", "serves_ok.py");
    db.token_env = Some("DB_TOKEN".into());
    db.autostart = false;
    let mut api = spec("api", "prints_its_environment.py");
    api.depends_on = vec!["db".into()];
    api.autostart = false;
    api.env
        .insert("PRINT_VARIABLES".into(), "SIDECAR_DB_TOKEN".into());
    let group = Supervisor::new(vec![api, db]).unwrap();
    let (api, db) = (group.get("api").unwrap(), group.get("db").unwrap());
    let mut lines = api.subscribe_logs();
    patiently(api.start()).await.unwrap();
    let line = until_line(&mut lines, |l| l.starts_with("SIDECAR_DB_TOKEN=")).await;
    assert_eq!(line, "SIDECAR_DB_TOKEN=[token]");
    api.wait_ready(Some(PATIENCE)).await.unwrap();
    let token = db.backend().unwrap().token.unwrap();
    assert!(
        api.logs(100).iter().all(|l| !l.line.contains(&token)),
        "the dependency's token is in the dependent's logs"
    );
    patiently(group.stop_all()).await;
}

#[tokio::test]
async fn stopping_a_dependency_stops_its_dependents_first_and_a_start_brings_both_back() {
    let (_group, api, db) = api_on_db();
    patiently(api.start()).await.unwrap();
    api.wait_ready(Some(PATIENCE)).await.unwrap();
    let mut db_events = db.subscribe();
    let api_when_db_stops = tokio::spawn({
        let api = api.clone();
        async move {
            until_state(&mut db_events, State::Stopping).await;
            api.status().state
        }
    });
    patiently(db.stop()).await.unwrap();
    assert_eq!(api_when_db_stops.await.unwrap(), State::Stopped);
    assert_eq!(api.status().state, State::Stopped);

    patiently(api.start()).await.unwrap();
    api.wait_ready(Some(PATIENCE)).await.unwrap();
    assert_eq!(db.status().state, State::Ready);
}

#[tokio::test]
async fn a_dependency_that_exited_cleanly_is_started_again_with_its_dependent() {
    let (_group, api, db) = api_on_db();
    patiently(api.start()).await.unwrap();
    api.wait_ready(Some(PATIENCE)).await.unwrap();
    let mut db_events = db.subscribe();
    let first_db = db.backend().unwrap();
    let first_pid = db.status().pid;
    // Status 0 under `on-failure`: db stays stopped, api keeps running.
    let _ = http_get(first_db.port, "/exit0", None);
    until_state(&mut db_events, State::Stopped).await;
    assert_eq!(api.status().state, State::Ready);

    patiently(api.restart()).await.unwrap();
    let api_backend = api.wait_ready(Some(PATIENCE)).await.unwrap();
    let second_db = db.backend().expect("db is ready again");
    assert_ne!(db.status().pid, first_pid, "a new db process serves");
    assert_eq!(
        env_of(api_backend.port, "SIDECAR_DB_URL"),
        serde_json::json!(second_db.url)
    );
}
