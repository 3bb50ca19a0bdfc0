//! Pre-initialised interpreters (Wizer-style): run a module's exported init function once, at
//! install time, and write a new module whose memory and globals start where init left them.
//! Each run then starts from the snapshot (copy-on-write in the runtime's pool) instead of
//! paying the interpreter's start-up.
//!
//! wasmtime-wizer instruments the module and rewrites it from the snapshot; the init function
//! runs here, in a plain engine with WASI linked (the interpreter reads its own environment
//! and embedded files while it starts). What init sees: argv `args`, no environment, an empty
//! read-only directory preopened at `/src`, then the language's own directories (`run.dirs`),
//! the same preopens in the same order, hence the same descriptors, as a run's; no stdin.
//! What it prints is an error: init must not do the run's work.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use wasmtime::{Config, Engine, Linker, Module, Store, Val};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};
use wasmtime_wizer::{InstanceState, SnapshotVal, ValType, Wizer};

use crate::{Error, Result};

/// Snapshots `module` after its export `init` ran, with `args` as argv; `dirs` (host, guest)
/// are preopened read-only after `/src`.
pub(crate) fn snapshot(
    wasm: &[u8],
    init: &str,
    args: &[String],
    empty_dir: &Path,
    dirs: &[(PathBuf, String)],
) -> Result<Vec<u8>> {
    let failed = |message: String| Error::Snapshot(message);
    let mut wizer = Wizer::new();
    wizer.init_func(init);
    let (context, instrumented) = wizer
        .instrument(wasm)
        .map_err(|err| failed(format!("{err:?}")))?;

    let mut config = Config::new();
    config.max_wasm_stack(64 << 20).async_stack_size(65 << 20);
    let engine = Engine::new(&config).map_err(|err| failed(format!("{err:?}")))?;
    let module = Module::new(&engine, &instrumented).map_err(|err| failed(format!("{err:?}")))?;
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx)
        .map_err(|err| failed(format!("{err:?}")))?;
    let output = MemoryOutputPipe::new(1 << 20);
    let mut builder = WasiCtxBuilder::new();
    builder
        .args(args)
        .stdout(output.clone())
        .stderr(output.clone());
    builder
        .preopened_dir(empty_dir, "/src", FsPerms::ReadOnly)
        .map_err(|err| failed(format!("{err:?}")))?;
    for (host, guest) in dirs {
        builder
            .preopened_dir(host, guest, FsPerms::ReadOnly)
            .map_err(|err| failed(format!("preopen {}: {err:?}", host.display())))?;
    }
    let mut store = Store::new(&engine, builder.build_p1());

    // Deep interpreters recurse while they start: give init a thread with a big stack.
    let instance = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(128 << 20)
            .spawn_scoped(scope, || -> wasmtime::Result<wasmtime::Instance> {
                let instance = linker.instantiate(&mut store, &module)?;
                let init = instance.get_typed_func::<(), ()>(&mut store, init)?;
                init.call(&mut store, ())?;
                Ok(instance)
            })
            .map_err(|err| failed(format!("cannot start a thread: {err}")))?
            .join()
            .map_err(|_| failed("the init thread panicked".into()))?
            .map_err(|err| {
                let printed = String::from_utf8_lossy(&output.contents()).into_owned();
                failed(format!("{init} failed: {err:?} {printed}"))
            })
    })?;
    let printed = output.contents();
    if !printed.is_empty() {
        return Err(failed(format!(
            "{init} printed {:?}: init must not do a run's work",
            String::from_utf8_lossy(&printed)
        )));
    }
    let mut state = State {
        store: &mut store,
        instance,
    };
    block_on(wizer.snapshot(&context, &mut state)).map_err(|err| failed(format!("{err:?}")))
}

struct State<'a> {
    store: &'a mut Store<WasiP1Ctx>,
    instance: wasmtime::Instance,
}

impl InstanceState for State<'_> {
    async fn global_get(&mut self, name: &str, _: ValType) -> SnapshotVal {
        let value = self
            .instance
            .get_global(&mut *self.store, name)
            .map(|global| global.get(&mut *self.store));
        match value {
            Some(Val::I32(x)) => SnapshotVal::I32(x),
            Some(Val::I64(x)) => SnapshotVal::I64(x),
            Some(Val::F32(x)) => SnapshotVal::F32(x),
            Some(Val::F64(x)) => SnapshotVal::F64(x),
            Some(Val::V128(x)) => SnapshotVal::V128(x.as_u128()),
            // The instrumentation exports every global wizer asks for, with a numeric type.
            other => panic!("wizer asked for global {name}: {other:?}"),
        }
    }

    async fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) {
        let memory = self
            .instance
            .get_memory(&mut *self.store, name)
            .unwrap_or_else(|| panic!("wizer asked for memory {name}, which is not exported"));
        contents(memory.data(&*self.store));
    }
}

/// Drives a future whose every await is already ready (ours never wait on anything).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::yield_now();
    }
}
