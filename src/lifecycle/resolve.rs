//! What the running app tells about where its sidecars are: the directory of its executable
//! (bundled sidecars live beside it), whether it is a development build, and, only then, what a
//! relative `dev.cwd` is relative to and the dev server's origin (its pages' origin). A release app reads nothing else, so it starts even when
//! its current directory has been deleted.

use std::io;
use std::path::{Path, PathBuf};

use crate::config::Resolver;

/// The resolver of this app. `dev` applies exactly when Tauri says it is a development build
/// (`tauri dev`, or `cargo run` without the `custom-protocol` feature that `tauri build` adds,
/// with `--debug` too).
pub fn for_this_app(dev_url: Option<&tauri::Url>) -> io::Result<Resolver> {
    let exe = std::env::current_exe()?;
    let mut exe_dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if exe_dir.ends_with("deps") {
        exe_dir.pop(); // a test binary in target/<profile>/deps
    }
    let use_dev = tauri::is_dev();
    let dev_base = if use_dev {
        dev_base(&exe_dir)
    } else {
        PathBuf::new()
    };
    let page_origins = match dev_url {
        Some(url) if use_dev && url.origin().is_tuple() => vec![url.origin().ascii_serialization()],
        _ => Vec::new(),
    };
    Ok(Resolver {
        exe_dir,
        dev_base,
        use_dev,
        page_origins,
    })
}

/// The app crate's directory, which `cargo run` (and so `tauri dev`) passes to the app as
/// `CARGO_MANIFEST_DIR`, wherever it is started from; else the current directory.
fn dev_base(exe_dir: &Path) -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| exe_dir.to_path_buf())
}
