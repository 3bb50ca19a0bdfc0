//! Bare wasmtime engines with one kind of instrumentation each: the baselines the sandbox's
//! own design (fuel with periodic yields that check the wall clock) is compared against.
//!
//! Same compiler settings as the sandbox (Cranelift at `speed`, NaN canonicalization), so the
//! only difference between them is the instrumentation.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Result;
use wasmtime::{Caller, Config, Engine, Linker, Module, OptLevel, Store};

/// What is compiled into every loop header and function entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instrumentation {
    None,
    Fuel,
    Epoch,
    FuelAndEpoch,
}

impl Instrumentation {
    pub const ALL: [Instrumentation; 4] = [Self::None, Self::Fuel, Self::Epoch, Self::FuelAndEpoch];

    pub fn name(self) -> &'static str {
        match self {
            Self::None => "no limits",
            Self::Fuel => "fuel only",
            Self::Epoch => "epoch only",
            Self::FuelAndEpoch => "fuel + epoch",
        }
    }

    fn fuel(self) -> bool {
        matches!(self, Self::Fuel | Self::FuelAndEpoch)
    }

    fn epoch(self) -> bool {
        matches!(self, Self::Epoch | Self::FuelAndEpoch)
    }
}

/// An engine, plus (for epoch instrumentation) the thread that ticks its epoch every
/// millisecond, as a real deadline would need.
#[derive(Debug)]
pub struct RawEngine {
    engine: Engine,
    linker: Linker<Vec<u8>>,
    instrumentation: Instrumentation,
    ticker: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
}

/// How often the epoch ticks, and how many ticks a run may take before it is stopped.
const EPOCH_TICK: Duration = Duration::from_millis(1);
const EPOCH_DEADLINE_TICKS: u64 = 60_000;

impl RawEngine {
    pub fn new(instrumentation: Instrumentation) -> Result<Self> {
        let mut config = Config::new();
        config
            .cranelift_opt_level(OptLevel::Speed)
            .cranelift_nan_canonicalization(true)
            .consume_fuel(instrumentation.fuel())
            .epoch_interruption(instrumentation.epoch());
        let engine = Engine::new(&config).map_err(host)?;
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap("wasi_snapshot_preview1", "fd_write", fd_write)
            .map_err(host)?;
        let ticker = instrumentation.epoch().then(|| {
            let stop = Arc::new(AtomicBool::new(false));
            let (engine, flag) = (engine.clone(), stop.clone());
            let handle = std::thread::spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            });
            (stop, handle)
        });
        Ok(Self {
            engine,
            linker,
            instrumentation,
            ticker,
        })
    }

    pub fn compile(&self, wat: &str) -> Result<Module> {
        let wasm = wat::parse_str(wat)?;
        Module::new(&self.engine, wasm).map_err(host)
    }

    /// Instantiates `module`, calls `_start`, and returns its stdout and the time taken.
    pub fn run(&self, module: &Module) -> Result<(Vec<u8>, Duration)> {
        self.run_once(module).map_err(host)
    }

    fn run_once(&self, module: &Module) -> wasmtime::Result<(Vec<u8>, Duration)> {
        let started = Instant::now();
        let mut store = Store::new(&self.engine, Vec::new());
        if self.instrumentation.fuel() {
            store.set_fuel(u64::MAX)?;
        }
        if self.instrumentation.epoch() {
            store.set_epoch_deadline(EPOCH_DEADLINE_TICKS);
            store.epoch_deadline_trap();
        }
        let instance = self.linker.instantiate(&mut store, module)?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        start.call(&mut store, ())?;
        let elapsed = started.elapsed();
        Ok((store.into_data(), elapsed))
    }
}

impl Drop for RawEngine {
    fn drop(&mut self) {
        if let Some((stop, handle)) = self.ticker.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = handle.join();
        }
    }
}

/// Just enough of WASI's `fd_write` for the workloads: appends what goes to stdout.
fn fd_write(
    mut caller: Caller<'_, Vec<u8>>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nwritten: i32,
) -> wasmtime::Result<i32> {
    let memory = caller
        .get_export("memory")
        .and_then(|export| export.into_memory())
        .ok_or_else(|| wasmtime::Error::msg("the guest exports no memory"))?;
    let mut written = Vec::new();
    for index in 0..iovs_len as usize {
        let mut iovec = [0u8; 8];
        memory.read(&caller, iovs as usize + 8 * index, &mut iovec)?;
        let [p0, p1, p2, p3, l0, l1, l2, l3] = iovec;
        let ptr = u32::from_le_bytes([p0, p1, p2, p3]) as usize;
        let len = u32::from_le_bytes([l0, l1, l2, l3]) as usize;
        let mut bytes = vec![0; len];
        memory.read(&caller, ptr, &mut bytes)?;
        written.extend_from_slice(&bytes);
    }
    let count = u32::try_from(written.len()).map_err(wasmtime::Error::msg)?;
    memory.write(&mut caller, nwritten as usize, &count.to_le_bytes())?;
    if fd == 1 {
        caller.data_mut().extend_from_slice(&written);
    }
    Ok(0)
}

/// wasmtime's own error type, as the `anyhow` error the rest of the bench uses.
pub fn host(error: wasmtime::Error) -> anyhow::Error {
    anyhow::anyhow!("{error:?}")
}
