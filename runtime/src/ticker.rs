//! The clock metered guests check their deadline against (see `meter.rs`): milliseconds since
//! the runtime started, at address 0 of a one-page shared memory that every guest imports.
//!
//! A thread advances it every millisecond while runs are in flight (and a little longer) and
//! sleeps otherwise. It
//! writes through a tiny wasm module of its own (`i64.atomic.store`), so the host never needs
//! `unsafe` to write into the shared memory.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wasmtime::{Engine, Instance, MemoryType, SharedMemory, Store, TypedFunc};

use crate::{Error, Result};

/// How often the clock advances: the resolution of wall-clock deadlines for computing guests.
const TICK: Duration = Duration::from_millis(1);

const SETTER: &str = r#"(module
  (import "xcode" "clock" (memory 1 1 shared))
  (func (export "set") (param i64) (i64.atomic.store (i32.const 0) (local.get 0))))"#;

pub(crate) struct Ticker {
    memory: SharedMemory,
    started: Instant,
    state: Arc<State>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Ticker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticker").finish_non_exhaustive()
    }
}

/// How long the clock keeps ticking after the last run ends, so that a judge running tests
/// back to back never waits for the thread to wake (nor pays a futex wake per run).
const LINGER_TICKS: u32 = 100;

#[derive(Debug, Default)]
struct State {
    /// Runs in flight.
    runs: AtomicU32,
    /// The thread is asleep (or about to be) and must be woken by the next run.
    asleep: AtomicBool,
    stop: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

impl State {
    fn lock(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wake(&self) {
        let _guard = self.lock();
        self.wake.notify_one();
    }
}

/// Keeps the clock advancing while held: one per run in flight.
#[derive(Debug)]
pub(crate) struct Running<'a>(&'a State);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.runs.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Ticker {
    pub(crate) fn new(engine: &Engine) -> Result<Self> {
        let memory = SharedMemory::new(engine, MemoryType::shared(1, 1)).map_err(Error::engine)?;
        let wasm = wat::parse_str(SETTER).map_err(Error::engine)?;
        let module = wasmtime::Module::new(engine, wasm).map_err(Error::engine)?;
        let mut store = Store::new(engine, ());
        let instance =
            Instance::new(&mut store, &module, &[memory.clone().into()]).map_err(Error::engine)?;
        let set = instance
            .get_typed_func::<i64, ()>(&mut store, "set")
            .map_err(Error::engine)?;
        let started = Instant::now();
        let state = Arc::new(State::default());
        let thread = std::thread::Builder::new()
            .name("xcode-clock".into())
            .spawn({
                let state = state.clone();
                move || tick(&state, started, store, set)
            })
            .map_err(|e| Error::Engine(format!("cannot start the clock thread: {e}")))?;
        Ok(Self {
            memory,
            started,
            state,
            thread: Some(thread),
        })
    }

    pub(crate) fn memory(&self) -> &SharedMemory {
        &self.memory
    }

    /// The clock's reading now (the shared memory may lag it by up to a tick).
    pub(crate) fn now_ms(&self) -> u64 {
        millis(self.started.elapsed())
    }

    /// Keeps the clock advancing until the returned guard drops. `Err` if the clock's thread
    /// has died: computing guests would never see their deadline, so no run may start.
    pub(crate) fn hold(&self) -> Result<Running<'_>> {
        if self.thread.as_ref().is_none_or(JoinHandle::is_finished) {
            return Err(Error::Engine(
                "the deadline clock's thread has stopped".into(),
            ));
        }
        self.state.runs.fetch_add(1, Ordering::SeqCst);
        if self.state.asleep.load(Ordering::SeqCst) {
            self.state.wake();
        }
        Ok(Running(&self.state))
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        self.state.wake();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn tick(state: &State, started: Instant, mut store: Store<()>, set: TypedFunc<i64, ()>) {
    let mut idle_ticks = 0;
    while !state.stop.load(Ordering::SeqCst) {
        if state.runs.load(Ordering::SeqCst) > 0 {
            idle_ticks = 0;
        } else {
            idle_ticks += 1;
        }
        if idle_ticks > LINGER_TICKS {
            // `asleep` is raised before `runs` is looked at again, and `hold` raises `runs`
            // before it looks at `asleep`: one of the two always sees the other.
            let mut guard = state.lock();
            state.asleep.store(true, Ordering::SeqCst);
            while state.runs.load(Ordering::SeqCst) == 0 && !state.stop.load(Ordering::SeqCst) {
                guard = state
                    .wake
                    .wait(guard)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            state.asleep.store(false, Ordering::SeqCst);
            idle_ticks = 0;
            continue;
        }
        let now = i64::try_from(millis(started.elapsed())).unwrap_or(i64::MAX);
        // The setter cannot trap (one aligned store to a page that always exists); if it ever
        // did, the thread ends and `hold` refuses every run from then on.
        if set.call(&mut store, now).is_err() {
            return;
        }
        std::thread::sleep(TICK);
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
