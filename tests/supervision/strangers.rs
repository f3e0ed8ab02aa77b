//! The probe never talks to a stranger: when another process (another user's, say) listens on a
//! sidecar's port before the sidecar does, no probe, and so no token, is sent to it, and the
//! start fails saying who holds the port.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use tauri_plugin_sidecar::supervisor::{RestartPolicy, SidecarHandle, State};

use crate::support::*;

/// Starts `records_requests.py` on `port`, recording into `record`; as `nobody`, with the
/// system's Python, when this runs as root (another user, as the attack has it), else as this
/// user. Returns it once it listens, with the uid it runs as.
fn stranger_on(port: u16, record: &std::path::Path) -> (std::process::Child, u32) {
    let script = std::fs::read_to_string(fixture("records_requests.py")).unwrap();
    let (port, record) = (port.to_string(), record.display().to_string());
    // SAFETY: getuid cannot fail.
    let me = unsafe { libc::getuid() };
    let (mut command, uid) = if me == 0 {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
        ]);
        (c, 65534)
    } else {
        (Command::new("python3"), me)
    };
    command.args(["-c", &script, &port, &record]);
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "listening");
    (child, uid)
}

#[tokio::test]
async fn a_stranger_that_takes_the_port_first_gets_no_probe_and_no_token() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let record = std::env::temp_dir().join(format!("sidecar-stranger-{}", std::process::id()));
    std::fs::write(&record, b"").unwrap();
    // The stranger may be another user: it must be able to write its record.
    std::fs::set_permissions(&record, std::os::unix::fs::PermissionsExt::from_mode(0o666)).unwrap();
    let mut spec = spec("taken", "listens_late.py");
    spec.port = Some(port);
    // The sidecar binds its port late; the stranger takes it in between.
    spec.env.insert("LISTEN_AFTER_MS".into(), "60000".into());
    spec.restart.policy = RestartPolicy::Never;
    let sidecar = SidecarHandle::new(spec).unwrap();
    let mut events = sidecar.subscribe();
    patiently(sidecar.start()).await.unwrap();
    until_state(&mut events, State::Starting).await;
    let (mut stranger, uid) = stranger_on(port, &record);

    let failed = until_state(&mut events, State::Failed).await;
    let _ = stranger.kill();
    let _ = stranger.wait();
    let error = failed.error.unwrap_or_default();
    assert!(
        error.contains(&format!(
            "another process (uid {uid}) listens on port {port}, not the sidecar"
        )),
        "{error}"
    );
    let received = std::fs::read_to_string(&record).unwrap();
    let _ = std::fs::remove_file(&record);
    assert_eq!(received, "", "the stranger received a request");
    patiently(sidecar.stop()).await.unwrap();
}

#[tokio::test]
async fn the_sidecars_own_listener_is_probed_as_ever() {
    // The check looks for the listening socket among the sidecar's processes, the child of a
    // bootloader-like parent included.
    let sidecar = SidecarHandle::new(spec("own", "forwards_sigterm.py")).unwrap();
    let ready = start_ready(&sidecar).await;
    assert_eq!(ready.state, State::Ready);
    patiently(sidecar.stop()).await.unwrap();
}
