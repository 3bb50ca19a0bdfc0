// scratch (not committed): wsnap in.wasm out.wasm [--dir host:guest]... [--env K=V]...
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use wasmtime::{Config, Engine, Linker, Module, Store, Val};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};
use wasmtime_wizer::{InstanceState, SnapshotVal, ValType, Wizer};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let input = args.remove(0);
    let output = args.remove(0);
    let mut dirs = vec![];
    let mut envs = vec![];
    while !args.is_empty() {
        let a = args.remove(0);
        let v = args.remove(0);
        match a.as_str() {
            "--dir" => { let (h, g) = v.split_once(':').unwrap(); dirs.push((h.to_string(), g.to_string())); }
            "--env" => { let (k, x) = v.split_once('=').unwrap(); envs.push((k.to_string(), x.to_string())); }
            _ => panic!("{a}"),
        }
    }
    let wasm = std::fs::read(&input).unwrap();
    let t = std::time::Instant::now();
    let mut wizer = Wizer::new();
    wizer.init_func("wizer.initialize");
    let (context, instrumented) = wizer.instrument(&wasm).unwrap();
    let mut config = Config::new();
    config.max_wasm_stack(256 << 20).async_stack_size(257 << 20);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, &instrumented).unwrap();
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |c| c).unwrap();
    let mut b = WasiCtxBuilder::new();
    b.args(&["java"]).envs(&envs).inherit_stdout().inherit_stderr();
    for (h, g) in &dirs { b.preopened_dir(h, g, FsPerms::ReadOnly).unwrap(); }
    let mut store = Store::new(&engine, b.build_p1());
    let instance = std::thread::scope(|s| {
        std::thread::Builder::new().stack_size(300 << 20).spawn_scoped(s, || {
            let instance = linker.instantiate(&mut store, &module).unwrap();
            let init = instance.get_typed_func::<(), ()>(&mut store, "wizer.initialize").unwrap();
            init.call(&mut store, ()).unwrap();
            instance
        }).unwrap().join().unwrap()
    });
    eprintln!("init {:?}", t.elapsed());
    let mut state = State { store: &mut store, instance };
    let out = block_on(wizer.snapshot(&context, &mut state)).unwrap();
    std::fs::write(&output, &out).unwrap();
    eprintln!("snapshot {} bytes, {:?}", out.len(), t.elapsed());
}

struct State<'a> { store: &'a mut Store<WasiP1Ctx>, instance: wasmtime::Instance }

impl InstanceState for State<'_> {
    async fn global_get(&mut self, name: &str, _: ValType) -> SnapshotVal {
        match self.instance.get_global(&mut *self.store, name).map(|g| g.get(&mut *self.store)) {
            Some(Val::I32(x)) => SnapshotVal::I32(x),
            Some(Val::I64(x)) => SnapshotVal::I64(x),
            Some(Val::F32(x)) => SnapshotVal::F32(x),
            Some(Val::F64(x)) => SnapshotVal::F64(x),
            Some(Val::V128(x)) => SnapshotVal::V128(x.as_u128()),
            other => panic!("{name}: {other:?}"),
        }
    }
    async fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) {
        let memory = self.instance.get_memory(&mut *self.store, name).unwrap();
        contents(memory.data(&*self.store))
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop { if let Poll::Ready(v) = future.as_mut().poll(&mut cx) { return v; } }
}
