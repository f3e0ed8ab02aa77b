//! Liveness: failed health checks of a ready sidecar, counted in a row against
//! `failureThreshold` (as Kubernetes counts probe failures); one success starts the count again.

/// What one more probe result means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Liveness {
    /// The probe succeeded.
    Healthy,
    /// The probe failed, but fewer than `threshold` in a row have.
    Failing {
        /// Failures in a row so far.
        count: u32,
        /// The failure threshold.
        threshold: u32,
    },
    /// `threshold` probes in a row failed; the reason names the count and the last result.
    Unhealthy(String),
}

/// Failed probes in a row.
#[derive(Debug, Clone)]
pub struct FailureStreak {
    threshold: u32,
    count: u32,
}

impl FailureStreak {
    /// An empty streak; `threshold` is at least 1 (the configuration checks it).
    pub fn new(threshold: u32) -> Self {
        Self {
            threshold: threshold.max(1),
            count: 0,
        }
    }

    /// Counts one probe result.
    pub fn record(&mut self, probe: Result<(), String>) -> Liveness {
        match probe {
            Ok(()) => {
                self.count = 0;
                Liveness::Healthy
            }
            Err(reason) => {
                self.count += 1;
                if self.count >= self.threshold {
                    Liveness::Unhealthy(format!(
                        "failed {} health checks in a row; last: {reason}",
                        self.count
                    ))
                } else {
                    Liveness::Failing {
                        count: self.count,
                        threshold: self.threshold,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_failures_in_a_row_make_it_unhealthy() {
        let mut streak = FailureStreak::new(3);
        let fail = || Err("HTTP 500".to_owned());
        assert_eq!(
            streak.record(fail()),
            Liveness::Failing {
                count: 1,
                threshold: 3
            }
        );
        assert_eq!(
            streak.record(fail()),
            Liveness::Failing {
                count: 2,
                threshold: 3
            }
        );
        assert_eq!(
            streak.record(fail()),
            Liveness::Unhealthy("failed 3 health checks in a row; last: HTTP 500".into())
        );
    }

    #[test]
    fn a_success_starts_the_count_again() {
        let mut streak = FailureStreak::new(2);
        streak.record(Err("x".into()));
        assert_eq!(streak.record(Ok(())), Liveness::Healthy);
        assert!(matches!(
            streak.record(Err("x".into())),
            Liveness::Failing { count: 1, .. }
        ));
    }
}
