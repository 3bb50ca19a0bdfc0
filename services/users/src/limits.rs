//! Per-address rate limits (login attempts, emails requested), counted in this process in
//! fixed one-minute windows. Per-account lockout after repeated wrong passwords is kept in the
//! database instead, so it holds across replicas.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

const WINDOW: Duration = Duration::from_secs(60);

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt by `key`: `Err(seconds to wait)` once the minute's budget is spent.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let (start, count) = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            *start = now;
            *count = 0;
        }
        if *count >= self.per_minute {
            let wait = WINDOW.saturating_sub(now.duration_since(*start));
            return Err(wait.as_secs().max(1));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_budget_and_others_theirs() {
        let limiter = RateLimiter::new(3);
        for _ in 0..3 {
            limiter.check("1.2.3.4").expect("within budget");
        }
        let wait = limiter.check("1.2.3.4").expect_err("over budget");
        assert!((1..=60).contains(&wait), "{wait}");
        limiter.check("5.6.7.8").expect("another address");
    }
}
