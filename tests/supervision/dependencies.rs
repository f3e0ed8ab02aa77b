//! 9: several sidecars, supervised independently; `depends_on` orders starts and stops.

use tauri_plugin_sidecar::supervisor::{
    RestartPolicy, SidecarSpec, State, Supervisor, SupervisorError,
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
    group.stop_all().await;
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
    let stopped = group.stop_all().await;
    assert_eq!(stopped.len(), 2);
    assert!(matches!(group.get("three"), Err(SupervisorError::UnknownSidecar(n)) if n == "three"));
}
