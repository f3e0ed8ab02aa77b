//! Where the engine's lines go: a sidecar's output and the engine's own lifecycle lines about it
//! (`started`, `ready at`, `restarting in`, `failed`). Always to the `log` crate; and, when asked
//! (the plugin asks in development builds), to standard error for as long as no logger is
//! installed, as docker compose prints its services:
//!
//! ```text
//! backend | INFO:     Uvicorn running on http://127.0.0.1:40213
//! backend | [sidecar] ready at http://127.0.0.1:40213
//! ```

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// What marks the engine's own lines on the terminal, apart from the sidecar's output.
const ENGINE_MARK: &str = "[sidecar] ";

static TO_TERMINAL: AtomicBool = AtomicBool::new(false);
/// The longest sidecar name seen, so that the `|` line up.
static NAME_WIDTH: AtomicUsize = AtomicUsize::new(0);

/// Whether sidecars' output and the engine's lines about them also go to standard error while
/// the process has no logger (`log::max_level()` is `Off`, as it is until one is installed).
/// Off unless turned on; the plugin turns it on in development builds. With a logger, the lines
/// go through it only: output under the target `sidecar::<name>`, lifecycle lines under this
/// crate's.
pub fn echo_to_terminal(on: bool) {
    TO_TERMINAL.store(on, Ordering::Relaxed);
}

/// Notes a sidecar's name, for the width of the terminal's name column.
pub(crate) fn register(name: &str) {
    NAME_WIDTH.fetch_max(name.chars().count(), Ordering::Relaxed);
}

/// One line of the sidecar's output; `target` is `sidecar::<name>`.
pub(crate) fn output(target: &str, name: &str, line: &str) {
    log::info!(target: target, "{line}");
    if on_terminal() {
        eprintln!("{}", terminal_line(name, width(), line));
    }
}

/// One of the engine's lines about sidecar `name`.
pub(crate) fn lifecycle(level: log::Level, name: &str, message: fmt::Arguments<'_>) {
    log::log!(level, "sidecar `{name}`: {message}");
    if on_terminal() {
        let text = format!("{ENGINE_MARK}{message}");
        eprintln!("{}", terminal_line(name, width(), &text));
    }
}

fn on_terminal() -> bool {
    TO_TERMINAL.load(Ordering::Relaxed) && log::max_level() == log::LevelFilter::Off
}

fn width() -> usize {
    NAME_WIDTH.load(Ordering::Relaxed)
}

/// `name` padded to `width`, a bar, and `text`.
fn terminal_line(name: &str, width: usize, text: &str) -> String {
    format!("{name:<width$} | {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_padded_so_that_the_bars_line_up() {
        assert_eq!(terminal_line("db", 7, "listening"), "db      | listening");
        assert_eq!(
            terminal_line("backend", 7, "listening"),
            "backend | listening"
        );
        assert_eq!(terminal_line("backend", 0, "x"), "backend | x");
    }

    #[test]
    fn without_a_logger_the_terminal_is_used_only_when_asked() {
        // This test binary installs no logger: `max_level` stays `Off`.
        assert_eq!(log::max_level(), log::LevelFilter::Off);
        echo_to_terminal(false);
        assert!(!on_terminal());
        echo_to_terminal(true);
        assert!(on_terminal());
        echo_to_terminal(false);
    }
}
