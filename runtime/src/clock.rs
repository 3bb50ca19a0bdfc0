//! Clocks for deterministic runs: the same module and input read the same times on every run.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use wasmtime_wasi::{HostMonotonicClock, HostWallClock};

/// 2000-01-01T00:00:00Z, a date no contestant's program mistakes for "now" by accident.
const FIXED_WALL_CLOCK: Duration = Duration::from_secs(946_684_800);

/// How far the deterministic monotonic clock moves per reading: enough that a program timing
/// itself sees time pass, independent of how fast the host is.
const MONOTONIC_STEP_NS: u64 = 1_000;

#[derive(Debug)]
pub(crate) struct FixedWallClock;

impl HostWallClock for FixedWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_micros(1)
    }

    fn now(&self) -> Duration {
        FIXED_WALL_CLOCK
    }
}

/// Starts at zero and advances by a fixed step each time it is read.
#[derive(Debug, Default)]
pub(crate) struct SteppingMonotonicClock(AtomicU64);

impl HostMonotonicClock for SteppingMonotonicClock {
    fn resolution(&self) -> u64 {
        MONOTONIC_STEP_NS
    }

    fn now(&self) -> u64 {
        self.0.fetch_add(MONOTONIC_STEP_NS, Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_clock_steps_the_same_way_every_time() {
        let readings =
            |clock: SteppingMonotonicClock| (0..3).map(|_| clock.now()).collect::<Vec<_>>();
        assert_eq!(
            readings(SteppingMonotonicClock::default()),
            [0, 1_000, 2_000]
        );
        assert_eq!(
            readings(SteppingMonotonicClock::default()),
            [0, 1_000, 2_000]
        );
    }
}
