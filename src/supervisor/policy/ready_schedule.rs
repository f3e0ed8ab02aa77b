//! How often to look for readiness while a sidecar starts.
//! A refused connect to a loopback port costs microseconds, so the port is tried often at first and
//! less often as the start goes on; HTTP probes, which cost the sidecar real work, back off while
//! it answers "not yet".

use std::time::Duration;

/// The delay between connect attempts in the eager phase.
const EAGER_DELAY: Duration = Duration::from_millis(1);

/// How long connect attempts follow every [`EAGER_DELAY`]: small Python servers are up by then.
const EAGER_PHASE: Duration = Duration::from_secs(1);

/// How long connect attempts follow every [`STEADY_DELAY`] after the eager phase: most servers,
/// FastAPI apps with their imports included, are up by then.
const STEADY_PHASE: Duration = Duration::from_secs(3);

/// The delay between connect attempts in the steady phase.
const STEADY_DELAY: Duration = Duration::from_millis(10);

/// Delay before the next connect attempt, given how long the start has been going on:
/// - 1 ms for the first second: a server that listens then is found 0.5 ms later on average;
/// - then 10 ms until 3 s: a server that listens at 1.5 s is found 5 ms later on average;
/// - then a hundredth of the elapsed time, from 30 ms, at most 50 ms.
///
/// A 3 s start of a server that prints nothing costs about 1,200 attempts: on Linux, most are a
/// wake-up and a lookup of the port's listeners (30-90 µs of CPU on a 2-core VM, more the longer
/// the thread slept), about 60 ms in all.
/// Servers that log when they listen (uvicorn, gunicorn, hypercorn, Flask) are probed right after
/// that line; with `passSocket` there are no connect attempts at all.
pub fn connect_retry_delay(elapsed: Duration) -> Duration {
    if elapsed < EAGER_PHASE {
        EAGER_DELAY
    } else if elapsed < STEADY_PHASE {
        STEADY_DELAY
    } else {
        (elapsed / 100).min(Duration::from_millis(50))
    }
}

/// Delay before the next HTTP probe after `answered_not_ready` consecutive "not ready" answers:
/// 5 ms doubling to 100 ms.
pub fn not_ready_retry_delay(answered_not_ready: u32) -> Duration {
    Duration::from_millis((5u64 << answered_not_ready.min(5)).min(100))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_attempts_are_eager_then_steady_then_a_hundredth_of_the_elapsed_time() {
        let us = |ms: u64| connect_retry_delay(Duration::from_millis(ms)).as_micros();
        assert_eq!(
            [
                us(0),
                us(999),
                us(1_000),
                us(1_500),
                us(2_999),
                us(3_000),
                us(60_000)
            ],
            [1_000, 1_000, 10_000, 10_000, 10_000, 30_000, 50_000]
        );
    }

    #[test]
    fn a_silent_three_second_start_costs_at_most_1200_attempts() {
        let mut elapsed = Duration::ZERO;
        let mut attempts = 0;
        while elapsed < Duration::from_secs(3) {
            elapsed += connect_retry_delay(elapsed);
            attempts += 1;
        }
        assert!(attempts <= 1_200, "{attempts}");
    }

    #[test]
    fn not_ready_answers_back_off_to_the_original_poll_interval() {
        let ms: Vec<u128> = (0..8)
            .map(|n| not_ready_retry_delay(n).as_millis())
            .collect();
        assert_eq!(ms, [5, 10, 20, 40, 80, 100, 100, 100]);
    }
}
