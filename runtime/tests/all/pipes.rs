//! Live pipes between two runs on two threads, as an interactive problem wires its validator
//! and the contestant's program.

use std::thread;
use std::time::{Duration, Instant};

use xcode_runtime::{Error, Limits, Outcome, RunSpec, Status, pipe, watch_for_deadlock};

use crate::{CAT, assert_exited, guest, run, runtime, shared, stdout, writer};

/// Runs `a` and `b` at the same time, each on its own thread.
fn run_both(a: (&str, RunSpec), b: (&str, RunSpec)) -> (Outcome, Outcome) {
    thread::scope(|scope| {
        let a = scope.spawn(|| run(a.0, a.1));
        let b = run(b.0, b.1);
        (a.join().expect("the other run's thread"), b)
    })
}

fn wall_time(wall_time: Duration) -> RunSpec {
    RunSpec::new().limits(Limits {
        wall_time,
        fuel: u64::MAX,
        ..Limits::default()
    })
}

/// The validator's side of the ping-pong: sends 'a', expects 'b', sends 'c', expects 'd'…
/// ten rounds, then exits 0; exits 3 on end of file, 4 on a wrong answer.
const PING: &str = r#"
  (func (export "_start") (local $x i32) (local $round i32)
    (local.set $x (i32.const 97))
    (loop $next
      (i32.store8 (i32.const 256) (local.get $x))
      (if (call $write (i32.const 1) (i32.const 256) (i32.const 1)) (then (unreachable)))
      (i32.store (i32.const 16) (i32.const 300))
      (i32.store (i32.const 20) (i32.const 64))
      (if (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24))
        (then (unreachable)))
      (if (i32.eqz (i32.load (i32.const 24))) (then (call $exit (i32.const 3))))
      (if (i32.ne (i32.load8_u (i32.const 300)) (i32.add (local.get $x) (i32.const 1)))
        (then (call $exit (i32.const 4))))
      (local.set $x (i32.add (local.get $x) (i32.const 2)))
      (local.set $round (i32.add (local.get $round) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $round) (i32.const 10)))))"#;

/// The contestant's side: reads what has arrived (up to 64 bytes), answers the first byte
/// plus one, until end of file.
const PONG: &str = r#"
  (func (export "_start")
    (loop $more
      (i32.store (i32.const 16) (i32.const 256))
      (i32.store (i32.const 20) (i32.const 64))
      (if (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24))
        (then (unreachable)))
      (if (i32.load (i32.const 24))
        (then
          (i32.store8 (i32.const 256) (i32.add (i32.load8_u (i32.const 256)) (i32.const 1)))
          (if (call $write (i32.const 1) (i32.const 256) (i32.const 1)) (then (unreachable)))
          (br $more)))))"#;

/// Two pipes, crossed: `a`'s stdout is `b`'s stdin and the other way round.
fn crossed(a: RunSpec, b: RunSpec) -> (RunSpec, RunSpec) {
    let (a_out, b_in) = pipe();
    let (b_out, a_in) = pipe();
    (
        a.stdin(a_in).stdout_pipe(a_out),
        b.stdin(b_in).stdout_pipe(b_out),
    )
}

#[test]
fn ping_pong_over_two_pipes_is_exact_and_repeats_its_fuel() {
    let _guard = shared();
    let (ping, pong) = (guest(PING), guest(PONG));
    let mut fuel = Vec::new();
    for _ in 0..5 {
        let (ping_spec, pong_spec) = crossed(RunSpec::new(), RunSpec::new());
        let (pinged, ponged) = run_both((&ping, ping_spec), (&pong, pong_spec));
        assert_exited(&pinged, 0);
        assert_exited(&ponged, 0);
        // Each side's outcome keeps what it sent.
        assert_eq!(stdout(&pinged), "acegikmoqs");
        assert_eq!(stdout(&ponged), "bdfhjlnprt");
        fuel.push((pinged.fuel_consumed, ponged.fuel_consumed));
    }
    assert!(fuel.iter().all(|f| *f == fuel[0]), "{fuel:?}");
}

#[test]
fn a_reader_sees_what_its_writer_wrote_then_end_of_file_however_the_writer_ended() {
    let _guard = shared();
    let enders = [
        ("exit", "(call $exit (i32.const 7))", Status::Exited(7)),
        (
            "trap",
            "(unreachable)",
            Status::Trap {
                kind: xcode_runtime::TrapKind::Unreachable,
                message: String::new(),
            },
        ),
        (
            "loop",
            "(loop $forever (br $forever))",
            Status::FuelExhausted,
        ),
    ];
    for (name, end, status) in enders {
        let writer = guest(&format!(
            r#"(data (i32.const 64) "partial\n")
               (func (export "_start")
                 (drop (call $write (i32.const 1) (i32.const 64) (i32.const 8)))
                 {end})"#
        ));
        let (out, input) = pipe();
        let limits = Limits {
            fuel: 1_000_000,
            ..Limits::default()
        };
        let (written, read) = run_both(
            (&writer, RunSpec::new().limits(limits).stdout_pipe(out)),
            (&guest(CAT), RunSpec::new().stdin(input)),
        );
        match (&written.status, &status) {
            (Status::Trap { kind, .. }, Status::Trap { kind: expected, .. }) => {
                assert_eq!(kind, expected, "{name}");
            }
            (actual, expected) => assert_eq!(actual, expected, "{name}"),
        }
        assert_eq!(stdout(&written), "partial\n", "{name}");
        assert_exited(&read, 0);
        assert_eq!(stdout(&read), "partial\n", "{name}");
    }
}

#[test]
fn a_writer_that_never_ran_is_end_of_file_too() {
    let _guard = shared();
    let (out, input) = pipe();
    drop(out);
    let read = run(&guest(CAT), RunSpec::new().stdin(input));
    assert_exited(&read, 0);
    assert_eq!(stdout(&read), "");
}

/// Reads stdin until it gets a byte; at end of file, reads again, forever.
const WAIT_FOR_A_BYTE: &str = r#"
  (func (export "_start")
    (loop $again
      (i32.store (i32.const 16) (i32.const 256))
      (i32.store (i32.const 20) (i32.const 1))
      (if (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24))
        (then (unreachable)))
      (br_if $again (i32.eqz (i32.load (i32.const 24)))))
    (drop (call $write (i32.const 1) (i32.const 256) (i32.const 1))))"#;

#[test]
fn two_runs_waiting_on_each_other_both_end_at_their_deadlines() {
    let _guard = shared();
    let started = Instant::now();
    let waiter = guest(WAIT_FOR_A_BYTE);
    let deadline = Duration::from_millis(300);
    let (a, b) = crossed(wall_time(deadline), wall_time(deadline));
    let (a, b) = run_both((&waiter, a), (&waiter, b));
    for outcome in [&a, &b] {
        assert_eq!(outcome.status, Status::WallTimeExceeded);
        assert!(outcome.wall_time >= deadline, "{:?}", outcome.wall_time);
        assert_eq!(stdout(outcome), "");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// [`crossed`], with `a` watched for deadlock.
fn crossed_watched(a: RunSpec, b: RunSpec) -> (RunSpec, RunSpec) {
    let (a_out, b_in) = pipe();
    let (b_out, a_in) = pipe();
    watch_for_deadlock(&a_out, &a_in);
    (
        a.stdin(a_in).stdout_pipe(a_out),
        b.stdin(b_in).stdout_pipe(b_out),
    )
}

#[test]
fn a_watched_run_waiting_on_a_run_waiting_on_it_ends_at_once() {
    let _guard = shared();
    let pong = guest(PONG);
    // Both read first: each waits for the other. The watched one ends, the other then reads
    // end of file and exits.
    let started = Instant::now();
    let (a, b) = crossed_watched(wall_time(Duration::from_secs(30)), RunSpec::new());
    let (a, b) = run_both((&pong, a), (&pong, b));
    assert_eq!(a.status, Status::Deadlocked, "{a:?}");
    assert_exited(&b, 0);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // Both write 1 MiB without reading: each waits for room in a full pipe.
    let flood = writer(1, 1 << 20, 65_536);
    let (a, b) = crossed_watched(wall_time(Duration::from_secs(30)), RunSpec::new());
    let (a, b) = run_both((&flood, a), (&flood, b));
    assert_eq!(a.status, Status::Deadlocked, "{a:?}");
    assert_exited(&b, 0);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_watched_conversation_is_not_a_deadlock() {
    let _guard = shared();
    let (ping, pong) = (guest(PING), guest(PONG));
    // Either side may be the watched one; many rounds, for the races between a side starting
    // to wait and the other writing.
    for round in 0..20 {
        let (pinged, ponged) = if round % 2 == 0 {
            let (ping_spec, pong_spec) = crossed_watched(RunSpec::new(), RunSpec::new());
            run_both((&ping, ping_spec), (&pong, pong_spec))
        } else {
            let (pong_spec, ping_spec) = crossed_watched(RunSpec::new(), RunSpec::new());
            run_both((&ping, ping_spec), (&pong, pong_spec))
        };
        assert_exited(&pinged, 0);
        assert_exited(&ponged, 0);
        assert_eq!(stdout(&pinged), "acegikmoqs");
    }
}

#[test]
fn a_reader_waiting_on_a_silent_pipe_ends_at_its_deadline() {
    let _guard = shared();
    // The writing end stays open and unused for the whole run.
    let (_out, input) = pipe();
    let started = Instant::now();
    let outcome = run(
        &guest(WAIT_FOR_A_BYTE),
        wall_time(Duration::from_millis(200)).stdin(input),
    );
    assert_eq!(outcome.status, Status::WallTimeExceeded);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_writer_flooding_a_pipe_nobody_reads_waits_until_its_deadline() {
    let _guard = shared();
    let (out, input) = pipe();
    let started = Instant::now();
    let flood = writer(1, 1 << 30, 65_536);
    let outcome = run(
        &flood,
        wall_time(Duration::from_millis(300)).stdout_pipe(out),
    );
    assert_eq!(outcome.status, Status::WallTimeExceeded);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The pipe held 64 KiB; the transcript is as long.
    assert_eq!(outcome.stdout, vec![b'x'; 65_536]);
    assert!(!outcome.stdout_truncated);
    // Which a reader gets, then end of file: the writer's run is over.
    let read = run(&guest(CAT), RunSpec::new().stdin(input));
    assert_exited(&read, 0);
    assert_eq!(read.stdout, vec![b'x'; 65_536]);
}

#[test]
fn the_stdout_limit_counts_what_goes_into_the_pipe() {
    let _guard = shared();
    let (out, input) = pipe();
    let flood = writer(1, 1 << 30, 4_000);
    let outcome = run(
        &flood,
        RunSpec::new()
            .limits(Limits {
                stdout_bytes: 10_000,
                ..Limits::default()
            })
            .stdout_pipe(out),
    );
    assert_eq!(outcome.status, Status::OutputExceeded);
    assert_eq!(outcome.stdout, vec![b'x'; 10_000]);
    assert!(outcome.stdout_truncated);
    // Bytes within the limit went into the pipe, none beyond.
    let read = run(&guest(CAT), RunSpec::new().stdin(input));
    assert_eq!(read.stdout, vec![b'x'; 10_000]);
    // Exactly at the limit is fine.
    let (out, _input) = pipe();
    let outcome = run(
        &writer(1, 10_000, 4_000),
        RunSpec::new()
            .limits(Limits {
                stdout_bytes: 10_000,
                ..Limits::default()
            })
            .stdout_pipe(out),
    );
    assert_exited(&outcome, 0);
    assert!(!outcome.stdout_truncated);
}

#[test]
fn writes_after_the_reader_ended_are_discarded() {
    let _guard = shared();
    // The reader takes one byte and exits; the writer goes on to write 4 MiB, which is more
    // than the pipe holds: it waits for the reader until the reader's run ends, then its
    // writes are accepted and dropped.
    let one_byte = guest(
        r#"(func (export "_start")
             (i32.store (i32.const 16) (i32.const 256))
             (i32.store (i32.const 20) (i32.const 1))
             (if (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24))
               (then (unreachable))))"#,
    );
    let (out, input) = pipe();
    let started = Instant::now();
    let (written, read) = run_both(
        (&writer(1, 4 << 20, 65_536), RunSpec::new().stdout_pipe(out)),
        (&one_byte, RunSpec::new().stdin(input)),
    );
    assert_exited(&read, 0);
    assert_exited(&written, 0);
    assert_eq!(written.stdout.len(), 65_536, "the transcript's 64 KiB");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // And a reader that ended, without reading, before its writer started: no wait at all.
    let (out, input) = pipe();
    assert_exited(&run(&guest(crate::HELLO), RunSpec::new().stdin(input)), 0);
    let written = run(&writer(1, 4 << 20, 65_536), RunSpec::new().stdout_pipe(out));
    assert_exited(&written, 0);
}

/// `_start` that polls stdin for reading alongside a `timeout_ns` monotonic timer, then exits
/// with 10 × the number of events + the userdata of the first: 1 for stdin, 2 for the timer.
fn poller(timeout_ns: u64) -> String {
    guest(&format!(
        r#"(func (export "_start")
             ;; subscription 0 at 512: userdata 1, fd_read (tag 1) on fd 0
             (i64.store (i32.const 512) (i64.const 1))
             (i32.store8 (i32.const 520) (i32.const 1))
             (i32.store (i32.const 528) (i32.const 0))
             ;; subscription 1 at 560: userdata 2, clock (tag 0), monotonic, relative timeout
             (i64.store (i32.const 560) (i64.const 2))
             (i32.store8 (i32.const 568) (i32.const 0))
             (i32.store (i32.const 576) (i32.const 1))
             (i64.store (i32.const 584) (i64.const {timeout_ns}))
             (if (call $poll_oneoff (i32.const 512) (i32.const 640) (i32.const 2) (i32.const 720))
               (then (unreachable)))
             (call $exit (i32.add (i32.mul (i32.load (i32.const 720)) (i32.const 10))
                                  (i32.wrap_i64 (i64.load (i32.const 640))))))"#
    ))
}

#[test]
fn poll_oneoff_on_a_pipe_wakes_when_bytes_arrive() {
    let _guard = shared();
    let hello = guest(crate::HELLO);
    // Bytes arrive, from another thread, long before the minute is up.
    let (out, input) = pipe();
    let (_, polled) = run_both(
        (&hello, RunSpec::new().stdout_pipe(out)),
        (&poller(60_000_000_000), RunSpec::new().stdin(input)),
    );
    assert_exited(&polled, 11);
    // End of file wakes it too.
    let (out, input) = pipe();
    drop(out);
    assert_exited(
        &run(&poller(60_000_000_000), RunSpec::new().stdin(input)),
        11,
    );
    // Nothing arrives: the timer.
    let (_out, input) = pipe();
    assert_exited(&run(&poller(50_000_000), RunSpec::new().stdin(input)), 12);
}

#[test]
fn an_end_serves_one_run() {
    let _guard = shared();
    let (out, input) = pipe();
    let spec = RunSpec::new().stdout_pipe(out);
    let module = runtime()
        .load_bytes(guest(crate::HELLO).as_bytes())
        .expect("loads");
    assert_exited(&runtime().run(&module, spec.clone()).expect("runs"), 0);
    match runtime().run(&module, spec) {
        Err(Error::InvalidSpec(message)) => assert!(message.contains("pipe"), "{message}"),
        other => panic!("{other:?}"),
    }
    let read = run(&guest(CAT), RunSpec::new().stdin(input));
    assert_eq!(stdout(&read), "hello\n");
}
