//! Integration tests of the sandbox. Guests are written in WAT so no wasm compiler is needed.

mod cache;
mod determinism;
mod limits;
mod pipes;
mod sandbox;
mod stress;
mod traps;

use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use xcode_runtime::{Outcome, RunSpec, Runtime, RuntimeConfig, Status};

/// Tests that measure the process's memory take this exclusively; all others share it, so
/// nothing else allocates while a measurement is under way.
static MEASURING: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    MEASURING.read().unwrap_or_else(|e| e.into_inner())
}

fn exclusive() -> RwLockWriteGuard<'static, ()> {
    MEASURING.write().unwrap_or_else(|e| e.into_inner())
}

/// The runtime most tests share, as a judge would: default settings, many threads.
fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::new(RuntimeConfig::default()).expect("default runtime"))
}

/// A WASI command module: the imports tests use, one page of memory (unless `memory` says
/// otherwise), `$write(fd, ptr, len) -> errno` and `$exit(code)`, then `body`, which defines
/// `_start`. Bytes 0..64 are scratch for the helpers; tests put their data from 64 on.
fn guest_with_memory(memory: &str, body: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (memory (export "memory") {memory})
  (func $write (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
  {body})"#
    )
}

fn guest(body: &str) -> String {
    guest_with_memory("1", body)
}

/// `_start` that writes `total` bytes of 'x' to `fd`, `chunk` bytes per call.
fn writer(fd: u32, total: u32, chunk: u32) -> String {
    guest_with_memory(
        "2",
        &format!(
            r#"(func (export "_start") (local $left i32) (local $n i32)
                 (memory.fill (i32.const 65536) (i32.const 120) (i32.const 65536))
                 (local.set $left (i32.const {total}))
                 (block $done
                   (loop $more
                     (br_if $done (i32.eqz (local.get $left)))
                     (local.set $n (select (i32.const {chunk}) (local.get $left)
                                           (i32.lt_u (i32.const {chunk}) (local.get $left))))
                     (if (call $write (i32.const {fd}) (i32.const 65536) (local.get $n))
                       (then (call $exit (i32.const 5))))
                     (local.set $left (i32.sub (local.get $left) (local.get $n)))
                     (br $more))))"#
        ),
    )
}

/// Loads `wat` into the shared runtime and runs it once.
fn run(wat: &str, spec: RunSpec) -> Outcome {
    let module = runtime()
        .load_bytes(wat.as_bytes())
        .expect("test module loads");
    runtime().run(&module, spec).expect("run completes")
}

fn stdout(outcome: &Outcome) -> String {
    String::from_utf8_lossy(&outcome.stdout).into_owned()
}

#[track_caller]
fn assert_exited(outcome: &Outcome, code: i32) {
    assert_eq!(
        outcome.status,
        Status::Exited(code),
        "stdout: {:?}, stderr: {:?}",
        stdout(outcome),
        String::from_utf8_lossy(&outcome.stderr)
    );
}

/// Resident set size of this process.
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("procfs");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .expect("statm has a resident field");
    pages * 4096
}

/// `_start` that prints "hello\n" and returns.
const HELLO: &str = r#"
  (data (i32.const 64) "hello\n")
  (func (export "_start") (drop (call $write (i32.const 1) (i32.const 64) (i32.const 6))))"#;

/// `_start` that copies stdin to stdout, up to 1000 bytes a read, until a read returns 0 bytes
/// (end of file), then returns.
const CAT: &str = r#"
  (func (export "_start")
    (loop $more
      (i32.store (i32.const 16) (i32.const 256))
      (i32.store (i32.const 20) (i32.const 1000))
      (if (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24))
        (then (unreachable)))
      (if (i32.load (i32.const 24))
        (then
          (drop (call $write (i32.const 1) (i32.const 256) (i32.load (i32.const 24))))
          (br $more)))))"#;
