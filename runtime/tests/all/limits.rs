//! Every limit, obeyed and violated.

use std::time::{Duration, Instant};

use xcode_runtime::{Limits, RunSpec, Runtime, RuntimeConfig, Status, TrapKind};

use crate::{assert_exited, guest, guest_with_memory, run, shared, stdout, writer};

/// `_start` that spins `$n` times and exits 0.
fn counting_loop(n: u64) -> String {
    guest(&format!(
        r#"(func (export "_start") (local $i i64)
             (loop $again
               (local.set $i (i64.add (local.get $i) (i64.const 1)))
               (br_if $again (i64.lt_u (local.get $i) (i64.const {n})))))"#
    ))
}

const INFINITE_LOOP_BODY: &str = "(loop $forever (br $forever))";
const INFINITE_LOOP: &str = r#"(func (export "_start") (loop $forever (br $forever)))"#;

fn limits(change: impl FnOnce(&mut Limits)) -> RunSpec {
    let mut limits = Limits::default();
    change(&mut limits);
    RunSpec::new().limits(limits)
}

#[test]
fn fuel_obeyed() {
    let _guard = shared();
    let outcome = run(&counting_loop(10_000), limits(|l| l.fuel = 1_000_000));
    assert_exited(&outcome, 0);
    assert!(outcome.fuel_consumed >= 10_000, "{}", outcome.fuel_consumed);
    assert!(
        outcome.fuel_consumed < 1_000_000,
        "{}",
        outcome.fuel_consumed
    );
}

#[test]
fn fuel_exhausted_by_an_infinite_loop() {
    let _guard = shared();
    let outcome = run(&guest(INFINITE_LOOP), limits(|l| l.fuel = 5_000_000));
    assert_eq!(outcome.status, Status::FuelExhausted);
    assert_eq!(outcome.fuel_consumed, 5_000_000);
}

#[test]
fn fuel_is_charged_for_bulk_memory_work() {
    let _guard = shared();
    // One `memory.fill` of 64 MiB is one instruction but 64 Mi bytes of work.
    let fill = guest_with_memory(
        "1024",
        r#"(func (export "_start") (memory.fill (i32.const 0) (i32.const 7) (i32.const 0x4000000)))"#,
    );
    let outcome = run(&fill, limits(|l| l.fuel = 1_000_000));
    assert_eq!(outcome.status, Status::FuelExhausted);
    let outcome = run(&fill, limits(|l| l.fuel = 100_000_000));
    assert_exited(&outcome, 0);
    assert!(
        outcome.fuel_consumed >= 64 << 20,
        "{}",
        outcome.fuel_consumed
    );
}

#[test]
fn wall_time_obeyed() {
    let _guard = shared();
    let outcome = run(
        &counting_loop(1_000_000),
        limits(|l| l.wall_time = Duration::from_secs(20)),
    );
    assert_exited(&outcome, 0);
    assert!(outcome.wall_time < Duration::from_secs(20));
    // No deadline at all is fine too.
    let outcome = run(
        &counting_loop(1_000),
        limits(|l| l.wall_time = Duration::MAX),
    );
    assert_exited(&outcome, 0);
}

#[test]
fn wall_time_stops_an_infinite_loop_with_unlimited_fuel() {
    let _guard = shared();
    let started = Instant::now();
    let outcome = run(
        &guest(INFINITE_LOOP),
        limits(|l| {
            l.fuel = u64::MAX;
            l.wall_time = Duration::from_millis(200);
        }),
    );
    assert_eq!(outcome.status, Status::WallTimeExceeded);
    assert!(outcome.wall_time >= Duration::from_millis(200));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(outcome.fuel_consumed > 0);
}

#[test]
fn wall_time_stops_a_call_tree_without_loops() {
    let _guard = shared();
    // Each level calls the next one ten times: 10^12 calls and not a single loop, so only
    // the checks at function entry can stop it.
    let mut levels = String::new();
    for level in 0..12 {
        let calls = format!("(call $f{})", level + 1).repeat(10);
        levels.push_str(&format!("(func $f{level} {calls})\n"));
    }
    levels.push_str("(func $f12)\n(func (export \"_start\") (call $f0))");
    let started = Instant::now();
    let outcome = run(
        &guest(&levels),
        limits(|l| {
            l.fuel = u64::MAX;
            l.wall_time = Duration::from_millis(300);
        }),
    );
    assert_eq!(outcome.status, Status::WallTimeExceeded);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // And fuel stops it too, at exactly its budget.
    let outcome = run(&guest(&levels), limits(|l| l.fuel = 3_000_000));
    assert_eq!(outcome.status, Status::FuelExhausted);
    assert_eq!(outcome.fuel_consumed, 3_000_000);
}

#[test]
fn a_start_function_that_never_returns_is_metered_too() {
    let _guard = shared();
    let wat = guest(&format!(
        "(func $init {INFINITE_LOOP_BODY}) (start $init) (func (export \"_start\"))"
    ));
    let outcome = run(&wat, limits(|l| l.fuel = 1_000_000));
    assert_eq!(outcome.status, Status::FuelExhausted);
    let outcome = run(
        &wat,
        limits(|l| {
            l.fuel = u64::MAX;
            l.wall_time = Duration::from_millis(200);
        }),
    );
    assert_eq!(outcome.status, Status::WallTimeExceeded);
}

/// `_start` that asks the host for 16 MiB of random bytes `calls` times in a straight line,
/// directly or through a function that tail-calls the host.
fn random_flood(calls: usize, tail_call: bool) -> String {
    let call = if tail_call {
        "(drop (call $fill))"
    } else {
        "(drop (call $random_get (i32.const 0) (i32.const 0x1000000)))"
    };
    guest_with_memory(
        "256",
        &format!(
            r#"(func $fill (result i32)
                 (return_call $random_get (i32.const 0) (i32.const 0x1000000)))
               (func (export "_start") {})"#,
            call.repeat(calls)
        ),
    )
}

#[test]
fn wall_time_stops_a_straight_line_of_slow_host_calls() {
    let _guard = shared();
    // Each call costs one unit of fuel and some milliseconds of host work: with a check only
    // at loops and function entries, 600 of them would run for half a minute.
    for tail_call in [false, true] {
        let started = Instant::now();
        let outcome = run(
            &random_flood(600, tail_call),
            limits(|l| {
                l.fuel = u64::MAX;
                l.wall_time = Duration::from_millis(300);
            }),
        );
        assert_eq!(
            outcome.status,
            Status::WallTimeExceeded,
            "tail call: {tail_call}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "tail call: {tail_call}: {:?}",
            started.elapsed()
        );
    }
    // The same calls, few enough, finish.
    assert_exited(&run(&random_flood(3, true), RunSpec::new()), 0);
}

/// `_start` that sleeps `$ns` nanoseconds in `poll_oneoff` on the monotonic clock, then
/// prints "woke".
fn sleeper(ns: u64) -> String {
    guest(&format!(
        r#"(data (i32.const 200) "woke")
           (func (export "_start")
             ;; one clock subscription at 64: userdata 0, tag 0 (clock), id 1 (monotonic),
             ;; timeout, precision 0, flags 0 (relative)
             (i32.store8 (i32.const 72) (i32.const 0))
             (i32.store (i32.const 80) (i32.const 1))
             (i64.store (i32.const 88) (i64.const {ns}))
             (i64.store (i32.const 96) (i64.const 0))
             (i32.store16 (i32.const 104) (i32.const 0))
             (if (call $poll_oneoff (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 160))
               (then (call $exit (i32.const 9))))
             (drop (call $write (i32.const 1) (i32.const 200) (i32.const 4))))"#
    ))
}

#[test]
fn wall_time_obeyed_while_sleeping_in_wasi() {
    let _guard = shared();
    let outcome = run(
        &sleeper(20_000_000),
        limits(|l| l.wall_time = Duration::from_secs(10)),
    );
    assert_exited(&outcome, 0);
    assert_eq!(stdout(&outcome), "woke");
    assert!(outcome.wall_time >= Duration::from_millis(20));
}

#[test]
fn wall_time_bounds_a_guest_blocked_in_a_wasi_call() {
    let _guard = shared();
    let started = Instant::now();
    let outcome = run(
        &sleeper(60_000_000_000),
        limits(|l| l.wall_time = Duration::from_millis(300)),
    );
    assert_eq!(outcome.status, Status::WallTimeExceeded);
    assert_eq!(stdout(&outcome), "");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// `_start` that grows memory by `$pages` and, if refused, exits with `on_failure`
/// (a number: proc_exit; "trap": unreachable; "ignore": carries on and exits 0).
fn grower(pages: u32, on_failure: &str) -> String {
    let failure = match on_failure {
        "trap" => "(unreachable)".to_owned(),
        "ignore" => "(nop)".to_owned(),
        code => format!("(call $exit (i32.const {code}))"),
    };
    guest(&format!(
        r#"(func (export "_start")
             (if (i32.eq (memory.grow (i32.const {pages})) (i32.const -1))
               (then {failure}))
             ;; touch the last byte to prove the memory is really there
             (i32.store8 (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))
                         (i32.const 1)))"#
    ))
}

#[test]
fn memory_obeyed() {
    let _guard = shared();
    // 1 page + 159 = 10 MiB, under a 16 MiB limit.
    let outcome = run(&grower(159, "trap"), limits(|l| l.memory_bytes = 16 << 20));
    assert_exited(&outcome, 0);
    assert_eq!(outcome.peak_memory_bytes, 10 << 20);
}

#[test]
fn memory_exceeded_when_the_guest_traps_on_failed_growth() {
    let _guard = shared();
    let outcome = run(&grower(400, "trap"), limits(|l| l.memory_bytes = 16 << 20));
    assert_eq!(outcome.status, Status::MemoryExceeded);
    assert_eq!(outcome.peak_memory_bytes, 1 << 16);
}

#[test]
fn memory_exceeded_even_when_the_guest_handles_failure_and_exits_non_zero() {
    let _guard = shared();
    let outcome = run(&grower(400, "3"), limits(|l| l.memory_bytes = 16 << 20));
    assert_eq!(outcome.status, Status::MemoryExceeded);
}

#[test]
fn a_guest_that_recovers_from_refused_memory_and_exits_zero_has_exited() {
    let _guard = shared();
    let outcome = run(
        &grower(400, "ignore"),
        limits(|l| l.memory_bytes = 16 << 20),
    );
    assert_exited(&outcome, 0);
}

#[test]
fn memory_bomb_is_memory_exceeded() {
    let _guard = shared();
    // Grow a page at a time until refused, then die like malloc-returned-NULL code does.
    let bomb = guest(
        r#"(func (export "_start")
             (loop $more
               (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
             (unreachable))"#,
    );
    let outcome = run(&bomb, limits(|l| l.memory_bytes = 64 << 20));
    assert_eq!(outcome.status, Status::MemoryExceeded);
    assert_eq!(outcome.peak_memory_bytes, 64 << 20);
}

#[test]
fn initial_memory_above_the_limit_is_memory_exceeded() {
    let _guard = shared();
    let big = guest_with_memory("1024", r#"(func (export "_start"))"#);
    let outcome = run(&big, limits(|l| l.memory_bytes = 16 << 20));
    assert_eq!(outcome.status, Status::MemoryExceeded);
    let outcome = run(&big, limits(|l| l.memory_bytes = 64 << 20));
    assert_exited(&outcome, 0);
}

/// A module whose table starts with 1 element and grows by `$n`, trapping if refused.
fn table_grower(n: u32) -> String {
    guest(&format!(
        r#"(table 1 funcref)
           (func (export "_start")
             (if (i32.eq (table.grow (ref.null func) (i32.const {n})) (i32.const -1))
               (then (unreachable))))"#
    ))
}

#[test]
fn table_elements_obeyed() {
    let _guard = shared();
    let outcome = run(&table_grower(999), limits(|l| l.table_elements = 1_000));
    assert_exited(&outcome, 0);
}

#[test]
fn table_elements_exceeded() {
    let _guard = shared();
    let outcome = run(&table_grower(1_000), limits(|l| l.table_elements = 1_000));
    match outcome.status {
        Status::Trap { kind, .. } => assert_eq!(kind, TrapKind::TableLimitExceeded),
        other => panic!("expected a table limit trap, got {other:?}"),
    }
}

/// `_start` that recurses `depth` deep (`$sum(n) = n + $sum(n - 1)`) and exits 0 if the
/// result is right, 1 if not.
fn recursion(depth: u64) -> String {
    let expected = depth * (depth + 1) / 2;
    guest(&format!(
        r#"(func $sum (param $n i64) (result i64)
             (if (result i64) (i64.eqz (local.get $n))
               (then (i64.const 0))
               (else (i64.add (local.get $n)
                              (call $sum (i64.sub (local.get $n) (i64.const 1)))))))
           (func (export "_start")
             (if (i64.ne (call $sum (i64.const {depth})) (i64.const {expected}))
               (then (call $exit (i32.const 1)))))"#
    ))
}

#[test]
fn million_deep_recursion_is_allowed_by_the_default_stack() {
    let _guard = shared();
    let outcome = run(&recursion(1_000_000), RunSpec::new());
    assert_exited(&outcome, 0);
}

#[test]
fn infinite_recursion_is_a_stack_overflow() {
    let _guard = shared();
    let forever = guest(
        r#"(func $down (call $down))
           (func (export "_start") (call $down))"#,
    );
    let outcome = run(&forever, RunSpec::new());
    match &outcome.status {
        Status::Trap { kind, message } => {
            assert_eq!(*kind, TrapKind::StackOverflow);
            assert!(message.contains("call stack exhausted"), "{message}");
        }
        other => panic!("expected stack overflow, got {other:?}"),
    }
}

#[test]
fn a_smaller_stack_limit_is_enforced() -> xcode_runtime::Result<()> {
    let _guard = shared();
    let small = Runtime::new(RuntimeConfig {
        max_stack_bytes: 1 << 20,
        max_concurrent_runs: 2,
        ..RuntimeConfig::default()
    })?;
    let shallow = small.load_bytes(recursion(1_000).as_bytes())?;
    assert_exited(&small.run(&shallow, RunSpec::new())?, 0);
    let deep = small.load_bytes(recursion(1_000_000).as_bytes())?;
    let outcome = small.run(&deep, RunSpec::new())?;
    assert!(
        matches!(
            outcome.status,
            Status::Trap {
                kind: TrapKind::StackOverflow,
                ..
            }
        ),
        "{:?}",
        outcome.status
    );
    Ok(())
}

#[test]
fn output_exactly_at_the_cap_is_kept_whole() {
    let _guard = shared();
    let outcome = run(
        &writer(1, 10_000, 3_000),
        limits(|l| l.stdout_bytes = 10_000),
    );
    assert_exited(&outcome, 0);
    assert_eq!(outcome.stdout.len(), 10_000);
    assert!(!outcome.stdout_truncated);
}

#[test]
fn stdout_one_byte_over_the_cap_is_output_exceeded() {
    let _guard = shared();
    let outcome = run(
        &writer(1, 10_001, 3_000),
        limits(|l| l.stdout_bytes = 10_000),
    );
    assert_eq!(outcome.status, Status::OutputExceeded);
    assert_eq!(outcome.stdout, vec![b'x'; 10_000]);
    assert!(outcome.stdout_truncated);
    assert!(!outcome.stderr_truncated);
}

#[test]
fn stderr_over_its_cap_is_output_exceeded() {
    let _guard = shared();
    let outcome = run(
        &writer(2, 50_000, 4_096),
        limits(|l| l.stderr_bytes = 1_000),
    );
    assert_eq!(outcome.status, Status::OutputExceeded);
    assert_eq!(outcome.stderr.len(), 1_000);
    assert!(outcome.stderr_truncated);
    assert!(outcome.stdout.is_empty());
}

#[test]
fn an_output_flood_is_stopped_at_the_cap() {
    let _guard = shared();
    let flood = guest_with_memory(
        "2",
        r#"(func (export "_start")
             (loop $forever
               (drop (call $write (i32.const 1) (i32.const 65536) (i32.const 65536)))
               (br $forever)))"#,
    );
    let outcome = run(
        &flood,
        limits(|l| {
            l.fuel = u64::MAX;
            l.stdout_bytes = 1 << 20;
        }),
    );
    assert_eq!(outcome.status, Status::OutputExceeded);
    assert_eq!(outcome.stdout.len(), 1 << 20);
    assert!(outcome.wall_time < Duration::from_secs(5));
}

/// A linked list of GC arrays, kept (`keep`) or dropped each iteration.
fn gc_allocator(keep: bool) -> String {
    let link = if keep {
        "(local.set $head (struct.new $node (local.get $head) (array.new_default $bytes (i32.const 65536))))"
    } else {
        "(drop (struct.new $node (local.get $head) (array.new_default $bytes (i32.const 65536))))"
    };
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (type $bytes (array (mut i8)))
  (type $node (struct (field (ref null $node)) (field (ref $bytes))))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $head (ref null $node))
    (local $i i32)
    (loop $more
      {link}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (i32.const 2000))))))"#
    )
}

#[test]
fn gc_objects_count_against_the_memory_limit_and_garbage_is_freed() {
    let _guard = shared();
    // 2,000 arrays of 64 KiB kept alive: 125 MiB of GC heap against a 32 MiB limit.
    let kept = run(&gc_allocator(true), limits(|l| l.memory_bytes = 32 << 20));
    assert_eq!(kept.status, Status::MemoryExceeded);
    assert!(
        kept.peak_memory_bytes <= 32 << 20,
        "{}",
        kept.peak_memory_bytes
    );
    // The same allocations dropped at once: reference counting frees them.
    let dropped = run(&gc_allocator(false), limits(|l| l.memory_bytes = 32 << 20));
    assert_exited(&dropped, 0);
    // Every element is charged, as for bulk memory operations.
    assert!(
        dropped.fuel_consumed > 2000 * 65536,
        "{}",
        dropped.fuel_consumed
    );
}
