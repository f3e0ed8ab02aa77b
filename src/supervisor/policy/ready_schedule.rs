//! How often to look for readiness while a sidecar starts.
//! A refused connect to a loopback port costs microseconds, so the port is tried often at first and
//! less often as the start goes on; HTTP probes, which cost the sidecar real work, back off while
//! it answers "not yet".

use std::time::Duration;

/// A delay that ends at the next tick of Tokio's millisecond timer.
pub const NEXT_TIMER_TICK: Duration = Duration::from_micros(1);

/// How long connect attempts follow every tick of the timer: small Python servers are up by then.
const EAGER_PHASE: Duration = Duration::from_millis(750);

/// How long connect attempts follow every [`STEADY_DELAY`] after the eager phase: most servers,
/// FastAPI apps with their imports included, are up by then.
const STEADY_PHASE: Duration = Duration::from_secs(3);

/// The delay between connect attempts in the steady phase.
const STEADY_DELAY: Duration = Duration::from_millis(6);

/// Delay before the next connect attempt, given how long the start has been going on:
/// - for the first 750 ms, the next tick of Tokio's 1 ms timer wheel (a sub-millisecond delay ends
///   there, so the wait is 0.5 ms on average);
/// - then 6 ms until 3 s: a server found at 1.5 s is found within 3 ms on average;
/// - then a hundredth of the elapsed time, from 30 ms, at most 50 ms.
///
/// Each attempt costs a timer wake-up (about 50 µs of CPU here), so a 3 s start of a server that
/// prints nothing costs about 1,100 of them, 55 ms: the attempts compete for the CPU with that
/// start-up. Servers that log when they listen (uvicorn, gunicorn, hypercorn, Flask) are probed
/// right after that line; with `passSocket` there are no connect attempts at all.
pub fn connect_retry_delay(elapsed: Duration) -> Duration {
    if elapsed < EAGER_PHASE {
        NEXT_TIMER_TICK
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
                us(749),
                us(750),
                us(1_500),
                us(2_999),
                us(3_000),
                us(60_000)
            ],
            [1, 1, 6_000, 6_000, 6_000, 30_000, 50_000]
        );
    }

    #[test]
    fn a_silent_three_second_start_costs_at_most_1200_attempts() {
        let mut elapsed = Duration::ZERO;
        let mut attempts = 0;
        while elapsed < Duration::from_secs(3) {
            // A timer tick is at least the 1 ms of Tokio's wheel.
            elapsed += connect_retry_delay(elapsed).max(Duration::from_millis(1));
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
