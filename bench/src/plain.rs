//! wasmtime with WASI and nothing else: no metering, no limits. The "fuel off" column of the
//! per-language table: what a guest costs when the sandbox's limits cost nothing.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use wasmtime::{Config, Engine, Linker, Module, OptLevel, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use crate::raw::host;

#[derive(Debug)]
pub struct PlainWasi {
    engine: Engine,
    linker: Linker<WasiP1Ctx>,
}

/// What one run printed and how long it took (instantiation included).
#[derive(Debug)]
pub struct PlainRun {
    pub stdout: Vec<u8>,
    pub exit_code: i32,
    pub elapsed: Duration,
}

impl PlainWasi {
    pub fn new() -> Result<Self> {
        let mut config = Config::new();
        // The sandbox's compiler settings. Not its memory-image settings: wasmtime's default
        // copies a sparse snapshot's data (~10 ms for Ruby and Python) where the sandbox maps
        // it, so for snapshotted interpreters this column pays more start-up, not less.
        config
            .cranelift_opt_level(OptLevel::Speed)
            .cranelift_nan_canonicalization(true)
            .max_wasm_stack(256 << 20)
            .async_stack_size(257 << 20);
        let engine = Engine::new(&config).map_err(host)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx).map_err(host)?;
        Ok(Self { engine, linker })
    }

    pub fn compile(&self, path: &Path) -> Result<Module> {
        Module::from_file(&self.engine, path)
            .map_err(host)
            .with_context(|| format!("compile {}", path.display()))
    }

    /// Runs `module` on a thread with a stack big enough for `max_wasm_stack`.
    pub fn run(
        &self,
        module: &Module,
        args: &[String],
        env: &[(String, String)],
        stdin: &[u8],
        dirs: &[(PathBuf, String)],
    ) -> Result<PlainRun> {
        let stdout = MemoryOutputPipe::new(usize::MAX);
        let mut builder = WasiCtxBuilder::new();
        builder
            .args(args)
            .envs(env)
            .stdin(MemoryInputPipe::new(stdin.to_vec()))
            .stdout(stdout.clone());
        for (dir, guest) in dirs {
            builder
                .preopened_dir(dir, guest, FsPerms::ReadOnly)
                .map_err(host)?;
        }
        let wasi = builder.build_p1();
        let started = Instant::now();
        let exit_code = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(512 << 20)
                .spawn_scoped(scope, || -> Result<i32> {
                    let mut store = Store::new(&self.engine, wasi);
                    let exited = |err: wasmtime::Error| match err.downcast_ref::<I32Exit>() {
                        Some(exit) => Ok(exit.0),
                        None => Err(host(err)),
                    };
                    // A module's start function may exit (Kotlin's runs `main`).
                    let instance = match self.linker.instantiate(&mut store, module) {
                        Ok(instance) => instance,
                        Err(err) => return exited(err),
                    };
                    let start = instance
                        .get_typed_func::<(), ()>(&mut store, "_start")
                        .map_err(host)?;
                    match start.call(&mut store, ()) {
                        Ok(()) => Ok(0),
                        Err(err) => exited(err),
                    }
                })?
                .join()
                .map_err(|_| anyhow::anyhow!("the guest thread panicked"))?
        })?;
        Ok(PlainRun {
            stdout: stdout.contents().to_vec(),
            exit_code,
            elapsed: started.elapsed(),
        })
    }
}
