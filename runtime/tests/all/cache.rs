//! The on-disk cache of precompiled modules: hits, and recovery from every kind of bad entry.

use std::path::{Path, PathBuf};

use sha2::Digest as _;
use xcode_runtime::{Error, Module, RunSpec, Runtime, RuntimeConfig};

use crate::{HELLO, assert_exited, guest, shared, stdout};

fn cached_runtime(dir: &Path) -> Runtime {
    Runtime::new(RuntimeConfig {
        cache_dir: Some(dir.to_owned()),
        max_concurrent_runs: 2,
        ..RuntimeConfig::default()
    })
    .expect("runtime")
}

/// Loads HELLO through a fresh runtime (a new process, as far as the cache can tell) and
/// checks that it still runs.
fn load_hello(dir: &Path) -> Module {
    let runtime = cached_runtime(dir);
    let module = runtime.load_bytes(guest(HELLO).as_bytes()).expect("loads");
    let outcome = runtime.run(&module, RunSpec::new()).expect("runs");
    assert_exited(&outcome, 0);
    assert_eq!(stdout(&outcome), "hello\n");
    module
}

/// The one `.cwasm` entry under `dir`.
fn artifact(dir: &Path) -> PathBuf {
    let mut found: Vec<PathBuf> = walk(dir)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "cwasm"))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found.remove(0)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            paths.extend(walk(&path));
        } else {
            paths.push(path);
        }
    }
    paths
}

#[test]
fn the_second_load_is_served_from_the_cache() {
    let _guard = shared();
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(!load_hello(dir.path()).from_cache());
    let again = load_hello(dir.path());
    assert!(again.from_cache());
    // Text and binary forms of one module are one entry.
    let binary = wat::parse_str(guest(HELLO)).expect("assembles");
    let runtime = cached_runtime(dir.path());
    assert!(runtime.load_bytes(&binary).expect("loads").from_cache());
    assert_eq!(walk(dir.path()).len(), 2, "one .cwasm and its .sum");
}

#[test]
fn a_corrupted_entry_is_detected_and_rebuilt() {
    let _guard = shared();
    let dir = tempfile::tempdir().expect("tempdir");
    load_hello(dir.path());
    let path = artifact(dir.path());
    // Flip bytes in the middle of the file, where the machine code is: wasmtime's own checks
    // would not notice.
    let mut bytes = std::fs::read(&path).expect("read");
    let middle = bytes.len() / 2;
    for byte in &mut bytes[middle..middle + 64] {
        *byte ^= 0xff;
    }
    std::fs::write(&path, &bytes).expect("write");
    assert!(
        !load_hello(dir.path()).from_cache(),
        "corruption went unnoticed"
    );
    assert!(
        load_hello(dir.path()).from_cache(),
        "the rebuilt entry is used"
    );
}

#[test]
fn a_truncated_or_empty_entry_is_rebuilt() {
    let _guard = shared();
    let dir = tempfile::tempdir().expect("tempdir");
    load_hello(dir.path());
    let path = artifact(dir.path());
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..bytes.len() / 3]).expect("truncate");
    assert!(!load_hello(dir.path()).from_cache());
    std::fs::write(&path, b"").expect("empty");
    assert!(!load_hello(dir.path()).from_cache());
    std::fs::remove_file(&path).expect("remove");
    assert!(!load_hello(dir.path()).from_cache());
    assert!(load_hello(dir.path()).from_cache());
}

#[test]
fn a_garbled_checksum_file_is_rebuilt() {
    let _guard = shared();
    let dir = tempfile::tempdir().expect("tempdir");
    load_hello(dir.path());
    let sum = artifact(dir.path()).with_extension("sum");
    std::fs::write(&sum, "not a checksum").expect("write");
    assert!(!load_hello(dir.path()).from_cache());
    assert!(load_hello(dir.path()).from_cache());
}

#[test]
fn an_entry_from_an_incompatible_engine_is_rebuilt() {
    let _guard = shared();
    let dir = tempfile::tempdir().expect("tempdir");
    load_hello(dir.path());
    let path = artifact(dir.path());
    // A perfectly valid artifact, with a matching checksum, built without fuel: running it
    // would escape the CPU limit, so wasmtime must refuse it and the cache must rebuild.
    let mut config = wasmtime::Config::new();
    config.consume_fuel(false);
    let other = wasmtime::Engine::new(&config).expect("engine");
    let foreign = other
        .precompile_module(&wat::parse_str(guest(HELLO)).expect("assembles"))
        .expect("precompiles");
    std::fs::write(&path, &foreign).expect("write");
    std::fs::write(
        path.with_extension("sum"),
        format!(
            "{} {}\n",
            foreign.len(),
            hex::encode(sha2::Sha256::digest(&foreign))
        ),
    )
    .expect("write sum");
    assert!(!load_hello(dir.path()).from_cache());
    assert!(load_hello(dir.path()).from_cache());
}

#[test]
fn runtimes_with_different_compile_settings_do_not_share_entries() {
    let _guard = shared();
    let dir = tempfile::tempdir().expect("tempdir");
    load_hello(dir.path());
    // A different stack limit does not change compiled code: same entry.
    let runtime = Runtime::new(RuntimeConfig {
        cache_dir: Some(dir.path().to_owned()),
        max_stack_bytes: 8 << 20,
        max_concurrent_runs: 1,
        ..RuntimeConfig::default()
    })
    .expect("runtime");
    assert!(
        runtime
            .load_bytes(guest(HELLO).as_bytes())
            .expect("loads")
            .from_cache()
    );
}

#[test]
fn invalid_modules_are_host_errors_with_a_reason() {
    let _guard = shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = cached_runtime(dir.path());
    let error = |bytes: &[u8]| match runtime.load_bytes(bytes) {
        Err(Error::InvalidModule(message)) => message,
        other => panic!("expected an invalid module, got {other:?}"),
    };
    assert!(error(b"(module (func (export \"_start\") (i32.add)))").contains("type mismatch"));
    assert!(error(b"\0asm\x01\0\0\0\xff\xff").contains("section"));
    assert!(error(b"not wasm at all").contains("neither"));
    // What the sandbox does not run: shared, multiple or 64-bit memories, legacy exceptions,
    // and the names it keeps for its own metering.
    for (wat, reason) in [
        ("(module (memory 1 1 shared))", "threads"),
        ("(module (memory 1) (memory 1))", "multiple memories"),
        ("(module (memory i64 1))", "memory64"),
        (
            "(module (func try nop catch_all nop end))",
            "legacy_exceptions",
        ),
        (
            r#"(module (import "xcode" "clock" (memory 1)))"#,
            "reserved",
        ),
        (
            r#"(module (global (export "__xcode_fuel") i32 (i32.const 0)))"#,
            "reserved",
        ),
    ] {
        let message = error(wat.as_bytes());
        assert!(message.contains(reason), "{wat}: {message}");
    }
    assert!(matches!(
        runtime.load_file(Path::new("/no/such/module.wasm")),
        Err(Error::ReadModule { .. })
    ));
    // Nothing that failed to compile was cached.
    assert!(walk(dir.path()).is_empty(), "{:?}", walk(dir.path()));
    // A valid module that is not a command compiles (and may be cached) but cannot be run.
    assert!(error(b"(module)").contains("_start"));
}
