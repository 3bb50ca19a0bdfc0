//! `xcode-runtime`: runs one WebAssembly (WASI preview 1) module inside wasmtime under strict,
//! deterministic limits and reports what happened.
//!
//! It knows nothing of problems, languages or verdicts, and depends on nothing else in Xcode:
//! no tokio in its API, no database, no protobuf. Everything the guest does, including
//! running out of fuel, time, memory or output, is an [`Outcome`]; only host failures
//! (an unreadable or invalid module, a failing disk) are [`Error`]s.
//!
//! ```no_run
//! use xcode_runtime::{Runtime, RuntimeConfig, RunSpec};
//! # fn main() -> xcode_runtime::Result<()> {
//! let runtime = Runtime::new(RuntimeConfig::default())?;
//! let module = runtime.load_file("hello.wat".as_ref())?;
//! let outcome = runtime.run(&module, RunSpec::new().stdin(b"42\n".to_vec()))?;
//! println!("{:?} after {} fuel", outcome.status, outcome.fuel_consumed);
//! # Ok(())
//! # }
//! ```
//!
//! How the limits are enforced, and why, is in `docs/runtime.md`.

mod cache;
mod clock;
mod config;
mod engine;
mod executor;
mod filestat;
mod io;
mod limiter;
mod meter;
mod module;
mod outcome;
mod run;
mod slots;
mod stack;
mod ticker;

pub use config::{Allocation, RuntimeConfig};
pub use engine::Runtime;
pub use io::Stdin;
pub use io::pipe::{PipeReader, PipeWriter, pipe, watch_for_deadlock};
pub use module::Module;
pub use outcome::{Outcome, Status, TrapKind};
pub use run::{DirAccess, Limits, Preopen, RunSpec};

use std::path::PathBuf;

/// A failure of the host, never of the guest.
///
/// The underlying IO error, where there is one, is the [`std::error::Error::source`], not part
/// of the message: print the chain (`{:#}` with anyhow) to see both.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read module {path}")]
    ReadModule {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid module: {0}")]
    InvalidModule(String),
    #[error("invalid run settings: {0}")]
    InvalidSpec(String),
    #[error("cannot open directory {path} for the guest: {message}")]
    Preopen { path: PathBuf, message: String },
    #[error("module cache at {path}")]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("wasmtime: {0}")]
    Engine(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn engine(err: impl std::fmt::Display) -> Self {
        Self::Engine(err.to_string())
    }
}
