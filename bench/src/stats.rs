//! Percentiles of per-run timings, and runs per second across threads.

use std::time::{Duration, Instant};

/// A sorted sample of timings.
#[derive(Debug, Clone)]
pub struct Sample(Vec<Duration>);

impl Sample {
    pub fn new(mut timings: Vec<Duration>) -> Self {
        timings.sort_unstable();
        Self(timings)
    }

    /// Times `count` calls of `once`, each on its own.
    pub fn collect(count: usize, mut once: impl FnMut() -> Duration) -> Self {
        Self::new((0..count).map(|_| once()).collect())
    }

    /// The timing below which `fraction` of the sample lies (nearest rank).
    pub fn percentile(&self, fraction: f64) -> Duration {
        let Some(last) = self.0.len().checked_sub(1) else {
            return Duration::ZERO;
        };
        let rank = (fraction * last as f64).round() as usize;
        self.0[rank.min(last)]
    }

    pub fn median(&self) -> Duration {
        self.percentile(0.5)
    }

    pub fn mean(&self) -> Duration {
        let total: Duration = self.0.iter().sum();
        total / u32::try_from(self.0.len().max(1)).unwrap_or(u32::MAX)
    }
}

/// Calls `once` on `threads` threads for `duration` and returns completed calls per second.
pub fn throughput(threads: usize, duration: Duration, once: impl Fn() + Sync) -> f64 {
    let started = Instant::now();
    let deadline = started + duration;
    let total: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut runs = 0u64;
                    while Instant::now() < deadline {
                        once();
                        runs += 1;
                    }
                    runs
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap_or(0))
            .sum()
    });
    total as f64 / started.elapsed().as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_sample() {
        let sample = Sample::new((1..=101).rev().map(Duration::from_micros).collect());
        assert_eq!(sample.median(), Duration::from_micros(51));
        assert_eq!(sample.percentile(0.99), Duration::from_micros(100));
        assert_eq!(sample.percentile(1.0), Duration::from_micros(101));
        assert_eq!(sample.mean(), Duration::from_micros(51));
        assert_eq!(Sample::new(Vec::new()).median(), Duration::ZERO);
    }

    #[test]
    fn throughput_counts_every_call() {
        let calls = std::sync::atomic::AtomicU64::new(0);
        let rate = throughput(2, Duration::from_millis(50), || {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        assert!(rate > 0.0);
        assert!(calls.load(std::sync::atomic::Ordering::Relaxed) > 0);
    }
}
