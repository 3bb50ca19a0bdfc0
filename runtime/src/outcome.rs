//! What a run did.

use std::fmt;
use std::time::{Duration, Instant};

/// How a run ended. Every way a guest can end, including by exceeding a limit, is a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The guest returned from `_start` (code 0) or called `proc_exit(code)`.
    Exited(i32),
    /// The fuel budget ran out: the deterministic CPU limit.
    FuelExhausted,
    /// The wall-clock deadline passed, whether the guest was computing or waiting.
    WallTimeExceeded,
    /// The guest asked for more linear memory than its limit and then failed (trapped or exited
    /// non-zero). A guest that recovers and exits 0 is `Exited(0)`.
    MemoryExceeded,
    /// stdout or stderr passed its cap; the guest was stopped at that write.
    OutputExceeded,
    /// The guest and the run at the other end of its pipes were each waiting for the other
    /// ([`watch_for_deadlock`](crate::watch_for_deadlock)): it was stopped at once.
    Deadlocked,
    /// The guest trapped.
    Trap { kind: TrapKind, message: String },
}

impl Status {
    /// The stable snake_case name used in JSON and logs.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Exited(_) => "exited",
            Self::FuelExhausted => "fuel_exhausted",
            Self::WallTimeExceeded => "wall_time_exceeded",
            Self::MemoryExceeded => "memory_exceeded",
            Self::OutputExceeded => "output_exceeded",
            Self::Deadlocked => "deadlocked",
            Self::Trap { .. } => "trap",
        }
    }

    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Self::Exited(code) => Some(*code),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exited(code) => write!(f, "exited {code}"),
            Self::Trap { kind, message } => write!(f, "trap {kind}: {message}"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// Why a guest trapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrapKind {
    /// Deeper recursion than the wasm stack limit allows.
    StackOverflow,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    BadSignature,
    IntegerOverflow,
    IntegerDivisionByZero,
    BadConversionToInteger,
    /// `unreachable`: how C's `abort()` and Rust's panics end.
    Unreachable,
    /// A table grew past its element limit and the guest then failed.
    TableLimitExceeded,
    /// The guest called an import the sandbox does not provide (e.g. sockets).
    UnsupportedImport,
    /// The module could not be instantiated (its start function aside).
    Instantiation,
    /// A wasm exception (`throw`) no `try_table` caught left the guest. C++ programs never
    /// end so: their start file hands it to `std::terminate`, which prints it and aborts.
    UncaughtException,
    /// A WASI call failed in a way that ends the guest, or another trap.
    Other,
}

impl TrapKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StackOverflow => "stack_overflow",
            Self::MemoryOutOfBounds => "memory_out_of_bounds",
            Self::TableOutOfBounds => "table_out_of_bounds",
            Self::IndirectCallToNull => "indirect_call_to_null",
            Self::BadSignature => "bad_signature",
            Self::IntegerOverflow => "integer_overflow",
            Self::IntegerDivisionByZero => "integer_division_by_zero",
            Self::BadConversionToInteger => "bad_conversion_to_integer",
            Self::Unreachable => "unreachable",
            Self::TableLimitExceeded => "table_limit_exceeded",
            Self::UnsupportedImport => "unsupported_import",
            Self::Instantiation => "instantiation",
            Self::UncaughtException => "uncaught_exception",
            Self::Other => "other",
        }
    }

    pub(crate) fn of(trap: wasmtime::Trap) -> Self {
        use wasmtime::Trap;
        match trap {
            Trap::StackOverflow => Self::StackOverflow,
            Trap::MemoryOutOfBounds | Trap::HeapMisaligned => Self::MemoryOutOfBounds,
            Trap::TableOutOfBounds => Self::TableOutOfBounds,
            Trap::IndirectCallToNull => Self::IndirectCallToNull,
            Trap::BadSignature => Self::BadSignature,
            Trap::IntegerOverflow => Self::IntegerOverflow,
            Trap::IntegerDivisionByZero => Self::IntegerDivisionByZero,
            Trap::BadConversionToInteger => Self::BadConversionToInteger,
            Trap::UnreachableCodeReached => Self::Unreachable,
            _ => Self::Other,
        }
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything known about a finished run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    /// Fuel burnt (the start function included). Identical for identical module, input and
    /// settings. The budget exactly when fuel ran out; for a guest that trapped implicitly
    /// (division by zero, out-of-bounds access), what it had used by its last call, branch out
    /// of a function or limit check.
    pub fuel_consumed: u64,
    /// From the start of instantiation to the end of the run.
    pub wall_time: Duration,
    /// When the guest stopped, taken before its pipes closed: of two runs wired together, the
    /// one that ended because its peer did always ends later.
    pub ended_at: Instant,
    /// Largest size the guest's linear memory and GC heap reached together, less the bottom of
    /// a stack-first stack that the guest never reached (`stack.rs`): what it used.
    pub peak_memory_bytes: u64,
    /// The size of the module's stack-first stack, when it has one (`stack.rs`): then
    /// `peak_memory_bytes` counts only the part of it the guest reached.
    pub stack_first_bytes: Option<u64>,
    /// What the guest wrote to stdout, up to the limit; with stdout into a pipe, a transcript
    /// of what went into it: its first 64 KiB at most.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The guest wrote more than the cap (the run ended as output exceeded); `stdout` holds
    /// the first cap bytes. Not set for a pipe's transcript that is only cut at 64 KiB.
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
}
