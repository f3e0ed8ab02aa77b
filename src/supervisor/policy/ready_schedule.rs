//! How often to look for readiness while a sidecar starts.
//! A refused connect to a loopback port costs microseconds, so the port is tried often at first;
//! HTTP probes, which cost the sidecar real work, back off while it answers "not yet".

use std::time::Duration;

/// A delay that ends at the next tick of Tokio's millisecond timer.
pub const NEXT_TIMER_TICK: Duration = Duration::from_micros(1);

/// Delay before the next connect attempt, given how long the start has been going on.
/// For the first 2 s (where most Python servers come up) the next tick of Tokio's 1 ms timer
/// wheel (a sub-millisecond delay ends there, so the wait is 0.5 ms on average, not 1.5 ms);
/// then 5 ms up to 10 s, then 20 ms.
pub fn connect_retry_delay(elapsed: Duration) -> Duration {
    match elapsed.as_millis() {
        0..2_000 => NEXT_TIMER_TICK,
        2_000..10_000 => Duration::from_millis(5),
        _ => Duration::from_millis(20),
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
    fn connect_attempts_are_frequent_early_and_sparse_late() {
        let us = |s: f64| connect_retry_delay(Duration::from_secs_f64(s)).as_micros();
        assert_eq!(
            [us(0.0), us(1.9), us(2.0), us(9.9), us(10.0), us(300.0)],
            [1, 1, 5_000, 5_000, 20_000, 20_000]
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
