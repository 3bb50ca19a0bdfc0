//! The one engine a process runs guests on, and the settings that make runs cheap and safe.

use std::path::Path;

use wasmtime::{
    Collector, Config, Engine, InstanceAllocationStrategy, Linker, OptLevel,
    PoolingAllocationConfig, Store, Strategy,
};

use wasmtime_wasi::I32Exit;

use crate::cache::ModuleCache;
use crate::config::{Allocation, RuntimeConfig};
use crate::filestat;
use crate::meter;
use crate::module::Module;
use crate::run::{self, Guest, RunSpec};
use crate::slots::Slots;
use crate::ticker::Ticker;
use crate::{Error, Outcome, Result};

/// Stack left on each fiber for host code (WASI calls) below the guest's `max_stack_bytes`.
const HOST_STACK_BYTES: usize = 4 << 20;
/// Per pooled slot, memory reset by `memset` (kept resident) rather than returned to the
/// kernel: a small guest's next run then takes no page faults.
const MEMORY_KEEP_RESIDENT_BYTES: usize = 1 << 20;
const TABLE_KEEP_RESIDENT_BYTES: usize = 64 << 10;
/// Memory images up to this size are mapped copy-on-write however sparse they are (a
/// snapshotted Ruby spans 59 MiB with 20 MiB of data); beyond it an image must be half data.
/// The image is built when a module is compiled, so this also bounds what a hostile module's
/// far-apart data segments can make the host allocate. Not part of wasmtime's compatibility
/// hash: the module cache's key includes it (`cache.rs`).
pub(crate) const DENSE_IMAGE_BYTES: u64 = 128 << 20;

/// Tables a guest may define. Compilers emit one; reference types allow more.
pub(crate) const MAX_TABLES: u32 = 4;

/// Runs modules under limits. One per process; `Sync`, so every thread shares it.
pub struct Runtime {
    engine: Engine,
    linker: Linker<Guest>,
    cache: ModuleCache,
    slots: Slots,
    ticker: Ticker,
    config: RuntimeConfig,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    pub fn new(config: RuntimeConfig) -> Result<Self> {
        validate(&config)?;
        let engine = Engine::new(&engine_config(&config)).map_err(Error::engine)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut linker, |guest: &mut Guest| &mut guest.wasi)
            .map_err(Error::engine)?;
        // File metadata as the guest sees it: no access times or inode numbers from the host.
        filestat::wrap(&mut linker).map_err(Error::engine)?;
        // wasmtime-wasi refuses exit statuses of 126 and above with a trap, but programs do
        // `exit(255)` and `exit(-1)`: report every status as the guest gave it.
        linker.allow_shadowing(true);
        linker
            .func_wrap(
                "wasi_snapshot_preview1",
                "proc_exit",
                |status: i32| -> wasmtime::Result<()> {
                    Err(wasmtime::Error::new(I32Exit(status)))
                },
            )
            .map_err(Error::engine)?;
        linker.allow_shadowing(false);
        // Every metered guest imports the clock; a shared memory belongs to the engine, not to
        // a store, so the one definition serves every run.
        let ticker = Ticker::new(&engine)?;
        linker
            .define(
                Store::new(&engine, Guest::placeholder()),
                meter::CLOCK_MODULE,
                meter::CLOCK_NAME,
                ticker.memory().clone(),
            )
            .map_err(Error::engine)?;
        let cache = ModuleCache::new(config.cache_dir.as_deref(), &engine);
        Ok(Self {
            slots: Slots::new(config.max_concurrent_runs),
            engine,
            linker,
            cache,
            ticker,
            config,
        })
    }

    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// Loads a `.wasm` or `.wat` file (told apart by content, not by name).
    pub fn load_file(&self, path: &Path) -> Result<Module> {
        let bytes = std::fs::read(path).map_err(|source| Error::ReadModule {
            path: path.to_owned(),
            source,
        })?;
        self.load_bytes(&bytes)
    }

    /// Loads a module from its binary or text form.
    pub fn load_bytes(&self, bytes: &[u8]) -> Result<Module> {
        Module::load(bytes, &self.linker, &self.cache)
    }

    /// Runs `module` once under `spec`. Blocks until the run ends or a slot frees up.
    ///
    /// `Ok` whatever the guest does; `Err` only when the host fails. Must not be called from an
    /// async task: use `spawn_blocking`.
    pub fn run(&self, module: &Module, spec: RunSpec) -> Result<Outcome> {
        if !Engine::same(module.pre().module().engine(), &self.engine) {
            return Err(Error::InvalidSpec(
                "module was loaded by another runtime".into(),
            ));
        }
        run::execute(
            &self.engine,
            &self.slots,
            &self.ticker,
            &self.config,
            module,
            spec,
        )
    }

    /// Runs not in flight right now (all of them when idle).
    pub fn idle_slots(&self) -> u32 {
        self.slots.available()
    }
}

fn validate(config: &RuntimeConfig) -> Result<()> {
    let fail = |message: &str| Err(Error::InvalidSpec(message.to_owned()));
    if config.max_concurrent_runs == 0 {
        return fail("max_concurrent_runs must be at least 1");
    }
    if config.max_stack_bytes == 0 {
        return fail("max_stack_bytes must be positive");
    }
    if config.max_memory_bytes == 0 || config.max_memory_bytes > 4 << 30 {
        return fail("max_memory_bytes must be between 1 byte and 4 GiB (wasm32)");
    }
    Ok(())
}

/// Every engine-wide knob in one place.
fn engine_config(settings: &RuntimeConfig) -> Config {
    let mut config = Config::new();
    config
        .strategy(Strategy::Cranelift)
        .cranelift_opt_level(OptLevel::Speed)
        .parallel_compilation(true)
        // Fuel and the deadline are compiled into the guest by `meter.rs`, which costs a few
        // percent where wasmtime's own fuel or epochs cost up to +123%: neither is enabled.
        .consume_fuel(false)
        .epoch_interruption(false)
        .max_wasm_stack(settings.max_stack_bytes)
        .async_stack_size(settings.max_stack_bytes + HOST_STACK_BYTES)
        // Fiber stacks are reused across guests without being zeroed. A guest cannot address
        // the native stack: it reads only its linear memory (reset between runs by the pool)
        // and its own locals (zeroed by wasm semantics). Zeroing would cost a `madvise` over
        // the whole 260 MiB stack per run: a third of single-thread throughput, and it stops
        // two threads from scaling at all (bench/README.md).
        .async_stack_zeroing(false)
        .memory_init_cow(true)
        // Snapshotted interpreters (toolchains) start with tens of MiB of scattered data.
        // Mapped copy-on-write (vendor/README.md), such an image costs microseconds per
        // instantiation whatever its holes; wasmtime's default maps an image only if it is at
        // least half data or under 16 MiB, and copies the segments otherwise (~10 ms for Ruby).
        .memory_guaranteed_dense_image_size(DENSE_IMAGE_BYTES)
        // Same bits on every machine, so fuel and output reproduce across judge hosts.
        .cranelift_nan_canonicalization(true)
        .relaxed_simd_deterministic(true)
        // A metered module has two memories: the guest's own and the shared clock. Guests
        // themselves may have neither several memories nor shared ones, nor 64-bit memories:
        // `meter::guest_features` refuses them before anything is compiled.
        .wasm_multi_memory(true)
        .wasm_threads(true)
        .shared_memory(true)
        .wasm_memory64(false)
        // Exceptions (C++) and GC (structs, arrays: Kotlin/Wasm). Exceptions and GC objects
        // live in the GC heap, made on first use from the same pool as linear memories and
        // under the same limit (`limiter.rs`). Deferred reference counting frees what is no
        // longer referenced; it does not collect cycles, which stay until the run ends (the
        // copying collector of this wasmtime is not finished).
        .wasm_exceptions(true)
        .wasm_gc(true)
        .wasm_function_references(true)
        .collector(Collector::DeferredReferenceCounting);
    if settings.allocation == Allocation::Pooling {
        let slots = settings.max_concurrent_runs;
        let mut pool = PoolingAllocationConfig::new();
        // One instance more than runs: the clock's setter (`ticker.rs`).
        pool.total_core_instances(slots + 1)
            // A guest's linear memory and, once it throws, its GC heap.
            .total_memories(slots * 2)
            .total_gc_heaps(slots)
            .total_tables(slots * MAX_TABLES)
            .total_stacks(slots)
            .max_memories_per_module(1)
            .max_tables_per_module(MAX_TABLES)
            .max_memory_size(usize::try_from(settings.max_memory_bytes).unwrap_or(usize::MAX))
            .table_elements(usize::try_from(settings.max_table_elements).unwrap_or(usize::MAX))
            .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT_BYTES)
            .table_keep_resident(TABLE_KEEP_RESIDENT_BYTES);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}
