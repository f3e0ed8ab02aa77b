//! A record on disk of the sidecar processes an app instance runs, so that the next launch can end
//! those a previous run left behind where the OS gave no kill-on-parent-death (macOS, a grandchild
//! that left the group, a power cut before the watchdog could act).
//!
//! Each app instance writes `sidecars-<its pid>.json` in the ledger directory:
//! `{"owner": <identity>, "sidecars": {"<name>": <identity> + "processGroup": 123 | null}}`, where an
//! identity is `{"pid": 123, "startTime": <seconds since the epoch>, "exe": "/path" | null}`. A
//! recorded process is only ever ended (with its process group) when its pid, start time and
//! executable all still match, so a recycled pid is never touched; files whose owner still runs
//! (another instance of the app) are left alone.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

/// What identifies a process across pid reuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessIdentity {
    /// Process id.
    pub pid: u32,
    /// Start time, seconds since the Unix epoch.
    pub start_time: u64,
    /// Executable, when the OS tells.
    pub exe: Option<PathBuf>,
}

impl ProcessIdentity {
    /// The identity of the running process `pid`, if there is one.
    pub fn of(pid: u32) -> Option<Self> {
        let mut system = System::new();
        let pid = Pid::from_u32(pid);
        system.refresh_processes_specifics(
            ProcessesToUpdate::Some(&[pid]),
            true,
            ProcessRefreshKind::nothing().with_exe(UpdateKind::Always),
        );
        let process = system.process(pid)?;
        Some(Self {
            pid: pid.as_u32(),
            start_time: process.start_time(),
            exe: process.exe().map(Path::to_path_buf),
        })
    }

    /// Whether the process that had this identity still runs (same pid, start time and exe).
    pub fn still_runs(&self) -> bool {
        Self::of(self.pid).is_some_and(|now| now == *self)
    }
}

/// One recorded sidecar process.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recorded {
    #[serde(flatten)]
    process: ProcessIdentity,
    /// Its process group (Unix); the process alone is ended when there is none.
    #[serde(default)]
    process_group: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
struct LedgerFile {
    owner: ProcessIdentity,
    sidecars: BTreeMap<String, Recorded>,
}

/// This app instance's ledger file; every change is written at once (atomically).
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    file: Mutex<LedgerFile>,
}

impl Ledger {
    /// Creates (or replaces) this process's ledger file in `dir`.
    pub fn create(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let me = std::process::id();
        let owner = ProcessIdentity::of(me)
            .ok_or_else(|| io::Error::other("cannot read this process's own identity"))?;
        let ledger = Self {
            path: dir.join(format!("sidecars-{me}.json")),
            file: Mutex::new(LedgerFile {
                owner,
                sidecars: BTreeMap::new(),
            }),
        };
        ledger.save(&ledger.lock())?;
        Ok(ledger)
    }

    /// Records that sidecar `name` now runs as process `pid` (the leader of its process group).
    pub fn record(&self, name: &str, pid: u32) {
        let Some(process) = ProcessIdentity::of(pid) else {
            return; // already gone: nothing to leave behind
        };
        let recorded = Recorded {
            process,
            process_group: process_group_of(pid),
        };
        let mut file = self.lock();
        file.sidecars.insert(name.to_owned(), recorded);
        self.save_or_warn(&file);
    }

    /// Records that sidecar `name` no longer runs.
    pub fn forget(&self, name: &str) {
        let mut file = self.lock();
        if file.sidecars.remove(name).is_some() {
            self.save_or_warn(&file);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LedgerFile> {
        self.file.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn save_or_warn(&self, file: &LedgerFile) {
        if let Err(e) = self.save(file) {
            log::warn!(
                "cannot write the sidecar ledger {}: {e}",
                self.path.display()
            );
        }
    }

    fn save(&self, file: &LedgerFile) -> io::Result<()> {
        let partial = self.path.with_extension("json.partial");
        std::fs::write(&partial, serde_json::to_vec_pretty(file)?)?;
        std::fs::rename(&partial, &self.path)
    }
}

/// What [`end_survivors`] found about one recorded sidecar of a previous run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survivor {
    /// The sidecar's name.
    pub name: String,
    /// Its recorded process id.
    pub pid: u32,
    /// `true` if it still ran and its process group was killed; `false` if it was gone (or its
    /// pid now belongs to another process, which is left alone).
    pub ended: bool,
}

/// Ends what earlier runs left: for every ledger file in `dir` whose owner no longer runs, kills
/// the process group of each recorded sidecar that is still the same process, then deletes the
/// file. Files of owners that still run are left alone. Unreadable files are reported and deleted.
pub fn end_survivors(dir: &Path) -> Vec<Survivor> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for path in entries.flatten().map(|e| e.path()) {
        let is_ledger = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("sidecars-") && n.ends_with(".json"));
        if !is_ledger {
            continue;
        }
        let file = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                serde_json::from_slice::<LedgerFile>(&bytes).map_err(|e| e.to_string())
            });
        let file = match file {
            Ok(file) => file,
            Err(e) => {
                log::warn!(
                    "ignoring the unreadable sidecar ledger {}: {e}",
                    path.display()
                );
                let _ = std::fs::remove_file(&path);
                continue;
            }
        };
        if file.owner.still_runs() {
            continue;
        }
        for (name, recorded) in file.sidecars {
            let ended =
                recorded.process.still_runs() && end(recorded.process.pid, recorded.process_group);
            found.push(Survivor {
                name,
                pid: recorded.process.pid,
                ended,
            });
        }
        let _ = std::fs::remove_file(&path);
    }
    found
}

#[cfg(unix)]
fn process_group_of(pid: u32) -> Option<u32> {
    nix::unistd::getpgid(Some(nix::unistd::Pid::from_raw(pid as i32)))
        .ok()
        .map(|g| g.as_raw() as u32)
}

#[cfg(not(unix))]
fn process_group_of(_pid: u32) -> Option<u32> {
    None
}

/// SIGKILL to process group `group`, or to process `pid` when there is none (Windows: the process).
#[cfg(unix)]
fn end(pid: u32, group: Option<u32>) -> bool {
    use nix::sys::signal::{kill, killpg, Signal};
    use nix::unistd::Pid;
    match group {
        Some(group) => killpg(Pid::from_raw(group as i32), Signal::SIGKILL).is_ok(),
        None => kill(Pid::from_raw(pid as i32), Signal::SIGKILL).is_ok(),
    }
}

#[cfg(not(unix))]
fn end(pid: u32, _group: Option<u32>) -> bool {
    let mut system = System::new();
    let pid = Pid::from_u32(pid);
    system.refresh_processes(ProcessesToUpdate::Some(&[pid]), true);
    system.process(pid).is_some_and(|p| p.kill())
}
