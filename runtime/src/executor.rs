//! Drives a run's future on the calling thread until it finishes or its deadline passes.
//!
//! The guest runs on a wasmtime fiber. While it computes, its own metering (`meter.rs`) stops
//! it at the deadline. While it waits in a WASI call (stdin, a pipe, `poll_oneoff`), the fiber is
//! suspended and this executor's timer fires at the same deadline: the future is dropped, which
//! unwinds the fiber, and the guest is gone.

use std::cell::OnceCell;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;
use std::time::Instant;

use crate::{Error, Result};

thread_local! {
    /// One small current-thread tokio runtime per thread that runs guests: wasmtime-wasi's
    /// timers (sleeps, deadlines) need a tokio time driver, nothing else does.
    static EXECUTOR: OnceCell<tokio::runtime::Runtime> = const { OnceCell::new() };
}

/// Runs `future` to completion, or returns `None` once `deadline` has passed.
///
/// Must not be called from inside an async task (tokio forbids nested `block_on`); async
/// callers use `spawn_blocking`.
pub(crate) fn run_until<F: Future>(deadline: Instant, future: F) -> Result<Option<F::Output>> {
    EXECUTOR.with(|cell| {
        let executor = match cell.get() {
            Some(executor) => executor,
            None => {
                let executor = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .map_err(|e| Error::Engine(format!("cannot start the run executor: {e}")))?;
                cell.get_or_init(|| executor)
            }
        };
        Ok(executor.block_on(async {
            let mut future = pin!(future);
            let mut timer = pin!(tokio::time::sleep_until(deadline.into()));
            poll_fn(|cx| {
                if let Poll::Ready(output) = future.as_mut().poll(cx) {
                    return Poll::Ready(Some(output));
                }
                if Instant::now() >= deadline || timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
                Poll::Pending
            })
            .await
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn finishes_futures_that_finish() -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(5);
        assert_eq!(run_until(deadline, async { 7 })?, Some(7));
        Ok(())
    }

    #[test]
    fn abandons_a_future_that_waits_past_its_deadline() -> Result<()> {
        let deadline = Instant::now() + Duration::from_millis(50);
        let started = Instant::now();
        let slow = async { tokio::time::sleep(Duration::from_secs(60)).await };
        assert_eq!(run_until(deadline, slow)?, None);
        assert!(started.elapsed() < Duration::from_secs(5));
        Ok(())
    }
}
