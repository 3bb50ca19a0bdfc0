//! One program on one input, without a problem: the editor's "Run" button and Judge0-style
//! submissions. The same compile cache, fuel rates and limits as judging.

use std::time::{Duration, Instant};

use bytes::Bytes;
use xcode_runtime::{Limits, Status};
use xcode_toolchains::{JailLimits, Prepared};

use crate::check;
use crate::engine::{
    Engine, MAX_MEMORY_BYTES, Result, Runnable, STACK_ALLOWANCE_BYTES, failure, wall_for,
};
use crate::verdict::Verdict;

/// Limits of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunLimits {
    pub time_limit_ms: u64,
    pub memory_bytes: u64,
    pub output_bytes: u64,
}

impl Default for RunLimits {
    fn default() -> Self {
        Self {
            time_limit_ms: 2000,
            memory_bytes: 256 << 20,
            output_bytes: 64 << 10,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    /// `None`: ran to its end (see `exit_code`); else TLE, MLE, OLE, RE or CE.
    pub verdict: Option<Verdict>,
    pub exit_code: Option<i32>,
    /// `stack_overflow`, ... when it trapped.
    pub trap: String,
    /// What went wrong, in words (empty when it exited).
    pub message: String,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    pub compile_output: String,
    /// Deterministic time, from fuel.
    pub time_ms: u64,
    pub memory_bytes: u64,
    pub wall: Duration,
}

impl Engine {
    /// Compiles (or takes from the cache) and runs `source` once on `stdin`. `Err` only for
    /// the host (a missing toolchain).
    pub fn execute(
        &self,
        language: &str,
        source: &[u8],
        stdin: Vec<u8>,
        limits: RunLimits,
    ) -> Result<Execution> {
        let started = Instant::now();
        let mut execution = Execution {
            verdict: None,
            exit_code: None,
            trap: String::new(),
            message: String::new(),
            stdout: Vec::new(),
            stderr: Vec::new(),
            stdout_truncated: false,
            stderr_truncated: false,
            compile_output: String::new(),
            time_ms: 0,
            memory_bytes: 0,
            wall: Duration::ZERO,
        };
        let (program, compiled) =
            match self
                .toolchains()
                .prepare(language, source, &JailLimits::default())?
            {
                Prepared::CompileError(compiled) => {
                    execution.verdict = Some(Verdict::CompileError);
                    execution.compile_output = compiled.output;
                    execution.wall = started.elapsed();
                    return Ok(execution);
                }
                Prepared::Ready { program, compile } => (program, compile),
            };
        execution.compile_output = compiled.map(|compiled| compiled.output).unwrap_or_default();
        let module = self.load_module(&program.module)?;
        let runnable = Runnable {
            module,
            dirs: program.preopens(),
            args: program.args,
            env: program.env,
            language: Some(language.to_owned()),
        };
        let time_limit_ms = limits.time_limit_ms.max(1);
        let output = usize::try_from(limits.output_bytes).unwrap_or(usize::MAX);
        let fuel = self.calibration().fuel_for(Some(language), time_limit_ms);
        let run_limits = Limits {
            fuel,
            wall_time: wall_for(fuel, time_limit_ms),
            memory_bytes: (limits.memory_bytes + STACK_ALLOWANCE_BYTES).min(MAX_MEMORY_BYTES),
            stdout_bytes: output,
            stderr_bytes: output,
            ..Limits::default()
        };
        let spec = check::base_spec(&runnable)
            .stdin(Bytes::from(stdin))
            .limits(run_limits)
            .deterministic(0);
        let outcome = self.runtime().run(&runnable.module, spec)?;
        execution.time_ms = self
            .calibration()
            .ms_for(Some(language), outcome.fuel_consumed);
        if let Some((verdict, message)) = failure(&outcome, limits.memory_bytes) {
            execution.verdict = Some(verdict);
            execution.message = message;
            if verdict == Verdict::TimeLimitExceeded {
                execution.time_ms = execution.time_ms.max(time_limit_ms);
            }
        }
        if let Status::Trap { kind, .. } = &outcome.status {
            execution.trap = kind.to_string();
        }
        execution.exit_code = outcome.status.exit_code();
        execution.memory_bytes = outcome.peak_memory_bytes;
        execution.stdout = outcome.stdout;
        execution.stderr = outcome.stderr;
        execution.stdout_truncated = outcome.stdout_truncated;
        execution.stderr_truncated = outcome.stderr_truncated;
        execution.wall = started.elapsed();
        Ok(execution)
    }
}
