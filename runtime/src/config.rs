//! Process-wide settings of the sandbox. Per-run limits are in [`crate::Limits`].

use std::path::PathBuf;

/// How instance memory, tables and fiber stacks are obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocation {
    /// Slots reserved once and reused: instantiation costs microseconds. The default.
    Pooling,
    /// `mmap` per run. Slower; kept for comparison and for hosts short of address space.
    OnDemand,
}

/// Settings fixed for the life of a [`crate::Runtime`].
///
/// The wasm stack limit lives here and not in [`crate::Limits`] because wasmtime fixes it per
/// engine (`Config::max_wasm_stack`); a process that needs another stack limit builds another
/// runtime, which shares the on-disk module cache.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Where precompiled modules are kept across processes. `None` compiles in memory.
    pub cache_dir: Option<PathBuf>,
    /// Runs in flight at once. Further callers of [`crate::Runtime::run`] wait for a slot.
    pub max_concurrent_runs: u32,
    /// Wasm stack available to each run. 1,000,000-deep recursion of a small function needs
    /// about 64 MiB.
    pub max_stack_bytes: usize,
    /// Upper bound for [`crate::Limits::memory_bytes`]: the size of each pooled memory slot.
    pub max_memory_bytes: u64,
    /// Upper bound for [`crate::Limits::table_elements`].
    pub max_table_elements: u64,
    pub allocation: Allocation,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            cache_dir: None,
            max_concurrent_runs: 64,
            max_stack_bytes: 256 << 20,
            max_memory_bytes: 4 << 30,
            max_table_elements: 1 << 20,
            allocation: Allocation::Pooling,
        }
    }
}
