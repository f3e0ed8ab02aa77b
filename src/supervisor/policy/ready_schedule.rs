//! How often to look for readiness while a sidecar starts.
//! A refused connect to a loopback port costs microseconds, so the port is tried often at first and
//! less often as the start goes on; HTTP probes, which cost the sidecar real work, back off while
//! it answers "not yet".

use std::time::Duration;

/// A delay that ends at the next tick of Tokio's millisecond timer.
pub const NEXT_TIMER_TICK: Duration = Duration::from_micros(1);

/// How long connect attempts follow every tick of the timer: small Python servers are up by then.
const EAGER_PHASE: Duration = Duration::from_millis(500);

/// Delay before the next connect attempt, given how long the start has been going on. For the
/// first 500 ms, the next tick of Tokio's 1 ms timer wheel (a sub-millisecond delay ends there, so
/// the wait is 0.5 ms on average); then a fiftieth of the elapsed time (10 ms at 500 ms, 20 ms at
/// 1 s), at most 50 ms. A slow start is then found within about 1 % of its own duration with few
/// attempts, which matters because the attempts compete for the CPU with that start-up. Servers
/// that log when they listen (uvicorn, gunicorn, hypercorn, Flask) are probed right after that line.
pub fn connect_retry_delay(elapsed: Duration) -> Duration {
    if elapsed < EAGER_PHASE {
        NEXT_TIMER_TICK
    } else {
        (elapsed / 50).min(Duration::from_millis(50))
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
    fn connect_attempts_are_eager_then_a_fiftieth_of_the_elapsed_time() {
        let us = |ms: u64| connect_retry_delay(Duration::from_millis(ms)).as_micros();
        assert_eq!(
            [us(0), us(499), us(500), us(1_000), us(2_500), us(60_000)],
            [1, 1, 10_000, 20_000, 50_000, 50_000]
        );
    }

    #[test]
    fn not_ready_answers_back_off_to_the_original_poll_interval() {
        let ms: Vec<u128> = (0..8)
            .map(|n| not_ready_retry_delay(n).as_millis())
            .collect();
        assert_eq!(ms, [5, 10, 20, 40, 80, 100, 100, 100]);
    }
}
