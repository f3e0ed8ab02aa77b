//! Watching a sidecar's sources: a change to a file below its working directory that matches its
//! `watch` globs is reported once per burst (an editor's save is several events). The OS's own
//! notifications through `notify` (inotify, FSEvents, ReadDirectoryChangesW), never a poll; one
//! directory at a time, so that virtual environments, caches and build output are not watched
//! (inotify needs a watch per directory, and a `.venv` has hundreds).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

/// How long a burst of events must have been quiet before it counts as one change.
const QUIET: Duration = Duration::from_millis(50);

/// Directories below the root that are never watched, besides those whose name starts with `.`.
const NOT_WATCHED: [&str; 6] = [
    "__pycache__",
    "node_modules",
    "target",
    "venv",
    "build",
    "dist",
];

/// At most this many directories are watched; a working directory that holds more is not a
/// project's sources.
const MAX_DIRECTORIES: usize = 10_000;

enum Message {
    Event(notify::Result<notify::Event>),
    Stop,
}

/// A running watch; dropping it ends it.
#[derive(Debug)]
pub struct SourceWatch {
    messages: mpsc::Sender<Message>,
}

impl SourceWatch {
    /// Watches `root` on a thread of its own and calls `changed` with the path, relative to
    /// `root`, of the first matching file that changed in each burst of changes.
    pub fn start(
        root: &Path,
        globs: &[String],
        changed: impl Fn(PathBuf) + Send + 'static,
    ) -> io::Result<Self> {
        let matcher = Sources::new(root, globs)?;
        let (messages, inbox) = mpsc::channel();
        let events = messages.clone();
        let mut watcher = notify::recommended_watcher(move |event| {
            let _ = events.send(Message::Event(event));
        })
        .map_err(io::Error::other)?;
        let watched = matcher.watch_tree(&mut watcher, root, 0);
        log::debug!("watching {watched} directories below {}", root.display());
        std::thread::Builder::new()
            .name("sidecar-sources".into())
            .spawn(move || matcher.run(watcher, inbox, changed))?;
        Ok(Self { messages })
    }
}

impl Drop for SourceWatch {
    fn drop(&mut self) {
        let _ = self.messages.send(Message::Stop);
    }
}

/// What is watched and which files count.
struct Sources {
    root: PathBuf,
    globs: GlobSet,
}

impl Sources {
    fn new(root: &Path, globs: &[String]) -> io::Result<Self> {
        let mut set = GlobSetBuilder::new();
        for glob in globs {
            let glob = GlobBuilder::new(glob)
                .literal_separator(true)
                .build()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            set.add(glob);
        }
        Ok(Self {
            root: root.to_path_buf(),
            globs: set
                .build()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?,
        })
    }

    /// Reads events until told to stop, and reports each burst's first matching change.
    fn run(
        self,
        mut watcher: RecommendedWatcher,
        inbox: mpsc::Receiver<Message>,
        changed: impl Fn(PathBuf),
    ) {
        loop {
            let first = match inbox.recv() {
                Ok(Message::Event(event)) => self.consider(&mut watcher, event),
                Ok(Message::Stop) | Err(_) => return,
            };
            let Some(first) = first else { continue };
            // The rest of the burst: whatever else changes before it falls quiet.
            loop {
                match inbox.recv_timeout(QUIET) {
                    Ok(Message::Event(event)) => {
                        self.consider(&mut watcher, event);
                    }
                    Err(RecvTimeoutError::Timeout) => break,
                    Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            changed(first);
        }
    }

    /// The matching file an event is about, if any; watches a directory it created.
    fn consider(
        &self,
        watcher: &mut RecommendedWatcher,
        event: notify::Result<notify::Event>,
    ) -> Option<PathBuf> {
        let event = event
            .inspect_err(|e| log::debug!("watching {}: {e}", self.root.display()))
            .ok()?;
        if !matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
        ) {
            return None;
        }
        let mut matched = None;
        for path in &event.paths {
            let Some(relative) = self.watched(path) else {
                continue;
            };
            let name = relative.file_name().unwrap_or_default().to_string_lossy();
            if matches!(event.kind, EventKind::Create(_)) && path.is_dir() && !not_watched(&name) {
                self.watch_tree(watcher, path, 0);
            }
            if matched.is_none() && self.globs.is_match(relative) {
                matched = Some(relative.to_path_buf());
            }
        }
        matched
    }

    /// `path` relative to the root, unless it is outside it or in a directory not watched.
    fn watched<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        let relative = path.strip_prefix(&self.root).ok()?;
        let in_skipped = relative
            .parent()
            .into_iter()
            .flat_map(Path::components)
            .any(|c| not_watched(&c.as_os_str().to_string_lossy()));
        (!in_skipped).then_some(relative)
    }

    /// Watches `dir` and the directories below it that are watched; returns how many.
    fn watch_tree(&self, watcher: &mut RecommendedWatcher, dir: &Path, already: usize) -> usize {
        if already >= MAX_DIRECTORIES {
            log::warn!(
                "not watching below {}: more than {MAX_DIRECTORIES} directories",
                dir.display()
            );
            return 0;
        }
        if let Err(e) = watcher.watch(dir, RecursiveMode::NonRecursive) {
            log::debug!("cannot watch {}: {e}", dir.display());
            return 0;
        }
        let mut count = 1;
        let Ok(entries) = std::fs::read_dir(dir) else {
            return count;
        };
        for entry in entries.flatten() {
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && !not_watched(&entry.file_name().to_string_lossy()) {
                count += self.watch_tree(watcher, &entry.path(), already + count);
            }
        }
        count
    }
}

/// Whether a directory of this name is left out.
fn not_watched(name: &str) -> bool {
    name.starts_with('.') || NOT_WATCHED.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(globs: &[&str]) -> Sources {
        let globs: Vec<String> = globs.iter().map(|g| g.to_string()).collect();
        Sources::new(Path::new("/app/backend"), &globs).unwrap()
    }

    #[test]
    fn globs_match_below_the_root_and_skip_environments_and_caches() {
        let s = sources(&["**/*.py"]);
        let matches = |path: &str| {
            s.watched(Path::new(path))
                .is_some_and(|relative| s.globs.is_match(relative))
        };
        assert!(matches("/app/backend/app.py"));
        assert!(matches("/app/backend/api/routes.py"));
        assert!(!matches("/app/backend/app.txt"));
        assert!(!matches("/app/backend/.venv/lib/site.py"));
        assert!(!matches("/app/backend/api/__pycache__/routes.py"));
        assert!(!matches("/app/elsewhere/app.py"));
    }

    #[test]
    fn a_single_star_stays_in_its_directory() {
        let s = sources(&["*.py"]);
        assert!(s.globs.is_match("app.py"));
        assert!(!s.globs.is_match("api/routes.py"));
    }
}
