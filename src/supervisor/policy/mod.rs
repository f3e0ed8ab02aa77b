//! Supervision decisions without I/O: restart policy and budget, readiness probe schedule,
//! health verdicts and configuration checks. Everything here is tested with plain unit tests.

pub mod health_verdict;
pub mod ready_schedule;
pub mod restart;
pub mod validate;
