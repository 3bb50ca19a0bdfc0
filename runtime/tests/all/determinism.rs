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
