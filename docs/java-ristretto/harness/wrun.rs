#![allow(unsafe_code)]
// scratch runner (not committed): wrun [--perf] [--fuel] [--dir host:guest]... [--env K=V]... module.wasm args...
use std::io::Read;
use std::time::Instant;
use wasmtime::{Config, Engine, Linker, Module, OptLevel, ProfilingStrategy, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut perf = false;
    let mut jitdump = false;
    let mut fuel = false;
    let mut dirs = vec![];
    let mut envs = vec![];
    while args[0].starts_with("--") {
        let a = args.remove(0);
        match a.as_str() {
            "--perf" => perf = true,
            "--jitdump" => jitdump = true,
            "--fuel" => fuel = true,
            "--dir" => { let d = args.remove(0); let (h, g) = d.split_once(':').unwrap(); dirs.push((h.to_string(), g.to_string())); }
            "--env" => { let e = args.remove(0); let (k, v) = e.split_once('=').unwrap(); envs.push((k.to_string(), v.to_string())); }
            _ => panic!("{a}"),
        }
    }
    let path = args[0].clone();
    let mut config = Config::new();
    config.cranelift_opt_level(OptLevel::Speed).max_wasm_stack(512 << 20).async_stack_size(513 << 20).consume_fuel(fuel);
    if perf { config.profiler(ProfilingStrategy::PerfMap); }
    if jitdump { config.profiler(ProfilingStrategy::JitDump); }
    let engine = Engine::new(&config).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let t = Instant::now();
    let cw = format!("{path}.{}{}.cwasm", if fuel {"f"} else {""}, if perf {"p"} else if jitdump {"j"} else {""});
    let module = if std::path::Path::new(&cw).exists() {
        unsafe { Module::deserialize_file(&engine, &cw) }.map_err(|e| anyhow::anyhow!("{e:?}"))?
    } else {
        let m = Module::from_file(&engine, &path).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        std::fs::write(&cw, m.serialize().map_err(|e| anyhow::anyhow!("{e:?}"))?)?;
        m
    };
    eprintln!("[wrun] load {:?}", t.elapsed());
    let mut stdin = vec![];
    std::io::stdin().read_to_end(&mut stdin)?;
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |c| c).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut b = WasiCtxBuilder::new();
    b.args(&args[1..]).envs(&envs).stdin(MemoryInputPipe::new(stdin)).inherit_stdout().inherit_stderr();
    for (h, g) in &dirs { b.preopened_dir(h, g, FsPerms::ReadOnly).map_err(|e| anyhow::anyhow!("{e:?}"))?; }
    let wasi = b.build_p1();
    let t = Instant::now();
    let code = std::thread::Builder::new().stack_size(600 << 20).spawn(move || -> i32 {
        let mut store = Store::new(&engine, wasi);
        if fuel { store.set_fuel(u64::MAX).unwrap(); }
        let r = linker.instantiate(&mut store, &module).and_then(|i| i.get_typed_func::<(), ()>(&mut store, "_start")?.call(&mut store, ()));
        if fuel { eprintln!("[wrun] fuel {}", u64::MAX - store.get_fuel().unwrap()); }
        match r { Ok(()) => 0, Err(e) => match e.downcast_ref::<I32Exit>() { Some(x) => x.0, None => { eprintln!("[wrun] trap {e:?}"); 134 } } }
    })?.join().unwrap();
    eprintln!("[wrun] run {:?} exit {code}", t.elapsed());
    std::process::exit(code);
}
