//! What the plugin does at setup: it ends the sidecars a dead earlier run of the app left
//! behind, and checks the sidecars of `Builder::sidecar` with the configured ones.

use serde_json::json;
use tauri::Manager;
use tauri_plugin_sidecar::supervisor::SidecarSpec;
use tauri_plugin_sidecar::SidecarExt;

use crate::pids::{wait_gone, PATIENCE};
use crate::{app_with, context_with, fixture};

#[path = "../common/ledger_files.rs"]
mod ledger_files;
use ledger_files::{dead_owner, identity, lonely_process, write_ledger};

#[test]
fn a_sidecar_left_by_a_dead_run_of_the_app_is_ended_when_the_app_starts() {
    let ledger_dir = app_with(json!({}))
        .path()
        .app_local_data_dir()
        .unwrap()
        .join("tauri-plugin-sidecar");
    let mut survivor = lonely_process();
    let pid = survivor.id();
    let mut recorded = identity(pid);
    recorded["processGroup"] = json!(pid);
    write_ledger(&ledger_dir, dead_owner(), json!({"api": recorded}));

    let _next_run = app_with(json!({}));
    assert!(wait_gone(pid as i32), "survivor {pid} was not ended");
    let _ = survivor.wait();
}

#[test]
fn a_configured_sidecar_may_depend_on_one_added_with_builder_sidecar() {
    let extra = SidecarSpec::new("extra", "python3", vec![fixture("serves_ok.py")]);
    let app = tauri::test::mock_builder()
        .plugin(tauri_plugin_sidecar::Builder::new().sidecar(extra).build())
        .build(context_with(json!({"sidecars": {"api": {
            "command": "python3", "args": [fixture("serves_ok.py")], "dependsOn": ["extra"]
        }}})))
        .expect("sidecars of tauri.conf.json and of the Builder are checked together");
    let url =
        tauri::async_runtime::block_on(app.sidecars().backend_url(Some("api"), Some(PATIENCE)));
    assert!(url.is_ok(), "{url:?}");
    assert!(
        app.sidecar("extra").unwrap().backend().is_some(),
        "its dependency runs"
    );
    tauri::async_runtime::block_on(app.sidecars().stop_all());
}
