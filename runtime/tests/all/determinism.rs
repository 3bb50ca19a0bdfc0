//! Same module, same input, same settings: same fuel and same output, bit for bit.

use std::sync::atomic::{AtomicBool, Ordering};

use xcode_runtime::{Limits, RunSpec, Status};

use crate::{assert_exited, guest, run, runtime, shared};

/// Prints two monotonic readings, one wall-clock reading and 32 random bytes, then loops a
/// number of times taken from the random bytes, so that its fuel depends on them too.
const CLOCKS_AND_RANDOMNESS: &str = r#"
  (func (export "_start") (local $n i32)
    (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 64)))
    (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 72)))
    (drop (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 80)))
    (drop (call $random_get (i32.const 88) (i32.const 32)))
    (drop (call $write (i32.const 1) (i32.const 64) (i32.const 56)))
    (local.set $n (i32.and (i32.load (i32.const 88)) (i32.const 0xffff)))
    (loop $spin
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $spin (i32.gt_s (local.get $n) (i32.const 0)))))"#;

#[test]
fn deterministic_runs_repeat_exactly() {
    let _guard = shared();
    let wat = guest(CLOCKS_AND_RANDOMNESS);
    let first = run(&wat, RunSpec::new().deterministic(7));
    assert_exited(&first, 0);
    for _ in 0..5 {
        let again = run(&wat, RunSpec::new().deterministic(7));
        assert_eq!(again.stdout, first.stdout);
        assert_eq!(again.fuel_consumed, first.fuel_consumed);
    }
    let monotonic =
        |at: usize| u64::from_le_bytes(first.stdout[at..at + 8].try_into().expect("8 bytes"));
    assert!(
        monotonic(8) > monotonic(0),
        "the deterministic clock still moves forward"
    );
    // Another seed: other random bytes.
    let other = run(&wat, RunSpec::new().deterministic(8));
    assert_ne!(other.stdout[24..], first.stdout[24..]);
}

#[test]
fn without_determinism_randomness_is_fresh() {
    let _guard = shared();
    let wat = guest(CLOCKS_AND_RANDOMNESS);
    let a = run(&wat, RunSpec::new());
    let b = run(&wat, RunSpec::new());
    assert_ne!(a.stdout[24..], b.stdout[24..]);
}

/// A compute-bound guest with memory traffic: a small linear congruential generator writing
/// into a table in memory.
const COMPUTE: &str = r#"
  (func (export "_start") (local $i i32) (local $x i32)
    (local.set $x (i32.const 12345))
    (loop $more
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
      (i32.store (i32.add (i32.const 1024) (i32.and (local.get $x) (i32.const 0x7ffc)))
                 (local.get $x))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (i32.const 200000)))))"#;

#[test]
fn fuel_is_identical_on_repeated_runs_even_under_parallel_load() {
    let _guard = shared();
    let module = runtime()
        .load_bytes(guest(COMPUTE).as_bytes())
        .expect("loads");
    let fuel = || {
        let outcome = runtime().run(&module, RunSpec::new()).expect("runs");
        assert_exited(&outcome, 0);
        outcome.fuel_consumed
    };
    let alone: Vec<u64> = (0..5).map(|_| fuel()).collect();
    assert!(alone.iter().all(|f| *f == alone[0]), "{alone:?}");

    let stop = AtomicBool::new(false);
    let loaded: Vec<u64> = std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                let busy = runtime()
                    .load_bytes(guest(COMPUTE).as_bytes())
                    .expect("loads");
                let spec = RunSpec::new().limits(Limits {
                    fuel: 50_000_000,
                    ..Limits::default()
                });
                while !stop.load(Ordering::Relaxed) {
                    let outcome = runtime().run(&busy, spec.clone()).expect("runs");
                    assert_eq!(outcome.status, Status::Exited(0));
                }
            });
        }
        let loaded = (0..5).map(|_| fuel()).collect();
        stop.store(true, Ordering::Relaxed);
        loaded
    });
    assert!(
        loaded.iter().all(|f| *f == alone[0]),
        "{alone:?} vs {loaded:?}"
    );
}

/// `_start` that stats `data.txt` in preopen fd 3 by path, then opens it and stats it by fd,
/// and writes both 64-byte `filestat`s to stdout.
const STAT_TWICE: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get" (func $fstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 300) "data.txt")
  (func (export "_start") (local $err i32)
    (local.set $err (call $stat (i32.const 3) (i32.const 0) (i32.const 300) (i32.const 8) (i32.const 1024)))
    (if (local.get $err) (then (call $exit (local.get $err))))
    (local.set $err (call $path_open (i32.const 3) (i32.const 0) (i32.const 300) (i32.const 8)
        (i32.const 0) (i64.const 0x200002) (i64.const 0x200002) (i32.const 0) (i32.const 32)))
    (if (local.get $err) (then (call $exit (local.get $err))))
    (local.set $err (call $fstat (i32.load (i32.const 32)) (i32.const 1088)))
    (if (local.get $err) (then (call $exit (local.get $err))))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 128))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

/// Interpreters stat their scripts, and turn the numbers into objects whose cost depends on
/// the value: what a guest sees of a file must not depend on when it was last read or
/// copied, or its fuel would.
#[test]
fn file_metadata_does_not_depend_on_when_the_file_was_read() {
    let _guard = shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("data.txt");
    std::fs::write(&file, "some data").expect("write");
    let modified = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    // Accessed long before it was modified: the next read moves the access time (relatime).
    let times = std::fs::FileTimes::new()
        .set_accessed(std::time::UNIX_EPOCH)
        .set_modified(modified);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .and_then(|f| f.set_times(times))
        .expect("set times");
    let spec = || RunSpec::new().preopen(dir.path(), "/data", xcode_runtime::DirAccess::ReadOnly);
    let first = run(STAT_TWICE, spec());
    assert_exited(&first, 0);
    assert_eq!(first.stdout.len(), 128);

    let field =
        |stat: &[u8], at: usize| u64::from_le_bytes(stat[at..at + 8].try_into().expect("8 bytes"));
    for stat in first.stdout.chunks(64) {
        let nanos = 1_000_000_000 * 1_000_000_000;
        assert_eq!(field(stat, 48), nanos, "mtim: the file's own");
        assert_eq!(field(stat, 40), nanos, "atim: the modification time");
        assert_eq!(field(stat, 56), nanos, "ctim: the modification time");
        let ino = field(stat, 8);
        assert_eq!(ino >> 62, 1, "ino {ino:#x}: a fixed width");
        assert_eq!(field(stat, 32), 9, "size");
    }
    assert_eq!(
        field(&first.stdout, 8),
        field(&first.stdout[64..], 8),
        "one file, one inode number"
    );

    // The host reads the file and changes its mode (a new access and status-change time).
    std::fs::read(&file).expect("read");
    let permissions = std::fs::metadata(&file).expect("metadata").permissions();
    std::fs::set_permissions(&file, permissions).expect("chmod");
    let again = run(STAT_TWICE, spec());
    assert_exited(&again, 0);
    assert_eq!(again.stdout, first.stdout);
    assert_eq!(again.fuel_consumed, first.fuel_consumed);
}
