//! One run: a fresh store, WASI context and limits around a loaded module.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;
use wasmtime::{Engine, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use crate::clock::{FixedWallClock, SteppingMonotonicClock};
use crate::config::RuntimeConfig;
use crate::executor;
use crate::io::pipe::{self, Attached, PipeWriter};
use crate::io::{Capture, OutputLimitExceeded, Stdin};
use crate::limiter::Limiter;
use crate::meter;
use crate::module::Module;
use crate::outcome::{Outcome, Status, TrapKind};
use crate::slots::Slots;
use crate::stack;
use crate::ticker::Ticker;
use crate::{Error, Result};

/// The limits of one run. Exceeding any of them is a [`Status`], never an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Deterministic CPU budget: one unit per wasm instruction (structural ones free), plus
    /// one per byte or element of bulk memory and table operations. Above `i64::MAX` counts as
    /// `i64::MAX`.
    pub fuel: u64,
    /// Wall-clock deadline, from the start of instantiation.
    pub wall_time: Duration,
    /// Largest linear memory the guest may have.
    pub memory_bytes: u64,
    /// Largest table the guest may have.
    pub table_elements: u64,
    /// Bytes of stdout kept; one more ends the run as output exceeded. Into a pipe, bytes
    /// written into it (of which the outcome keeps the first 64 KiB).
    pub stdout_bytes: usize,
    /// Same for stderr.
    pub stderr_bytes: usize,
}

impl Default for Limits {
    /// Safe for an unknown module: a few seconds of CPU, 256 MiB, 64 MiB of each output.
    fn default() -> Self {
        Self {
            fuel: 10_000_000_000,
            wall_time: Duration::from_secs(10),
            memory_bytes: 256 << 20,
            table_elements: 1 << 20,
            stdout_bytes: 64 << 20,
            stderr_bytes: 64 << 20,
        }
    }
}

/// Whether the guest may change what is under a preopened directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DirAccess {
    #[default]
    ReadOnly,
    ReadWrite,
}

/// A host directory the guest sees at `guest`. Nothing else of the host filesystem is visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    pub host: PathBuf,
    pub guest: String,
    pub access: DirAccess,
}

/// Everything about one run but the module. Nothing is inherited from the host by default.
#[derive(Debug, Clone, Default)]
pub struct RunSpec {
    /// `argv`, including `argv[0]`.
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub stdin: Stdin,
    /// `Some`: the guest's stdout goes into this pipe, for another run to read (see
    /// [`pipe`](crate::pipe)), and [`Outcome::stdout`] keeps the first 64 KiB of it, as a
    /// transcript. `None`: it is captured.
    pub stdout_pipe: Option<PipeWriter>,
    pub preopens: Vec<Preopen>,
    pub limits: Limits,
    /// `Some(seed)`: fixed clocks and randomness from `seed`, so identical module, input and
    /// seed give identical fuel and output.
    pub deterministic: Option<u64>,
}

impl RunSpec {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn stdin(mut self, stdin: impl Into<Stdin>) -> Self {
        self.stdin = stdin.into();
        self
    }

    /// Sends the guest's stdout into `writer`: see [`RunSpec::stdout_pipe`](Self::stdout_pipe).
    pub fn stdout_pipe(mut self, writer: PipeWriter) -> Self {
        self.stdout_pipe = Some(writer);
        self
    }

    pub fn preopen(
        mut self,
        host: impl Into<PathBuf>,
        guest: impl Into<String>,
        access: DirAccess,
    ) -> Self {
        self.preopens.push(Preopen {
            host: host.into(),
            guest: guest.into(),
            access,
        });
        self
    }

    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn deterministic(mut self, seed: u64) -> Self {
        self.deterministic = Some(seed);
        self
    }
}

/// What a store holds for its guest.
pub(crate) struct Guest {
    pub(crate) wasi: WasiP1Ctx,
    limiter: Limiter,
}

impl Guest {
    /// For the store that only serves to define engine-wide imports in the linker.
    pub(crate) fn placeholder() -> Self {
        Self {
            wasi: WasiCtxBuilder::new().build_p1(),
            limiter: Limiter::new(0, 0),
        }
    }
}

pub(crate) fn execute(
    engine: &Engine,
    slots: &Slots,
    ticker: &Ticker,
    config: &RuntimeConfig,
    module: &Module,
    spec: RunSpec,
) -> Result<Outcome> {
    let limits = spec.limits.clone();
    check_limits(&limits, config)?;
    let stdout = match spec.stdout_pipe {
        Some(_) => Capture::keeping(limits.stdout_bytes, pipe::TRANSCRIPT_BYTES),
        None => Capture::new(limits.stdout_bytes),
    };
    let stderr = Capture::new(limits.stderr_bytes);
    let (wasi, pipes) = wasi_context(spec, &stdout, &stderr)?;
    let limiter = Limiter::new(
        usize::try_from(limits.memory_bytes).unwrap_or(usize::MAX),
        usize::try_from(limits.table_elements).unwrap_or(usize::MAX),
    );

    let _slot = slots.acquire();
    let _clock = ticker.hold()?;
    let mut store = Store::new(engine, Guest { wasi, limiter });
    store.limiter(|guest| &mut guest.limiter);

    let budget = i64::try_from(limits.fuel).unwrap_or(i64::MAX);
    let started = Instant::now();
    // The deadline twice: for the executor's timer, which stops a guest waiting in a WASI call
    // (`Duration::MAX` means no deadline worth the name: a century will do), and on the
    // metering clock, which stops a computing one. That clock counts whole milliseconds: start
    // from the next one, so that a guest always gets at least its full wall time.
    let far = Duration::from_secs(100 * 365 * 24 * 3600);
    let deadline = started
        .checked_add(limits.wall_time.min(far))
        .unwrap_or(started);
    let wall_ms = limits.wall_time.as_nanos().div_ceil(1_000_000);
    let deadline_ms =
        (ticker.now_ms() + 1).saturating_add(u64::try_from(wall_ms).unwrap_or(u64::MAX));
    let deadline_ms = i64::try_from(deadline_ms).unwrap_or(i64::MAX);
    let mut instance = None;
    let ended = executor::run_until(deadline, async {
        let created = module
            .pre()
            .instantiate_async(&mut store)
            .await
            .map_err(Failure::Instantiate)?;
        instance = Some(created);
        module
            .arm(&mut store, &created, budget, deadline_ms)
            .map_err(Failure::Instantiate)?;
        let entry_points = module
            .entry_points(&mut store, &created)
            .map_err(Failure::Instantiate)?;
        for entry in entry_points.into_iter().flatten() {
            entry
                .call_async(&mut store, ())
                .await
                .map_err(Failure::Run)?;
        }
        Ok(())
    })?;
    let ended_at = Instant::now();
    let wall_time = ended_at.duration_since(started);
    // The guest is gone: its peers see end of file, or have their writes discarded, from now.
    drop(pipes);

    let (fuel_left, stop) = match &instance {
        Some(instance) => module
            .meter_reading(&mut store, instance)
            .map_err(Error::engine)?,
        None => (budget, 0),
    };
    let guest = store.data();
    let status = match ended {
        None => Status::WallTimeExceeded,
        Some(result) if stdout.truncated() || stderr.truncated() => {
            debug_assert!(
                result.is_err(),
                "output past the cap always stops the guest"
            );
            Status::OutputExceeded
        }
        Some(result) => status_of(result, &guest.limiter, &limits, stop),
    };
    let fuel_consumed = if status == Status::FuelExhausted {
        limits.fuel
    } else {
        // Past zero by at most one straight-line stretch when the guest ended before the next
        // check: report what it really used.
        u64::try_from(i128::from(budget) - i128::from(fuel_left)).unwrap_or(0)
    };
    // Less the bottom of a stack-first stack the guest never reached (`stack.rs`).
    let untouched_stack = match (&instance, module.stack_top()) {
        (Some(instance), Some(top)) => instance
            .get_memory(&mut store, "memory")
            .map_or(0, |memory| stack::untouched_below(memory.data(&store), top)),
        _ => 0,
    };
    let guest = store.data();
    let peak_memory_bytes = guest
        .limiter
        .peak_memory_bytes
        .saturating_sub(untouched_stack) as u64;
    drop(store);
    let (stdout, stderr) = (stdout.take(), stderr.take());
    Ok(Outcome {
        status,
        fuel_consumed,
        wall_time,
        ended_at,
        peak_memory_bytes,
        stack_first_bytes: module.stack_top().map(u64::from),
        stdout: stdout.bytes,
        stderr: stderr.bytes,
        stdout_truncated: stdout.truncated,
        stderr_truncated: stderr.truncated,
    })
}

fn check_limits(limits: &Limits, config: &RuntimeConfig) -> Result<()> {
    if limits.memory_bytes > config.max_memory_bytes {
        return Err(Error::InvalidSpec(format!(
            "memory limit {} bytes is above this runtime's maximum of {} bytes",
            limits.memory_bytes, config.max_memory_bytes
        )));
    }
    if limits.table_elements > config.max_table_elements {
        return Err(Error::InvalidSpec(format!(
            "table limit {} is above this runtime's maximum of {}",
            limits.table_elements, config.max_table_elements
        )));
    }
    if limits.fuel == 0 {
        return Err(Error::InvalidSpec("fuel must be positive".into()));
    }
    Ok(())
}

/// The guest's WASI context, and the pipe ends it was given: dropping them closes them.
fn wasi_context(
    spec: RunSpec,
    stdout: &Capture,
    stderr: &Capture,
) -> Result<(WasiP1Ctx, Vec<Attached>)> {
    let mut builder = WasiCtxBuilder::new();
    let mut pipes = Vec::new();
    builder
        .args(&spec.args)
        .envs(&spec.env)
        .stderr(stderr.clone())
        // Not `allow_blocking_current_thread`: with it, wasmtime-wasi serves a lone sleep in
        // `poll_oneoff` with `std::thread::sleep`, which no deadline can interrupt.
        .allow_blocking_current_thread(false)
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false);
    match spec.stdin {
        Stdin::Empty => {}
        Stdin::Bytes(bytes) => {
            builder.stdin(MemoryInputPipe::new(bytes));
        }
        Stdin::Host => {
            builder.inherit_stdin();
        }
        Stdin::Pipe(reader) => {
            let (attached, input) = reader.attach()?;
            pipes.push(attached);
            builder.stdin(input);
        }
    }
    match spec.stdout_pipe {
        Some(writer) => {
            let (attached, output) = writer.attach(stdout.clone())?;
            pipes.push(attached);
            builder.stdout(output);
        }
        None => {
            builder.stdout(stdout.clone());
        }
    }
    for preopen in &spec.preopens {
        let perms = match preopen.access {
            DirAccess::ReadOnly => FsPerms::ReadOnly,
            DirAccess::ReadWrite => FsPerms::ReadWrite,
        };
        builder
            .preopened_dir(&preopen.host, &preopen.guest, perms)
            .map_err(|e| Error::Preopen {
                path: preopen.host.clone(),
                message: format!("{e:#}"),
            })?;
    }
    if let Some(seed) = spec.deterministic {
        builder
            .wall_clock(FixedWallClock)
            .monotonic_clock(SteppingMonotonicClock::default())
            .secure_random(StdRng::seed_from_u64(seed))
            .insecure_random(StdRng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15))
            .insecure_random_seed(u128::from(seed));
    }
    Ok((builder.build_p1(), pipes))
}

/// Where a run that did not return normally stopped.
enum Failure {
    Instantiate(wasmtime::Error),
    Run(wasmtime::Error),
}

/// The status of a run that ended on its own (no deadline, no output cap). `stop` is why
/// metering stopped the guest, if it did (`meter::STOP_*`).
fn status_of(result: Result<(), Failure>, limiter: &Limiter, limits: &Limits, stop: i32) -> Status {
    let (error, instantiating) = match result {
        Ok(()) => return Status::Exited(0),
        Err(Failure::Instantiate(error)) => (error, true),
        Err(Failure::Run(error)) => (error, false),
    };
    if error
        .downcast_ref::<I32Exit>()
        .is_some_and(|exit| exit.0 == 0)
    {
        return Status::Exited(0);
    }
    match stop {
        meter::STOP_FUEL => return Status::FuelExhausted,
        meter::STOP_DEADLINE => return Status::WallTimeExceeded,
        _ => {}
    }
    let trap = error.downcast_ref::<wasmtime::Trap>().copied();
    // Past this point the guest failed; a limit it hit first is the reason.
    if limiter.memory_denied {
        return Status::MemoryExceeded;
    }
    if limiter.table_denied {
        return Status::Trap {
            kind: TrapKind::TableLimitExceeded,
            message: format!(
                "a table grew past the limit of {} elements",
                limits.table_elements
            ),
        };
    }
    if let Some(exit) = error.downcast_ref::<I32Exit>() {
        return Status::Exited(exit.0);
    }
    if error.downcast_ref::<OutputLimitExceeded>().is_some() {
        return Status::OutputExceeded;
    }
    if error.downcast_ref::<pipe::Deadlocked>().is_some() {
        return Status::Deadlocked;
    }
    let kind = match trap {
        Some(trap) => TrapKind::of(trap),
        None if error
            .downcast_ref::<wasmtime::UnknownImportError>()
            .is_some() =>
        {
            TrapKind::UnsupportedImport
        }
        None if error.is::<wasmtime::ThrownException>() => TrapKind::UncaughtException,
        None if instantiating => TrapKind::Instantiation,
        None => TrapKind::Other,
    };
    Status::Trap {
        kind,
        message: trap_message(&error),
    }
}

/// The trap's own description, then where in the guest it happened.
fn trap_message(error: &wasmtime::Error) -> String {
    let mut message = match error.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => trap.to_string(),
        None => error.root_cause().to_string(),
    };
    if let Some(backtrace) = error.downcast_ref::<wasmtime::WasmBacktrace>() {
        let frames: Vec<String> = backtrace
            .frames()
            .iter()
            .take(5)
            .map(|frame| match frame.func_name() {
                Some(name) => name.to_owned(),
                None => format!("func[{}]", frame.func_index()),
            })
            .collect();
        if !frames.is_empty() {
            message.push_str(" (in ");
            message.push_str(&frames.join(" <- "));
            message.push(')');
        }
    }
    message
}
