//! `Supervisor`: several sidecars, each supervised independently, started after their
//! dependencies are ready and stopped before them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use tokio::task::JoinSet;

use super::handle::SidecarHandle;
use crate::supervisor::error::SupervisorError;
use crate::supervisor::platform::ledger::{end_survivors, Ledger, Survivor};
use crate::supervisor::policy::validate::validate;
use crate::supervisor::spec::SidecarSpec;
use crate::supervisor::status::StopOutcome;

/// A validated set of supervised sidecars.
#[derive(Debug)]
pub struct Supervisor {
    /// Names, dependencies first.
    order: Vec<String>,
    handles: BTreeMap<String, SidecarHandle>,
    depends_on: BTreeMap<String, Vec<String>>,
    autostart: BTreeSet<String>,
}

impl Supervisor {
    /// Validates `specs` and sets up a supervising task for each (on the current Tokio runtime).
    /// Nothing is spawned until [`start_all`](Self::start_all) or a handle's `start`.
    pub fn new(specs: Vec<SidecarSpec>) -> Result<Self, SupervisorError> {
        let order = validate(&specs).map_err(|problems| {
            SupervisorError::Config(problems.iter().map(ToString::to_string).collect())
        })?;
        let mut specs: BTreeMap<String, SidecarSpec> =
            specs.into_iter().map(|s| (s.name.clone(), s)).collect();
        let mut handles = BTreeMap::new();
        let mut depends_on = BTreeMap::new();
        let mut autostart = BTreeSet::new();
        for name in &order {
            let spec = specs
                .remove(name)
                .expect("validated names are unique and known");
            let dependencies = spec
                .depends_on
                .iter()
                .map(|d| handles.get(d).cloned().expect("dependencies come first"))
                .collect();
            if spec.autostart {
                autostart.insert(name.clone());
            }
            depends_on.insert(name.clone(), spec.depends_on.clone());
            handles.insert(
                name.clone(),
                SidecarHandle::with_dependencies(spec, dependencies),
            );
        }
        Ok(Self {
            order,
            handles,
            depends_on,
            autostart,
        })
    }

    /// The handle of `name`.
    pub fn get(&self, name: &str) -> Result<&SidecarHandle, SupervisorError> {
        self.handles
            .get(name)
            .ok_or_else(|| SupervisorError::UnknownSidecar(name.to_owned()))
    }

    /// All handles, dependencies first.
    pub fn handles(&self) -> impl Iterator<Item = &SidecarHandle> {
        self.order.iter().map(|n| &self.handles[n])
    }

    /// Keeps a ledger of the running sidecar processes in `dir`, so that a later run can end what
    /// this one leaves behind if it dies where the OS kills nothing with it. First ends the
    /// sidecars that earlier, dead runs recorded there (only processes whose pid, start time and
    /// executable still match) and returns them. Call it before starting anything, on the
    /// runtime that supervises.
    pub fn keep_ledger_in(&self, dir: &Path) -> std::io::Result<Vec<Survivor>> {
        let ended = end_survivors(dir).into_iter().filter(|s| s.ended).collect();
        let ledger = Arc::new(Ledger::create(dir)?);
        for handle in self.handles() {
            handle.keep_ledger(ledger.clone());
        }
        Ok(ended)
    }

    /// Starts every autostart sidecar and everything they depend on, without waiting: each one
    /// is `starting` at once and spawns when its dependencies are ready.
    pub fn start_all(&self) {
        let mut wanted: BTreeSet<&str> = BTreeSet::new();
        let mut todo: Vec<&str> = self.autostart.iter().map(String::as_str).collect();
        while let Some(name) = todo.pop() {
            if wanted.insert(name) {
                todo.extend(self.depends_on[name].iter().map(String::as_str));
            }
        }
        for name in self.order.iter().filter(|n| wanted.contains(n.as_str())) {
            self.handles[name].start_in_background();
        }
    }

    /// Stops every sidecar, dependents before their dependencies; independent ones in parallel.
    pub async fn stop_all(&self) -> Vec<(String, StopOutcome)> {
        let mut results = Vec::new();
        for level in self.stop_levels() {
            let mut stopping = JoinSet::new();
            for name in level {
                let handle = self.handles[&name].clone();
                stopping.spawn(async move {
                    (name, handle.stop().await.unwrap_or(StopOutcome::NotRunning))
                });
            }
            while let Some(done) = stopping.join_next().await {
                results.extend(done.ok());
            }
        }
        results
    }

    /// Groups of names to stop one after the other: a sidecar comes after everything that depends on it.
    fn stop_levels(&self) -> Vec<Vec<String>> {
        let mut level: BTreeMap<&str, usize> = BTreeMap::new();
        // Reverse dependency order visits every dependent before its dependencies.
        for name in self.order.iter().rev() {
            let mine = *level.entry(name).or_insert(0);
            for dep in &self.depends_on[name] {
                let entry = level.entry(dep).or_insert(0);
                *entry = (*entry).max(mine + 1);
            }
        }
        let depth = level.values().copied().max().map_or(0, |m| m + 1);
        let mut levels = vec![Vec::new(); depth];
        for (name, l) in level {
            levels[l].push(name.to_owned());
        }
        levels
    }
}
