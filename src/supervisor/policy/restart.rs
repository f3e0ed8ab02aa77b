//! Restart decisions: policy, exponential backoff with jitter, and the restart budget.
//! Pure: the caller passes the time and the jitter sample, so tests need no clock.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::supervisor::spec::{RestartPolicy, RestartSpec};

/// How far jitter may move a delay, as a fraction of it (±20 %).
const JITTER_SPREAD: f64 = 0.2;

/// What the engine does after a run ended without being asked to.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Start again after this delay.
    Restart(Duration),
    /// Stay stopped: a clean exit the policy does not restart.
    Stop,
    /// Give up and stay `failed`, with this reason.
    Fail(String),
}

/// How an unrequested run ended, as far as the restart policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The child exited with status 0.
    CleanExit,
    /// Crash, non-zero exit, failed start or failed health checks.
    Failure,
    /// A failure that no restart can fix (the program or its interpreter is missing, or cannot
    /// be executed): the sidecar fails at once, whatever the policy.
    Unfixable,
}

/// Tracks restarts of one sidecar and decides the next step.
#[derive(Debug)]
pub struct RestartPlanner {
    spec: RestartSpec,
    /// Start times of the restarts inside the budget window.
    recent: VecDeque<Instant>,
    /// Restarts since the backoff was last reset.
    attempt: u32,
}

impl RestartPlanner {
    /// A planner with an empty budget.
    pub fn new(spec: RestartSpec) -> Self {
        Self {
            spec,
            recent: VecDeque::new(),
            attempt: 0,
        }
    }

    /// The sidecar has stayed ready for `reset_after`: the next delay starts from the first one.
    pub fn note_stable(&mut self) {
        self.attempt = 0;
    }

    /// Someone asked for a start: forget earlier failures.
    pub fn reset(&mut self) {
        self.attempt = 0;
        self.recent.clear();
    }

    /// Decides what follows a run that ended with `ending` at `now`.
    /// `jitter` is a sample from `[0, 1)`; `failure` describes the ending for the give-up reason.
    pub fn decide(&mut self, ending: Ending, failure: &str, now: Instant, jitter: f64) -> Decision {
        match (self.spec.policy, ending) {
            (_, Ending::Unfixable) => {
                return Decision::Fail(format!(
                    "{failure} (not restarted: a restart cannot fix it)"
                ))
            }
            (RestartPolicy::Never, Ending::Failure) => return Decision::Fail(failure.to_owned()),
            (RestartPolicy::Never | RestartPolicy::OnFailure, Ending::CleanExit) => {
                return Decision::Stop
            }
            (RestartPolicy::OnFailure | RestartPolicy::Always, _) => {}
        }
        while self
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.spec.window)
        {
            self.recent.pop_front();
        }
        if self.recent.len() as u32 >= self.spec.max_restarts {
            return Decision::Fail(format!(
                "gave up after {} restarts within {} ms; last failure: {failure}",
                self.recent.len(),
                self.spec.window.as_millis()
            ));
        }
        self.recent.push_back(now);
        let delay = self.delay(self.attempt, jitter);
        self.attempt = self.attempt.saturating_add(1);
        Decision::Restart(delay)
    }

    /// The backoff delays (without jitter) of `max_restarts` restarts in a row: a window no longer
    /// than this can never hold the whole budget, so a crash loop would never be given up on.
    pub fn budget_backoff(&self) -> Duration {
        (0..self.spec.max_restarts.min(64))
            .map(|attempt| self.delay(attempt, 0.5))
            .sum()
    }

    /// Delay before restart number `attempt` (0-based): doubling from the initial delay, ±20 %
    /// jitter, never above the maximum.
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let base = self.spec.initial_delay.as_secs_f64() * 2f64.powi(attempt.min(62) as i32);
        let base = base.min(self.spec.max_delay.as_secs_f64());
        let factor = 1.0 + JITTER_SPREAD * (2.0 * jitter.clamp(0.0, 1.0) - 1.0);
        Duration::from_secs_f64((base * factor).min(self.spec.max_delay.as_secs_f64()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(policy: RestartPolicy) -> RestartSpec {
        RestartSpec {
            policy,
            ..RestartSpec::default()
        }
    }

    const MID: f64 = 0.5; // a jitter sample that leaves the delay unchanged

    #[test]
    fn delays_double_from_the_initial_delay_up_to_the_cap() {
        let p = RestartPlanner::new(spec(RestartPolicy::OnFailure));
        let ms: Vec<u128> = (0..12).map(|n| p.delay(n, MID).as_millis()).collect();
        assert_eq!(
            ms,
            [100, 200, 400, 800, 1600, 3200, 6400, 12800, 15000, 15000, 15000, 15000]
        );
    }

    #[test]
    fn jitter_stays_within_twenty_percent_and_below_the_cap() {
        let p = RestartPlanner::new(spec(RestartPolicy::OnFailure));
        assert_eq!(p.delay(0, 0.0), Duration::from_millis(80));
        assert!(p.delay(0, 0.999) < Duration::from_millis(120));
        assert_eq!(p.delay(20, 0.999), Duration::from_millis(15000));
    }

    #[test]
    fn policy_table() {
        let now = Instant::now();
        let cases = [
            (RestartPolicy::Never, Ending::Failure, "fail"),
            (RestartPolicy::Never, Ending::CleanExit, "stop"),
            (RestartPolicy::OnFailure, Ending::Failure, "restart"),
            (RestartPolicy::OnFailure, Ending::CleanExit, "stop"),
            (RestartPolicy::Always, Ending::Failure, "restart"),
            (RestartPolicy::Always, Ending::CleanExit, "restart"),
            (RestartPolicy::Never, Ending::Unfixable, "fail"),
            (RestartPolicy::OnFailure, Ending::Unfixable, "fail"),
            (RestartPolicy::Always, Ending::Unfixable, "fail"),
        ];
        for (policy, ending, expected) in cases {
            let got = match RestartPlanner::new(spec(policy)).decide(ending, "x", now, MID) {
                Decision::Restart(_) => "restart",
                Decision::Stop => "stop",
                Decision::Fail(_) => "fail",
            };
            assert_eq!(got, expected, "{policy:?} after {ending:?}");
        }
    }

    #[test]
    fn more_than_max_restarts_within_the_window_gives_up_with_the_last_failure() {
        let mut p = RestartPlanner::new(spec(RestartPolicy::OnFailure));
        let t0 = Instant::now();
        for i in 0..5 {
            let d = p.decide(Ending::Failure, "exit 1", t0 + Duration::from_secs(i), MID);
            assert!(matches!(d, Decision::Restart(_)), "restart {i}: {d:?}");
        }
        match p.decide(
            Ending::Failure,
            "exited with status 1",
            t0 + Duration::from_secs(5),
            MID,
        ) {
            Decision::Fail(reason) => {
                assert!(reason.contains("5 restarts within 60000 ms"), "{reason}");
                assert!(reason.ends_with("exited with status 1"), "{reason}");
            }
            other => panic!("expected to give up, got {other:?}"),
        }
    }

    #[test]
    fn restarts_outside_the_window_no_longer_count() {
        let mut p = RestartPlanner::new(spec(RestartPolicy::OnFailure));
        let t0 = Instant::now();
        for i in 0..5 {
            p.decide(Ending::Failure, "x", t0 + Duration::from_secs(i), MID);
        }
        let later = t0 + Duration::from_secs(61);
        assert!(matches!(
            p.decide(Ending::Failure, "x", later, MID),
            Decision::Restart(_)
        ));
    }

    #[test]
    fn staying_ready_resets_the_backoff_but_not_the_budget() {
        let mut p = RestartPlanner::new(spec(RestartPolicy::OnFailure));
        let t0 = Instant::now();
        p.decide(Ending::Failure, "x", t0, MID);
        assert_eq!(
            p.decide(Ending::Failure, "x", t0, MID),
            Decision::Restart(Duration::from_millis(200))
        );
        p.note_stable();
        assert_eq!(
            p.decide(Ending::Failure, "x", t0, MID),
            Decision::Restart(Duration::from_millis(100))
        );
        assert_eq!(p.recent.len(), 3);
    }

    #[test]
    fn a_requested_start_clears_the_budget() {
        let mut p = RestartPlanner::new(RestartSpec {
            max_restarts: 1,
            ..spec(RestartPolicy::Always)
        });
        let t0 = Instant::now();
        p.decide(Ending::Failure, "x", t0, MID);
        assert!(matches!(
            p.decide(Ending::Failure, "x", t0, MID),
            Decision::Fail(_)
        ));
        p.reset();
        assert!(matches!(
            p.decide(Ending::Failure, "x", t0, MID),
            Decision::Restart(_)
        ));
    }
}
