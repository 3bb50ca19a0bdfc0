//! Nothing of the host reaches the guest unless the run gives it: environment, arguments,
//! files.

use std::path::Path;

use xcode_runtime::{DirAccess, Error, RunSpec, Runtime, RuntimeConfig, Status};

use crate::{CAT, assert_exited, guest, run, runtime, shared, stdout};

/// `_start` that exits with the number of environment variables it sees.
const ENV_COUNT: &str = r#"
  (func (export "_start")
    (if (call $environ_sizes_get (i32.const 64) (i32.const 68)) (then (unreachable)))
    (call $exit (i32.load (i32.const 64))))"#;

#[test]
fn environment_is_empty_unless_given() {
    let _guard = shared();
    // The test process itself has an environment; none of it may leak through.
    assert!(std::env::var_os("PATH").is_some());
    assert_exited(&run(&guest(ENV_COUNT), RunSpec::new()), 0);
}

#[test]
fn environment_given_is_exactly_what_the_guest_sees() {
    let _guard = shared();
    let spec = RunSpec::new().env("A", "1").env("B", "two");
    assert_exited(&run(&guest(ENV_COUNT), spec.clone()), 2);
    // And the bytes: environ_get writes "A=1\0B=two\0".
    let print_env = guest(
        r#"(func (export "_start")
             (drop (call $environ_sizes_get (i32.const 64) (i32.const 68)))
             (drop (call $environ_get (i32.const 100) (i32.const 200)))
             (drop (call $write (i32.const 1) (i32.const 200) (i32.load (i32.const 68)))))"#,
    );
    assert_eq!(stdout(&run(&print_env, spec)), "A=1\0B=two\0");
}

#[test]
fn arguments_are_exactly_as_given() {
    let _guard = shared();
    let argc = guest(
        r#"(func (export "_start")
             (drop (call $args_sizes_get (i32.const 64) (i32.const 68)))
             (call $exit (i32.load (i32.const 64))))"#,
    );
    assert_exited(&run(&argc, RunSpec::new()), 0);
    assert_exited(&run(&argc, RunSpec::new().args(["prog", "a", "b"])), 3);
}

#[test]
fn stdin_bytes_are_read_then_end_of_file() {
    let _guard = shared();
    let cat = guest(CAT);
    let input: Vec<u8> = (0..10_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let outcome = run(&cat, RunSpec::new().stdin(input.clone()));
    assert_exited(&outcome, 0);
    assert_eq!(outcome.stdout, input);
    assert!(run(&cat, RunSpec::new()).stdout.is_empty());
}

/// `_start` that opens `path` under preopen fd 3 with `oflags` and `rights`, writes `payload`
/// to it if non-empty, else reads it to stdout. Exits with the WASI errno of the first step
/// that fails (0 on success), plus 100 if the failing step was the read or write.
fn file_access(path: &str, oflags: u32, rights: u64, payload: &str) -> String {
    let len = path.len();
    let payload_len = payload.len();
    let io = if payload.is_empty() {
        r#"(i32.store (i32.const 16) (i32.const 1024))
           (i32.store (i32.const 20) (i32.const 1024))
           (local.set $err (call $fd_read (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24)))
           (if (local.get $err) (then (call $exit (i32.add (i32.const 100) (local.get $err)))))
           (drop (call $write (i32.const 1) (i32.const 1024) (i32.load (i32.const 24))))"#
            .to_owned()
    } else {
        format!(
            r#"(local.set $err (call $write (local.get $fd) (i32.const 600) (i32.const {payload_len})))
               (if (local.get $err) (then (call $exit (i32.add (i32.const 100) (local.get $err)))))"#
        )
    };
    guest(&format!(
        r#"(data (i32.const 300) "{path}")
           (data (i32.const 600) "{payload}")
           (func (export "_start") (local $err i32) (local $fd i32)
             (local.set $err (call $path_open (i32.const 3) (i32.const 0)
                 (i32.const 300) (i32.const {len}) (i32.const {oflags})
                 (i64.const {rights}) (i64.const {rights}) (i32.const 0) (i32.const 32)))
             (if (local.get $err) (then (call $exit (local.get $err))))
             (local.set $fd (i32.load (i32.const 32)))
             {io}
             (call $exit (i32.const 0)))"#
    ))
}

const RIGHT_READ: u64 = 1 << 1;
const RIGHT_WRITE: u64 = 1 << 6;
const O_CREAT: u32 = 1;
const ERRNO_BADF: i32 = 8;
const ERRNO_NOENT: i32 = 44;

/// A host tree: `outside/secret.txt`, and `jail/` (the preopen) holding `data.txt` and a
/// symlink `escape -> ../outside/secret.txt`.
fn host_tree() -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("tempdir");
    let outside = root.path().join("outside");
    let jail = root.path().join("jail");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::create_dir_all(&jail).expect("mkdir");
    std::fs::write(outside.join("secret.txt"), "TOP SECRET").expect("write");
    std::fs::write(jail.join("data.txt"), "visible data").expect("write");
    std::os::unix::fs::symlink("../outside/secret.txt", jail.join("escape")).expect("symlink");
    root
}

fn jailed(root: &Path, access: DirAccess) -> RunSpec {
    RunSpec::new().preopen(root.join("jail"), "/data", access)
}

#[track_caller]
fn assert_denied(outcome: &xcode_runtime::Outcome) {
    match outcome.status {
        Status::Exited(code) => assert!(code != 0, "access succeeded: {:?}", stdout(outcome)),
        ref other => panic!("expected a clean refusal, got {other:?}"),
    }
    assert!(!stdout(outcome).contains("SECRET"), "{:?}", stdout(outcome));
}

#[test]
fn a_preopened_file_can_be_read() {
    let _guard = shared();
    let root = host_tree();
    let outcome = run(
        &file_access("data.txt", 0, RIGHT_READ, ""),
        jailed(root.path(), DirAccess::ReadOnly),
    );
    assert_exited(&outcome, 0);
    assert_eq!(stdout(&outcome), "visible data");
}

#[test]
fn dot_dot_cannot_leave_a_preopen() {
    let _guard = shared();
    let root = host_tree();
    for path in [
        "../outside/secret.txt",
        "sub/../../outside/secret.txt",
        "..",
    ] {
        let outcome = run(
            &file_access(path, 0, RIGHT_READ, ""),
            jailed(root.path(), DirAccess::ReadOnly),
        );
        assert_denied(&outcome);
    }
}

#[test]
fn absolute_paths_cannot_reach_the_host() {
    let _guard = shared();
    let root = host_tree();
    for path in ["/etc/passwd", "/etc/hostname", "/proc/self/environ"] {
        let outcome = run(
            &file_access(path, 0, RIGHT_READ, ""),
            jailed(root.path(), DirAccess::ReadOnly),
        );
        assert_denied(&outcome);
    }
}

#[test]
fn symlinks_cannot_lead_out_of_a_preopen() {
    let _guard = shared();
    let root = host_tree();
    let outcome = run(
        &file_access("escape", 0, RIGHT_READ, ""),
        jailed(root.path(), DirAccess::ReadWrite),
    );
    assert_denied(&outcome);
}

#[test]
fn without_a_preopen_there_is_no_filesystem() {
    let _guard = shared();
    let outcome = run(
        &file_access("etc/passwd", 0, RIGHT_READ, ""),
        RunSpec::new(),
    );
    assert_exited(&outcome, ERRNO_BADF);
}

#[test]
fn a_read_only_preopen_refuses_writes() {
    let _guard = shared();
    let root = host_tree();
    let ro = || jailed(root.path(), DirAccess::ReadOnly);
    // Creating a file, and writing to an existing one, are both refused.
    assert_denied(&run(
        &file_access("new.txt", O_CREAT, RIGHT_WRITE, "x"),
        ro(),
    ));
    assert_denied(&run(
        &file_access("data.txt", 0, RIGHT_WRITE, "overwritten"),
        ro(),
    ));
    assert!(!root.path().join("jail/new.txt").exists());
    assert_eq!(
        std::fs::read_to_string(root.path().join("jail/data.txt")).expect("read"),
        "visible data"
    );
}

#[test]
fn a_read_write_preopen_accepts_writes() {
    let _guard = shared();
    let root = host_tree();
    let outcome = run(
        &file_access("new.txt", O_CREAT, RIGHT_WRITE, "written by the guest"),
        jailed(root.path(), DirAccess::ReadWrite),
    );
    assert_exited(&outcome, 0);
    assert_eq!(
        std::fs::read_to_string(root.path().join("jail/new.txt")).expect("read"),
        "written by the guest"
    );
    let missing = run(
        &file_access("missing.txt", 0, RIGHT_READ, ""),
        jailed(root.path(), DirAccess::ReadWrite),
    );
    assert_exited(&missing, ERRNO_NOENT);
}

#[test]
fn a_missing_preopen_directory_is_a_host_error() {
    let _guard = shared();
    let module = runtime()
        .load_bytes(guest(ENV_COUNT).as_bytes())
        .expect("loads");
    let spec = RunSpec::new().preopen("/definitely/not/here", "/x", DirAccess::ReadOnly);
    assert!(matches!(
        runtime().run(&module, spec),
        Err(Error::Preopen { .. })
    ));
}

#[test]
fn sockets_cannot_be_used() {
    let _guard = shared();
    // WASI preview 1 creates no sockets; it can only use ones handed in, and none are.
    // `sock_accept`, `sock_recv` and `sock_send` on stdin, stdout and a preopened directory
    // must all fail with an errno; the guest exits with the sum of the three errnos for fd
    // `$fd`, so 0 would mean one of them succeeded.
    let socket_user = |fd: u32| {
        format!(
            r#"(module
                 (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
                 (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
                 (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
                 (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                 (memory (export "memory") 1)
                 (func (export "_start") (local $errors i32)
                   (i32.store (i32.const 16) (i32.const 256))
                   (i32.store (i32.const 20) (i32.const 16))
                   (local.set $errors (call $accept (i32.const {fd}) (i32.const 0) (i32.const 32)))
                   (if (i32.eqz (local.get $errors)) (then (call $exit (i32.const 0))))
                   (local.set $errors (call $recv (i32.const {fd}) (i32.const 16) (i32.const 1) (i32.const 0) (i32.const 40) (i32.const 44)))
                   (if (i32.eqz (local.get $errors)) (then (call $exit (i32.const 0))))
                   (local.set $errors (call $send (i32.const {fd}) (i32.const 16) (i32.const 1) (i32.const 0) (i32.const 40)))
                   (if (i32.eqz (local.get $errors)) (then (call $exit (i32.const 0))))
                   (call $exit (i32.const 1))))"#
        )
    };
    let root = host_tree();
    for fd in [0, 1, 2, 3, 4, 100] {
        let outcome = run(&socket_user(fd), jailed(root.path(), DirAccess::ReadWrite));
        assert_exited(&outcome, 1);
    }
}

/// One slot, reused: a guest must never see what the previous guest left in memory, whether
/// the slot's next module is the same or another, with or without a data image.
#[test]
fn a_reused_slot_shows_no_trace_of_the_previous_guest() {
    let runtime = Runtime::new(RuntimeConfig {
        max_concurrent_runs: 1,
        ..RuntimeConfig::default()
    })
    .expect("runtime");
    // Grows to 64 pages and fills every byte but the helpers' scratch with 0xAB.
    let dirty = guest(
        r#"(func (export "_start")
             (drop (memory.grow (i32.const 63)))
             (memory.fill (i32.const 64) (i32.const 0xAB) (i32.const 4194240)))"#,
    );
    // Grows the same way, then counts non-zero bytes outside its own data and exits with it.
    let check = |data: &str| {
        guest(&format!(
            r#"(data (i32.const 100) "{data}")
               (func (export "_start") (local $at i32) (local $dirty i32)
                 (drop (memory.grow (i32.const 63)))
                 (local.set $at (i32.const 4096))
                 (block $done (loop $next
                   (br_if $done (i32.ge_u (local.get $at) (i32.const 4194304)))
                   (local.set $dirty (i32.add (local.get $dirty)
                     (i32.ne (i32.load8_u (local.get $at)) (i32.const 0))))
                   (local.set $at (i32.add (local.get $at) (i32.const 509)))
                   (br $next)))
                 (call $exit (local.get $dirty)))"#
        ))
    };
    let dirty = runtime.load_bytes(dirty.as_bytes()).expect("loads");
    for data in ["", "image"] {
        let check = runtime.load_bytes(check(data).as_bytes()).expect("loads");
        for _ in 0..3 {
            assert_exited(&runtime.run(&dirty, RunSpec::new()).expect("runs"), 0);
            assert_exited(&runtime.run(&check, RunSpec::new()).expect("runs"), 0);
        }
    }
}
