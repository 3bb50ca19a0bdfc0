//! How guests end: exit codes and each kind of trap.

use xcode_runtime::{RunSpec, Status, TrapKind};

use crate::{assert_exited, guest, run, runtime, shared, stdout};

#[track_caller]
fn assert_trap(wat: &str, expected: TrapKind, message_part: &str) {
    let outcome = run(wat, RunSpec::new());
    match &outcome.status {
        Status::Trap { kind, message } => {
            assert_eq!(*kind, expected, "{message}");
            assert!(
                message.contains(message_part),
                "{message:?} lacks {message_part:?}"
            );
        }
        other => panic!("expected a {expected} trap, got {other:?}"),
    }
}

#[test]
fn returning_from_start_is_exit_zero() {
    let _guard = shared();
    assert_exited(
        &run(&guest(r#"(func (export "_start"))"#), RunSpec::new()),
        0,
    );
}

#[test]
fn proc_exit_codes_are_reported() {
    let _guard = shared();
    for code in [0, 1, 7, 255] {
        let wat = guest(&format!(
            r#"(func (export "_start") (call $exit (i32.const {code})) (unreachable))"#
        ));
        assert_exited(&run(&wat, RunSpec::new()), code);
    }
}

#[test]
fn output_before_a_trap_is_kept() {
    let _guard = shared();
    let wat = guest(
        r#"(data (i32.const 64) "partial")
           (func (export "_start")
             (drop (call $write (i32.const 1) (i32.const 64) (i32.const 7)))
             (unreachable))"#,
    );
    let outcome = run(&wat, RunSpec::new());
    assert_eq!(stdout(&outcome), "partial");
    assert!(matches!(
        outcome.status,
        Status::Trap {
            kind: TrapKind::Unreachable,
            ..
        }
    ));
}

#[test]
fn unreachable_names_the_function() {
    let _guard = shared();
    assert_trap(
        &guest(r#"(func $explode (unreachable)) (func (export "_start") (call $explode))"#),
        TrapKind::Unreachable,
        "explode",
    );
}

#[test]
fn integer_division_by_zero() {
    let _guard = shared();
    assert_trap(
        &guest(
            r#"(func (export "_start")
                 (drop (i32.div_s (i32.const 1) (i32.load (i32.const 100)))))"#,
        ),
        TrapKind::IntegerDivisionByZero,
        "divide by zero",
    );
}

#[test]
fn out_of_bounds_memory_access() {
    let _guard = shared();
    assert_trap(
        &guest(r#"(func (export "_start") (drop (i32.load (i32.const 65536))))"#),
        TrapKind::MemoryOutOfBounds,
        "out of bounds",
    );
}

#[test]
fn indirect_call_to_a_null_entry() {
    let _guard = shared();
    assert_trap(
        &guest(
            r#"(type $v (func))
               (table 2 funcref)
               (func (export "_start") (call_indirect (type $v) (i32.const 1)))"#,
        ),
        TrapKind::IndirectCallToNull,
        "uninitialized element",
    );
}

#[test]
fn a_trap_in_the_start_section_is_a_trap() {
    let _guard = shared();
    assert_trap(
        &guest(r#"(func $init (unreachable)) (start $init) (func (export "_start"))"#),
        TrapKind::Unreachable,
        "unreachable",
    );
}

#[test]
fn calling_an_import_the_sandbox_lacks_traps_but_merely_importing_it_does_not() {
    let _guard = shared();
    let socket_user = |call: bool| {
        format!(
            r#"(module
                 (import "wasi_snapshot_preview1" "sock_open" (func $sock_open (param i32 i32 i32) (result i32)))
                 (import "env" "connect" (func $connect (param i32) (result i32)))
                 (memory 1)
                 (func (export "_start")
                   {}))"#,
            if call {
                "(drop (call $sock_open (i32.const 1) (i32.const 1) (i32.const 0)))"
            } else {
                ""
            }
        )
    };
    assert_exited(&run(&socket_user(false), RunSpec::new()), 0);
    assert_trap(&socket_user(true), TrapKind::UnsupportedImport, "sock_open");
}

#[test]
fn up_to_four_tables_are_allowed() {
    let _guard = shared();
    let tables = |count: usize| {
        guest(&format!(
            r#"{} (func $one (result i32) (i32.const 1))
               (elem (table 1) (i32.const 0) func $one)
               (type $r (func (result i32)))
               (func (export "_start")
                 (call $exit (call_indirect 1 (type $r) (i32.const 0))))"#,
            "(table 1 funcref)".repeat(count)
        ))
    };
    assert_exited(&run(&tables(2), RunSpec::new()), 1);
    assert_exited(&run(&tables(4), RunSpec::new()), 1);
    match runtime().load_bytes(tables(5).as_bytes()) {
        Err(xcode_runtime::Error::InvalidModule(message)) => {
            assert!(message.contains("table"), "{message}")
        }
        Ok(module) => panic!(
            "five tables loaded and ran: {:?}",
            runtime().run(&module, RunSpec::new()).map(|o| o.status)
        ),
        Err(other) => panic!("{other:?}"),
    }
}

#[test]
fn an_uncaught_exception_is_its_own_trap_and_a_caught_one_is_nothing() {
    let _guard = shared();
    assert_trap(
        &guest(
            r#"(tag $oops (param i32))
               (func $deep (param i32)
                 (if (local.get 0) (then (call $deep (i32.sub (local.get 0) (i32.const 1)))))
                 (throw $oops (i32.const 7)))
               (func (export "_start") (call $deep (i32.const 50)))"#,
        ),
        TrapKind::UncaughtException,
        "exception",
    );
    // Caught: the payload reaches the handler and the guest exits with it.
    let caught = guest(
        r#"(tag $oops (param i32))
           (func $throws (throw $oops (i32.const 7)))
           (func (export "_start")
             (block $handler (result i32)
               (try_table (catch $oops $handler) (call $throws))
               (i32.const 0))
             (call $exit))"#,
    );
    assert_exited(&run(&caught, RunSpec::new()), 7);
}
