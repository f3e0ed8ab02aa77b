//! Checks a set of sidecar specs before anything runs, and orders them by their dependencies.
//! Every problem is reported (not just the first), each naming the sidecar and the key.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use hyper::http::uri::PathAndQuery;

use super::restart::RestartPlanner;
use crate::supervisor::spec::{RestartPolicy, SidecarSpec};

/// The shortest interval between health checks of a ready sidecar: each one costs the sidecar a
/// request and the app a timer wake-up.
pub const MIN_HEALTH_INTERVAL: Duration = Duration::from_millis(100);

/// One problem in the configuration of one sidecar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Key path below the plugin's config, e.g. `sidecars.api.health.path`.
    pub path: String,
    /// What is wrong, e.g. `must start with "/"`.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.path, self.message)
    }
}

/// Validates `specs` and returns their names in dependency order (dependencies first).
pub fn validate(specs: &[SidecarSpec]) -> Result<Vec<String>, Vec<ConfigProblem>> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for spec in specs {
        check_one(spec, &mut problems);
        problems.extend(platform_problems(spec, cfg!(unix)));
        if !seen.insert(spec.name.as_str()) {
            problems.push(problem(&spec.name, "", "is declared twice"));
        }
    }
    let mut fixed_ports: BTreeMap<u16, &str> = BTreeMap::new();
    for spec in specs {
        if let Some(port) = spec.port {
            if let Some(first) = fixed_ports.insert(port, &spec.name) {
                problems.push(problem(
                    &spec.name,
                    "port",
                    &format!("is {port}, the fixed port of `{first}` too"),
                ));
            }
        }
    }
    for spec in specs {
        for dep in &spec.depends_on {
            if !seen.contains(dep.as_str()) {
                problems.push(problem(
                    &spec.name,
                    "dependsOn",
                    &format!("names `{dep}`, which is not a declared sidecar"),
                ));
            }
        }
    }
    let order = match dependency_order(specs) {
        Ok(order) => order,
        Err(cycle) => {
            problems.push(problem(
                &cycle[0],
                "dependsOn",
                &format!("forms a dependency cycle: {}", cycle.join(" -> ")),
            ));
            Vec::new()
        }
    };
    if problems.is_empty() {
        Ok(order)
    } else {
        Err(problems)
    }
}

fn problem(name: &str, key: &str, message: &str) -> ConfigProblem {
    let path = if key.is_empty() {
        format!("sidecars.{name}")
    } else {
        format!("sidecars.{name}.{key}")
    };
    ConfigProblem {
        path,
        message: message.to_owned(),
    }
}

fn check_one(spec: &SidecarSpec, problems: &mut Vec<ConfigProblem>) {
    let name = spec.name.as_str();
    let mut require = |ok: bool, key: &str, message: &str| {
        if !ok {
            problems.push(problem(name, key, message));
        }
    };
    require(!name.trim().is_empty(), "", "has an empty name");
    require(
        !spec.program.as_os_str().is_empty(),
        "command",
        "must not be empty",
    );
    require(
        spec.health.path.starts_with('/'),
        "health.path",
        "must start with \"/\"",
    );
    require(
        !spec.health.path.starts_with('/')
            || PathAndQuery::try_from(spec.health.path.as_str()).is_ok(),
        "health.path",
        "must be a valid URI path (percent-encode spaces and other special characters)",
    );
    require(
        spec.health.failure_threshold >= 1,
        "health.failureThreshold",
        "must be at least 1",
    );
    require(
        !spec.port_env.trim().is_empty(),
        "portEnv",
        "must not be empty",
    );
    require(
        spec.token_env.as_ref().is_none_or(|t| !t.trim().is_empty()),
        "tokenEnv",
        "must not be empty",
    );
    require(
        spec.token_env.as_ref() != Some(&spec.port_env),
        "tokenEnv",
        "must differ from portEnv (one variable cannot carry both the port and the token)",
    );
    require(
        spec.port != Some(0),
        "port",
        "must be between 1 and 65535 (or 0 for a free port)",
    );
    require(spec.log_lines >= 1, "logLines", "must be at least 1");
    let positive: [(&str, Duration); 8] = [
        ("health.intervalMs", spec.health.interval),
        ("health.timeoutMs", spec.health.timeout),
        ("startupTimeoutMs", spec.startup_timeout),
        ("shutdownTimeoutMs", spec.shutdown_timeout),
        ("restart.windowMs", spec.restart.window),
        ("restart.initialDelayMs", spec.restart.initial_delay),
        ("restart.maxDelayMs", spec.restart.max_delay),
        ("restart.resetAfterMs", spec.restart.reset_after),
    ];
    for (key, value) in positive {
        require(!value.is_zero(), key, "must be greater than 0");
    }
    require(
        spec.restart.max_delay >= spec.restart.initial_delay,
        "restart.maxDelayMs",
        "must not be less than restart.initialDelayMs",
    );
    require(
        spec.health.interval.is_zero() || spec.health.interval >= MIN_HEALTH_INTERVAL,
        "health.intervalMs",
        &format!("must be at least {} ms", MIN_HEALTH_INTERVAL.as_millis()),
    );
    require(
        !(spec.restart.policy == RestartPolicy::Always && spec.restart.max_restarts == 0),
        "restart.maxRestarts",
        "must be at least 1 with policy `always` (0 never restarts)",
    );
    for glob in &spec.watch {
        if let Err(e) = globset::Glob::new(glob) {
            require(
                false,
                "watch",
                &format!("has an invalid glob {glob:?}: {}", e.kind()),
            );
        }
    }
    let backoff = RestartPlanner::new(spec.restart.clone()).budget_backoff();
    require(
        spec.restart.window.is_zero() || spec.restart.window > backoff,
        "restart.windowMs",
        &format!(
            "must be longer than the {} ms of backoff that {} restarts wait, or the restart \
             budget can never run out",
            backoff.as_millis(),
            spec.restart.max_restarts
        ),
    );
}

/// What the platform cannot carry out (`unix`: whether this is a Unix).
fn platform_problems(spec: &SidecarSpec, unix: bool) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    if spec.pass_socket && !unix {
        problems.push(problem(
            &spec.name,
            "passSocket",
            "is supported on Unix only (Linux, macOS): set it to false on Windows",
        ));
    }
    problems
}

/// Names in an order where every sidecar comes after its dependencies (Kahn's algorithm, ties by
/// name so the order is stable). On a cycle, returns the names of one cycle, closed (`a, b, a`).
/// Unknown dependencies are ignored here; [`validate`] reports them.
pub fn dependency_order(specs: &[SidecarSpec]) -> Result<Vec<String>, Vec<String>> {
    let deps: BTreeMap<&str, BTreeSet<&str>> = specs
        .iter()
        .map(|s| {
            let known = s
                .depends_on
                .iter()
                .map(String::as_str)
                .filter(|d| specs.iter().any(|o| o.name == *d));
            (s.name.as_str(), known.collect())
        })
        .collect();
    let mut order: Vec<String> = Vec::new();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    while placed.len() < deps.len() {
        let next = deps
            .iter()
            .find(|(n, d)| !placed.contains(*n) && d.iter().all(|x| placed.contains(x)));
        match next {
            Some((name, _)) => {
                placed.insert(name);
                order.push((*name).to_owned());
            }
            None => return Err(find_cycle(&deps, &placed)),
        }
    }
    Ok(order)
}

fn find_cycle(deps: &BTreeMap<&str, BTreeSet<&str>>, placed: &BTreeSet<&str>) -> Vec<String> {
    // Every unplaced sidecar has an unplaced dependency, so walking them must revisit one.
    let mut path: Vec<&str> = vec![deps
        .keys()
        .find(|n| !placed.contains(*n))
        .copied()
        .unwrap_or_default()];
    loop {
        let last = *path.last().unwrap_or(&"");
        let Some(next) = deps
            .get(last)
            .and_then(|d| d.iter().find(|x| !placed.contains(*x)))
        else {
            return path.into_iter().map(str::to_owned).collect();
        };
        if let Some(start) = path.iter().position(|p| p == next) {
            let mut cycle: Vec<String> = path[start..].iter().map(|s| (*s).to_owned()).collect();
            cycle.push((*next).to_owned());
            return cycle;
        }
        path.push(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, deps: &[&str]) -> SidecarSpec {
        let mut s = SidecarSpec::new(name, "python3", vec![]);
        s.depends_on = deps.iter().map(|d| (*d).to_owned()).collect();
        s
    }

    fn messages(specs: &[SidecarSpec]) -> Vec<String> {
        validate(specs)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn dependencies_come_first() {
        let specs = [
            spec("web", &["api", "db"]),
            spec("api", &["db"]),
            spec("db", &[]),
        ];
        assert_eq!(validate(&specs).unwrap(), ["db", "api", "web"]);
    }

    #[test]
    fn a_cycle_is_named() {
        let specs = [
            spec("a", &["b"]),
            spec("b", &["c"]),
            spec("c", &["a"]),
            spec("d", &[]),
        ];
        assert_eq!(
            messages(&specs),
            ["sidecars.a.dependsOn forms a dependency cycle: a -> b -> c -> a"]
        );
    }

    #[test]
    fn a_self_dependency_is_a_cycle() {
        assert_eq!(
            messages(&[spec("a", &["a"])]),
            ["sidecars.a.dependsOn forms a dependency cycle: a -> a"]
        );
    }

    #[test]
    fn unknown_dependency_is_named() {
        assert_eq!(
            messages(&[spec("a", &["nope"])]),
            ["sidecars.a.dependsOn names `nope`, which is not a declared sidecar"]
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let mut s = spec("api", &[]);
        s.health.path = "api/health".into();
        s.health.interval = Duration::ZERO;
        s.restart.initial_delay = Duration::from_secs(2);
        s.restart.max_delay = Duration::from_secs(1);
        s.port = Some(0);
        assert_eq!(
            messages(&[s]),
            [
                "sidecars.api.health.path must start with \"/\"",
                "sidecars.api.port must be between 1 and 65535 (or 0 for a free port)",
                "sidecars.api.health.intervalMs must be greater than 0",
                "sidecars.api.restart.maxDelayMs must not be less than restart.initialDelayMs",
            ]
        );
    }

    #[test]
    fn empty_and_duplicate_names_are_reported() {
        let got = messages(&[spec("", &[]), spec("x", &[]), spec("x", &[])]);
        assert_eq!(
            got,
            [
                "sidecars. has an empty name",
                "sidecars.x is declared twice"
            ]
        );
    }

    #[test]
    fn configurations_that_cannot_work_name_the_key() {
        let mut same_variable = spec("a", &[]);
        same_variable.token_env = Some("PORT".into());
        let mut first = spec("b", &[]);
        first.port = Some(8000);
        let mut second = spec("c", &[]);
        second.port = Some(8000);
        let mut eager = spec("d", &[]);
        eager.health.interval = Duration::from_millis(10);
        let mut short_window = spec("e", &[]);
        short_window.restart.window = Duration::from_millis(1000); // 5 restarts wait 3100 ms
        let mut never_again = spec("f", &[]);
        never_again.restart.policy = RestartPolicy::Always;
        never_again.restart.max_restarts = 0;
        let mut spaced = spec("g", &[]);
        spaced.health.path = "/api/health check".into();
        assert_eq!(
            messages(&[
                same_variable,
                first,
                second,
                eager,
                short_window,
                never_again,
                spaced
            ]),
            [
                "sidecars.a.tokenEnv must differ from portEnv (one variable cannot carry both the \
                 port and the token)",
                "sidecars.d.health.intervalMs must be at least 100 ms",
                "sidecars.e.restart.windowMs must be longer than the 3100 ms of backoff that 5 \
                 restarts wait, or the restart budget can never run out",
                "sidecars.f.restart.maxRestarts must be at least 1 with policy `always` (0 never \
                 restarts)",
                "sidecars.g.health.path must be a valid URI path (percent-encode spaces and other \
                 special characters)",
                "sidecars.c.port is 8000, the fixed port of `b` too",
            ]
        );
    }

    #[test]
    fn the_defaults_pass() {
        assert_eq!(validate(&[spec("a", &[])]), Ok(vec!["a".to_owned()]));
    }

    #[test]
    fn pass_socket_is_a_configuration_error_on_windows() {
        let mut s = spec("api", &[]);
        s.pass_socket = true;
        assert_eq!(platform_problems(&s, true), []);
        let problems: Vec<String> = platform_problems(&s, false)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            problems,
            ["sidecars.api.passSocket is supported on Unix only (Linux, macOS): set it to false \
              on Windows"]
        );
    }
}
