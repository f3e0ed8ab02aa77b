//! Supervision decisions without I/O: restart policy and budget, how a run ended, liveness
//! counting, readiness probe schedule, health verdicts and configuration checks. Everything here
//! is tested with plain unit tests.

pub mod failure_streak;
pub mod health_verdict;
pub mod ready_schedule;
pub mod restart;
pub mod run_end;
pub mod validate;
