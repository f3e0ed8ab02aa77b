//! Unix: SIGTERM, SIGINT and SIGHUP would end a Tauri app without any exit hook, orphaning its
//! sidecars. On the first, the sidecars are stopped gracefully and the app is asked to exit with
//! status 128 + the signal; a second one ends the process at once, as command-line programs do.
//! A signal that the app's launcher ignores (`nohup`, a background job) stays ignored.

use tauri::{AppHandle, Runtime};
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::Sidecars;

/// The stop signals this process watches; `None` where a signal is ignored or cannot be watched.
struct Watched {
    term: Option<Signal>,
    int: Option<Signal>,
    hup: Option<Signal>,
}

impl Watched {
    fn new() -> Self {
        let watch = |number: i32| {
            if ignored(number) {
                return None;
            }
            signal(SignalKind::from_raw(number))
                .map_err(|e| log::warn!("cannot watch signal {number}: {e}"))
                .ok()
        };
        Self {
            term: watch(libc::SIGTERM),
            int: watch(libc::SIGINT),
            hup: watch(libc::SIGHUP),
        }
    }

    /// The number of the next signal.
    async fn next(&mut self) -> i32 {
        async fn arrival(stream: &mut Option<Signal>) {
            match stream {
                Some(stream) => {
                    stream.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = arrival(&mut self.term) => libc::SIGTERM,
            _ = arrival(&mut self.int) => libc::SIGINT,
            _ = arrival(&mut self.hup) => libc::SIGHUP,
        }
    }
}

/// Watches the stop signals on the engine's runtime.
pub fn stop_on_signals<R: Runtime>(app: AppHandle<R>, sidecars: Sidecars) {
    let runtime = sidecars.runtime().clone();
    let _engine = runtime.handle().enter();
    let mut watched = Watched::new();
    tokio::spawn(async move {
        let first = watched.next().await;
        log::info!("signal {first}: stopping the sidecars, then exiting");
        tokio::spawn(stop_then_exit(app, sidecars, 128 + first));
        let second = watched.next().await;
        log::warn!("signal {second} during the stop: exiting at once");
        // `_exit`, not `exit`: this is not the main thread, and running the process's exit
        // handlers under GTK's running threads crashed it now and then (SIGSEGV). The sidecars'
        // watchdogs end their groups when the process is gone.
        // SAFETY: `_exit` ends the process; it touches no Rust state.
        unsafe { libc::_exit(128 + second) }
    });
}

async fn stop_then_exit<R: Runtime>(app: AppHandle<R>, sidecars: Sidecars, code: i32) {
    sidecars.stop_all().await;
    app.exit(code);
    // An app may refuse the exit (a tray app calls `prevent_exit()` on every ExitRequested) and
    // would then run on without its backend, deaf to further signals. The event loop handles its
    // messages in order and handles none after an exit it accepts: this task runs only if the
    // exit was refused. Then the process ends as it would have without the plugin.
    let handle = app.clone();
    let _ = app.run_on_main_thread(move || {
        log::warn!("the app refused to exit after a stop signal; exiting with status {code}");
        handle.cleanup_before_exit();
        std::process::exit(code);
    });
}

/// Whether `number` is ignored (SIG_IGN) in this process.
fn ignored(number: i32) -> bool {
    // SAFETY: with a null new action, sigaction only reads the current one into `current`.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        libc::sigaction(number, std::ptr::null(), &mut current) == 0
            && current.sa_sigaction == libc::SIG_IGN
    }
}
