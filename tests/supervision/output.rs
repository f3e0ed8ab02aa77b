//! 1: output is drained line by line, always, into a bounded ring buffer; long lines are cut.

use tauri_plugin_sidecar::supervisor::{SidecarHandle, Stream};

use crate::support::*;

#[tokio::test]
async fn a_child_that_writes_10_mb_at_once_is_not_blocked_and_lines_are_bounded() {
    let mut spec = spec("flood", "floods_stdout.py");
    spec.log_lines = 50;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut lines = sidecar.subscribe_logs();
    start_ready(&sidecar).await;
    until_line(&mut lines, |l| l == "flood done").await;
    let kept = sidecar.logs(1000);
    assert_eq!(
        kept.len(),
        50,
        "the ring keeps the configured number of lines"
    );
    let texts: Vec<&str> = kept.iter().map(|l| l.line.as_str()).collect();
    let cut = texts
        .iter()
        .find(|l| l.starts_with('y'))
        .expect("the 1 MB line");
    assert!(
        cut.len() < 20_000 && cut.ends_with("…[line cut]"),
        "cut to {} bytes",
        cut.len()
    );
    assert_eq!(texts.last(), Some(&"flood done"));
    assert!(kept
        .iter()
        .all(|l| l.stream == Stream::Stdout && l.name == "flood"));
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn stderr_lines_are_kept_with_their_stream() {
    let sidecar = SidecarHandle::new(spec("stderr", "serves_ok.py")).unwrap();
    let mut lines = sidecar.subscribe_logs();
    start_ready(&sidecar).await;
    patiently(sidecar.stop()).await.unwrap();
    until_line(&mut lines, |l| l == "shutting down").await;
    let last = sidecar.logs(1).pop().unwrap();
    assert_eq!(
        (last.stream, last.line.as_str()),
        (Stream::Stderr, "shutting down")
    );
}

/// Runs `misbehaving_output.py` in `mode`.
fn misbehaving(mode: &str) -> SidecarHandle {
    let mut spec = spec(&format!("output-{mode}"), "misbehaving_output.py");
    spec.env.insert("MODE".into(), mode.into());
    SidecarHandle::new(spec).unwrap()
}

#[tokio::test]
async fn invalid_utf8_is_replaced_not_fatal() {
    let sidecar = misbehaving("invalid_utf8");
    let mut lines = sidecar.subscribe_logs();
    start_ready(&sidecar).await;
    let line = until_line(&mut lines, |l| l.ends_with(" end")).await;
    assert_eq!(line, "caf\u{fffd} \u{fffd}\u{fffd} end");
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn an_endless_line_is_cut_and_the_child_is_not_blocked() {
    let sidecar = misbehaving("endless_line");
    let mut lines = sidecar.subscribe_logs();
    start_ready(&sidecar).await;
    let cut = until_line(&mut lines, |l| l.starts_with('z')).await;
    assert!(
        cut.len() < 20_000 && cut.ends_with("…[line cut]"),
        "{} bytes",
        cut.len()
    );
    until_line(&mut lines, |l| l == "after the long line").await;
    patiently(sidecar.stop()).await.unwrap();
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_child_that_closes_its_output_is_still_supervised() {
    let sidecar = misbehaving("closes_output");
    let mut lines = sidecar.subscribe_logs();
    let ready = start_ready(&sidecar).await;
    until_line(&mut lines, |l| l == "closing my output").await;
    assert!(alive(ready.pid.unwrap() as i32));
    assert_eq!(
        patiently(sidecar.stop()).await.unwrap(),
        tauri_plugin_sidecar::supervisor::StopOutcome::Graceful
    );
}
