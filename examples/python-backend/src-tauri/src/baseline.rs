//! The benchmark's baseline (`--features baseline-poll`): the design this plugin replaces, written
//! the way it was — a free port, the bundled sidecar spawned with `PORT`, `GET /api/health`
//! polled every 100 ms, and a `get_backend_url` command. Not an example to follow: no restart, no
//! process group, no graceful stop (the child is killed on exit), no orphan protection.

use std::process::{Child, Command};
use std::sync::Mutex;
use std::time::Duration;

use tauri::{Manager, Runtime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

/// The original design's poll interval.
const POLL: Duration = Duration::from_millis(100);
/// The original design tried 30 times; a PEX's first start needs longer.
const POLLS: u32 = 300;

struct Backend {
    url: watch::Receiver<Option<String>>,
    child: Mutex<Option<Child>>,
}

/// Registers the baseline's setup, command and exit hook.
pub fn install<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .setup(|app| {
            let port = std::net::TcpListener::bind("127.0.0.1:0")?
                .local_addr()?
                .port();
            let program = std::env::current_exe()?.with_file_name("python-backend-api");
            let child = Command::new(program)
                // Outside the plugin, tauri-sidecar serves on $PORT.
                .env("PORT", port.to_string())
                .spawn()?;
            let (ready, url) = watch::channel(None);
            app.manage(Backend {
                url,
                child: Mutex::new(Some(child)),
            });
            tauri::async_runtime::spawn(async move {
                for _ in 0..POLLS {
                    if health_answers(port).await {
                        let _ = ready.send(Some(format!("http://127.0.0.1:{port}")));
                        return;
                    }
                    tokio::time::sleep(POLL).await;
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![get_backend_url])
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::Destroyed = event {
                kill(window.app_handle());
            }
        })
}

#[tauri::command]
async fn get_backend_url(backend: tauri::State<'_, Backend>) -> Result<String, String> {
    let mut url = backend.url.clone();
    let url = url
        .wait_for(Option::is_some)
        .await
        .map_err(|_| "the backend never became ready".to_string())?;
    Ok(url.clone().unwrap_or_default())
}

fn kill<R: Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(mut child) = app.state::<Backend>().child.lock().unwrap().take() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Whether `GET /api/health` answers 200 (one plain HTTP/1.1 request).
async fn health_answers(port: u16) -> bool {
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let request =
        format!("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await.is_ok() && head.ends_with(b"200")
}
