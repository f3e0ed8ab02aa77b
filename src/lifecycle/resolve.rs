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

/// The app crate's directory: `CARGO_MANIFEST_DIR`, which `cargo run` (and so `tauri dev`)
/// passes to the app wherever it is started from; else, for an executable started directly from
/// its target directory, the nearest directory above it with a `tauri.conf.json`; else the
/// current directory.
fn dev_base(exe_dir: &Path) -> PathBuf {
    dev_base_from(
        std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
        exe_dir,
        std::env::current_dir().ok(),
    )
}

fn dev_base_from(manifest_dir: Option<PathBuf>, exe_dir: &Path, cwd: Option<PathBuf>) -> PathBuf {
    manifest_dir
        .or_else(|| {
            exe_dir
                .ancestors()
                .find(|dir| dir.join("tauri.conf.json").is_file())
                .map(Path::to_path_buf)
        })
        .or(cwd)
        .unwrap_or_else(|| exe_dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_paths_resolve_against_the_app_crate_wherever_the_app_is_started_from() {
        let project = std::env::temp_dir().join(format!("sidecar-dev-base-{}", std::process::id()));
        let crate_dir = project.join("src-tauri");
        let exe_dir = crate_dir.join("target/debug");
        std::fs::create_dir_all(&exe_dir).unwrap();
        std::fs::write(crate_dir.join("tauri.conf.json"), "{}").unwrap();
        let elsewhere = PathBuf::from("/somewhere/else");
        // `cargo run` / `tauri dev`: the variable wins.
        let given = dev_base_from(Some("/given".into()), &exe_dir, Some(elsewhere.clone()));
        // `./src-tauri/target/debug/app` from the project root: the crate above the executable.
        let found = dev_base_from(None, &exe_dir, Some(elsewhere.clone()));
        // An executable outside any app crate (a shared target directory): the current directory.
        let fallback = dev_base_from(None, Path::new("/"), Some(elsewhere.clone()));
        std::fs::remove_dir_all(&project).unwrap();
        assert_eq!(given, PathBuf::from("/given"));
        assert_eq!(found, crate_dir);
        assert_eq!(fallback, elsewhere);
    }
}
