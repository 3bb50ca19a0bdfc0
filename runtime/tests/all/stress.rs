//! Many runs, sequential and parallel: all correct, and the process does not grow.

use std::sync::Barrier;

use xcode_runtime::RunSpec;

use crate::{HELLO, exclusive, guest, resident_bytes, runtime};

/// What the process may grow by over the measured runs once warmed up: allocator noise, which
/// reached 8.4 MiB (1 run in 6) with a thousand threads making glibc's per-thread arenas grow.
/// A leak of 2 KiB per run over the measured runs (10,000 sequential, 6,000 parallel) exceeds it.
const GROWTH_ALLOWED: u64 = 16 << 20;

fn hello_runs(count: usize) {
    let module = runtime()
        .load_bytes(guest(HELLO).as_bytes())
        .expect("loads");
    for _ in 0..count {
        let outcome = runtime()
            .run(&module, RunSpec::new().stdin(b"ignored".as_slice()))
            .expect("runs");
        assert_eq!(outcome.stdout, b"hello\n");
    }
}

/// Runs `warm_up`, then `measured`, and checks the process did not grow over `measured` and
/// every run slot was given back.
fn assert_no_growth(warm_up: impl FnOnce(), measured: impl FnOnce()) {
    warm_up();
    let before = resident_bytes();
    measured();
    let after = resident_bytes();
    assert!(
        after.saturating_sub(before) < GROWTH_ALLOWED,
        "grew from {before} to {after} bytes"
    );
    assert_eq!(
        runtime().idle_slots(),
        runtime().config().max_concurrent_runs
    );
}

#[test]
fn ten_thousand_sequential_runs_do_not_grow_the_process() {
    let _guard = exclusive();
    assert_no_growth(|| hello_runs(1_000), || hello_runs(10_000));
}

/// `threads` threads start a run each at the same moment; more threads than pool slots, so
/// most wait for a slot.
fn parallel_hello_runs(threads: usize) {
    let module = runtime()
        .load_bytes(guest(HELLO).as_bytes())
        .expect("loads");
    let start = Barrier::new(threads);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                start.wait();
                let outcome = runtime().run(&module, RunSpec::new()).expect("runs");
                assert_eq!(outcome.stdout, b"hello\n");
            });
        }
    });
}

#[test]
fn a_thousand_parallel_runs_do_not_grow_the_process() {
    let _guard = exclusive();
    assert!(runtime().config().max_concurrent_runs < 1_000);
    assert_no_growth(
        || (0..2).for_each(|_| parallel_hello_runs(1_000)),
        || (0..6).for_each(|_| parallel_hello_runs(1_000)),
    );
}
