//! The `xcode` binary as scripts use it: its flags, its JSON, its exit statuses.
//!
//! Guests are WAT files written to a temporary directory; every test runs the real binary.

mod judge;
mod languages;
mod run;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// A scratch directory holding guest modules and a private module cache.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to `name` inside the scratch directory and returns its path.
    fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, contents).expect("write scratch file");
        path
    }

    /// `xcode` with its module cache inside the scratch directory.
    fn xcode(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_xcode"));
        command.env("XCODE_CACHE_DIR", self.path().join("cache"));
        command
    }

    /// Runs `xcode ARGS` with `stdin` piped in.
    fn run(&self, args: &[&str], stdin: &[u8]) -> Output {
        output_of(self.xcode().args(args), stdin)
    }

    /// Runs `xcode run --json ...` and returns the one JSON object it printed.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["run", "--json"];
        all.extend_from_slice(args);
        let output = self.run(&all, b"");
        assert_eq!(
            output.status.code(),
            Some(0),
            "stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        parse_report(&output.stdout)
    }
}

/// Runs `command` with `stdin` piped in and its output captured.
fn output_of(command: &mut Command, stdin: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn xcode");
    // A guest that never reads its stdin closes the pipe early: ignore that write error.
    let _ = child.stdin.take().expect("stdin").write_all(stdin);
    child.wait_with_output().expect("xcode finishes")
}

/// Exactly one JSON object and a newline, with every documented field and nothing else (the
/// compile fields only for programs in compiled languages).
fn parse_report(stdout: &[u8]) -> Value {
    let text = std::str::from_utf8(stdout).expect("JSON is UTF-8");
    assert_eq!(text.matches('\n').count(), 1, "one line: {text:?}");
    let report: Value = serde_json::from_str(text).expect("valid JSON");
    let fields: Vec<&str> = report
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    let expected = [
        "status",
        "exit_code",
        "trap",
        "fuel",
        "wall_ms",
        "memory_bytes",
        "stdout",
        "stderr",
        "stdout_truncated",
        "stderr_truncated",
    ];
    let mut expected = expected.to_vec();
    if report.get("compile_output").is_some() {
        expected.extend(["compile_output", "compile_ms", "compile_cached"]);
    }
    expected.sort_unstable();
    let mut fields = fields;
    fields.sort_unstable();
    assert_eq!(fields, expected);
    report
}

/// A WASI command module with the imports the tests use, `$write(fd, ptr, len)` and
/// `$exit(code)` helpers, `pages` pages of memory, and `body`, which defines `_start`.
/// Bytes 0..64 are scratch for the helpers.
fn guest_with_memory(pages: u32, body: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") {pages})
  (func $write (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
  {body})"#
    )
}

fn guest(body: &str) -> String {
    guest_with_memory(1, body)
}
