//! `xcode run`: every status, every flag, every way to fail.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{Scratch, guest, guest_with_memory, parse_report};

const INFINITE_LOOP: &str = r#"(func (export "_start") (loop $forever (br $forever)))"#;

/// Copies stdin to stdout until end of file.
const CAT: &str = r#"
  (func (export "_start")
    (loop $more
      (i32.store (i32.const 16) (i32.const 1024))
      (i32.store (i32.const 20) (i32.const 4096))
      (if (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24))
        (then (unreachable)))
      (if (i32.load (i32.const 24))
        (then
          (drop (call $write (i32.const 1) (i32.const 1024) (i32.load (i32.const 24))))
          (br $more)))))"#;

fn exit_with(code: i32) -> String {
    guest(&format!(
        r#"(data (i32.const 64) "out") (data (i32.const 80) "err")
           (func (export "_start")
             (drop (call $write (i32.const 1) (i32.const 64) (i32.const 3)))
             (drop (call $write (i32.const 2) (i32.const 80) (i32.const 3)))
             (call $exit (i32.const {code})))"#
    ))
}

fn repo_file(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_bundled_example_greets_in_human_mode() {
    let scratch = Scratch::new();
    let output = scratch.run(&["run", &repo_file("examples/hello.wat")], b"Ada\n");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "Hello, Ada!\n");
    let stderr = stderr_of(&output);
    let summary = stderr.lines().last().expect("a summary line");
    assert!(
        summary.starts_with("xcode: exited 0 | fuel ") && summary.contains(" | memory 64.0 KiB"),
        "{summary}"
    );
}

#[test]
fn human_mode_passes_both_streams_through_then_summarizes() {
    let scratch = Scratch::new();
    let module = scratch.file("exit3.wat", exit_with(3));
    let output = scratch.run(&["run", module.to_str().expect("utf-8")], b"");
    assert_eq!(output.status.code(), Some(0), "the run completed");
    assert_eq!(output.stdout, b"out");
    let stderr = stderr_of(&output);
    assert!(stderr.starts_with("err"), "{stderr}");
    assert!(stderr.contains("\nxcode: exited 3 | fuel "), "{stderr}");
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
}

#[test]
fn json_reports_a_clean_exit() {
    let scratch = Scratch::new();
    let input = scratch.file("name.txt", "Grace\n");
    let report = scratch.json(&[
        "--stdin",
        input.to_str().expect("utf-8"),
        &repo_file("examples/hello.wat"),
    ]);
    assert_eq!(report["status"], "exited");
    assert_eq!(report["exit_code"], 0);
    assert_eq!(report["trap"], Value::Null);
    assert!(report["fuel"].as_u64().is_some_and(|fuel| fuel > 0));
    assert!(report["wall_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
    assert_eq!(report["memory_bytes"], 65536);
    assert_eq!(report["stdout"], "Hello, Grace!\n");
    assert_eq!(report["stderr"], "");
    assert_eq!(report["stdout_truncated"], false);
    assert_eq!(report["stderr_truncated"], false);
}

#[test]
fn json_reports_exit_codes_as_the_guest_gave_them() {
    let scratch = Scratch::new();
    for code in [1, 3, 42, 126, 255, -1] {
        let module = scratch.file(&format!("exit{code}.wat"), exit_with(code));
        let report = scratch.json(&[module.to_str().expect("utf-8")]);
        assert_eq!(report["status"], "exited");
        assert_eq!(report["exit_code"], code);
        assert_eq!(report["stdout"], "out");
        assert_eq!(report["stderr"], "err");
    }
}

#[test]
fn fuel_obeyed_and_exhausted() {
    let scratch = Scratch::new();
    let looping = scratch.file("loop.wat", guest(INFINITE_LOOP));
    let report = scratch.json(&["--fuel", "1000000", looping.to_str().expect("utf-8")]);
    assert_eq!(report["status"], "fuel_exhausted");
    assert_eq!(report["exit_code"], Value::Null);
    assert_eq!(report["fuel"], 1_000_000);

    let exits = scratch.file("exit0.wat", exit_with(0));
    let report = scratch.json(&["--fuel", "1000", exits.to_str().expect("utf-8")]);
    assert_eq!(report["status"], "exited");
    assert!(report["fuel"].as_u64().is_some_and(|fuel| fuel < 1000));
}

#[test]
fn wall_time_stops_a_loop_that_fuel_would_not() {
    let scratch = Scratch::new();
    let looping = scratch.file("loop.wat", guest(INFINITE_LOOP));
    let started = Instant::now();
    let report = scratch.json(&[
        "--fuel",
        &u64::MAX.to_string(),
        "--time-limit",
        "300",
        looping.to_str().expect("utf-8"),
    ]);
    assert_eq!(report["status"], "wall_time_exceeded");
    assert!(report["wall_ms"].as_f64().is_some_and(|ms| ms >= 300.0));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// Grows memory by `pages` and traps if that is refused.
fn grower(pages: u32) -> String {
    guest(&format!(
        r#"(func (export "_start")
             (if (i32.eq (memory.grow (i32.const {pages})) (i32.const -1))
               (then (unreachable))))"#
    ))
}

#[test]
fn memory_obeyed_and_exceeded() {
    let scratch = Scratch::new();
    let small = scratch.file("small.wat", grower(100));
    let report = scratch.json(&["--memory-limit", "16", small.to_str().expect("utf-8")]);
    assert_eq!(report["status"], "exited");
    assert_eq!(report["memory_bytes"], 101 * 65536);

    let big = scratch.file("big.wat", grower(400));
    let report = scratch.json(&["--memory-limit", "16", big.to_str().expect("utf-8")]);
    assert_eq!(report["status"], "memory_exceeded");
    assert_eq!(report["exit_code"], Value::Null);
    assert_eq!(report["trap"], Value::Null);
}

#[test]
fn a_module_that_starts_above_the_memory_limit_is_memory_exceeded() {
    // Snapshotted interpreters start with tens of MiB: below that limit the run, not the
    // load, fails.
    let scratch = Scratch::new();
    let module = scratch.file(
        "large.wat",
        guest_with_memory(512, r#"(func (export "_start"))"#),
    );
    let report = scratch.json(&["--memory-limit", "16", module.to_str().expect("utf-8")]);
    assert_eq!(report["status"], "memory_exceeded");
    let report = scratch.json(&["--memory-limit", "64", module.to_str().expect("utf-8")]);
    assert_eq!(report["status"], "exited");
}

/// Writes `total` bytes of 'x' to stdout in chunks of up to 4 KiB.
fn writer(total: u32) -> String {
    guest_with_memory(
        2,
        &format!(
            r#"(func (export "_start") (local $left i32) (local $n i32)
                 (memory.fill (i32.const 65536) (i32.const 120) (i32.const 65536))
                 (local.set $left (i32.const {total}))
                 (block $done
                   (loop $more
                     (br_if $done (i32.eqz (local.get $left)))
                     (local.set $n (select (i32.const 4096) (local.get $left)
                                           (i32.lt_u (i32.const 4096) (local.get $left))))
                     (drop (call $write (i32.const 1) (i32.const 65536) (local.get $n)))
                     (local.set $left (i32.sub (local.get $left) (local.get $n)))
                     (br $more))))"#
        ),
    )
}

#[test]
fn output_obeyed_and_exceeded() {
    let scratch = Scratch::new();
    let exact = scratch.file("exact.wat", writer(10 * 1024));
    let report = scratch.json(&["--output-limit", "10", exact.to_str().expect("utf-8")]);
    assert_eq!(report["status"], "exited");
    assert_eq!(report["stdout"].as_str().map(str::len), Some(10 * 1024));
    assert_eq!(report["stdout_truncated"], false);

    let flood = scratch.file("flood.wat", writer(u32::MAX));
    let report = scratch.json(&["--output-limit", "10", flood.to_str().expect("utf-8")]);
    assert_eq!(report["status"], "output_exceeded");
    assert_eq!(report["stdout"].as_str().map(str::len), Some(10 * 1024));
    assert_eq!(report["stdout_truncated"], true);
    assert_eq!(report["stderr_truncated"], false);
}

#[test]
fn traps_carry_their_kind_and_message() {
    let scratch = Scratch::new();
    let cases = [
        (
            r#"(func $boom (unreachable)) (func (export "_start") (call $boom))"#,
            "unreachable",
        ),
        (
            r#"(func (export "_start") (drop (i32.div_s (i32.const 1) (i32.const 0))))"#,
            "integer_division_by_zero",
        ),
        (
            r#"(func (export "_start") (drop (i32.load (i32.const 0x7fffffff))))"#,
            "memory_out_of_bounds",
        ),
    ];
    for (index, (body, kind)) in cases.into_iter().enumerate() {
        let module = scratch.file(&format!("trap{index}.wat"), guest(body));
        let report = scratch.json(&[module.to_str().expect("utf-8")]);
        assert_eq!(report["status"], "trap");
        assert_eq!(report["exit_code"], Value::Null);
        assert_eq!(report["trap"]["kind"], kind);
        assert!(
            report["trap"]["message"]
                .as_str()
                .is_some_and(|message| !message.is_empty()),
            "{report}"
        );
    }
}

/// Recurses `depth` deep and exits 1 if the sum it computes is wrong.
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
fn stack_obeyed_and_exceeded() {
    let scratch = Scratch::new();
    let deep = scratch.file("deep.wat", recursion(1_000_000));
    let deep = deep.to_str().expect("utf-8");
    let report = scratch.json(&[deep]);
    assert_eq!(report["status"], "exited");
    assert_eq!(report["exit_code"], 0);

    let report = scratch.json(&["--stack-limit", "1", deep]);
    assert_eq!(report["status"], "trap");
    assert_eq!(report["trap"]["kind"], "stack_overflow");
}

/// Prints argv, NUL-separated.
const PRINT_ARGS: &str = r#"
  (func (export "_start")
    (drop (call $args_sizes_get (i32.const 64) (i32.const 68)))
    (drop (call $args_get (i32.const 100) (i32.const 400)))
    (drop (call $write (i32.const 1) (i32.const 400) (i32.load (i32.const 68)))))"#;

/// Prints the environment, NUL-separated.
const PRINT_ENV: &str = r#"
  (func (export "_start")
    (drop (call $environ_sizes_get (i32.const 64) (i32.const 68)))
    (drop (call $environ_get (i32.const 100) (i32.const 400)))
    (drop (call $write (i32.const 1) (i32.const 400) (i32.load (i32.const 68)))))"#;

#[test]
fn arguments_after_the_double_dash_follow_the_module_name() {
    let scratch = Scratch::new();
    let module = scratch.file("args.wat", guest(PRINT_ARGS));
    let report = scratch.json(&[module.to_str().expect("utf-8"), "--", "a b", "--json", "-x"]);
    assert_eq!(report["stdout"], "args.wat\0a b\0--json\0-x\0");
}

#[test]
fn the_environment_is_empty_unless_given() {
    let scratch = Scratch::new();
    let module = scratch.file("env.wat", guest(PRINT_ENV));
    let module = module.to_str().expect("utf-8");
    let report = scratch.json(&[module]);
    assert_eq!(report["stdout"], "");
    let report = scratch.json(&["--env", "A=1", "--env", "B=x=y", module]);
    assert_eq!(report["stdout"], "A=1\0B=x=y\0");
}

#[test]
fn stdin_is_inherited_unless_a_file_is_given() {
    let scratch = Scratch::new();
    let module = scratch.file("cat.wat", guest(CAT));
    let module = module.to_str().expect("utf-8");
    for args in [vec!["run", module], vec!["run", "--stdin", "-", module]] {
        let output = scratch.run(&args, b"piped input\n");
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(output.stdout, b"piped input\n");
    }
    let file = scratch.file("input.txt", "from a file");
    let output = scratch.run(
        &["run", "--stdin", file.to_str().expect("utf-8"), module],
        b"ignored",
    );
    assert_eq!(output.stdout, b"from a file");
}

/// Opens `path` under the first preopen (fd 3), then reads it to stdout or, when `payload`
/// is given, creates it and writes `payload`. Exits with the failing step's WASI errno.
fn file_access(path: &str, payload: Option<&str>) -> String {
    const RIGHT_READ: u64 = 1 << 1;
    const RIGHT_WRITE: u64 = 1 << 6;
    const O_CREAT: u32 = 1;
    let (oflags, rights) = match payload {
        None => (0, RIGHT_READ),
        Some(_) => (O_CREAT, RIGHT_WRITE),
    };
    let io = match payload {
        None => r#"(i32.store (i32.const 16) (i32.const 1024))
                   (i32.store (i32.const 20) (i32.const 1024))
                   (local.set $err (call $fd_read (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24)))
                   (if (local.get $err) (then (call $exit (local.get $err))))
                   (drop (call $write (i32.const 1) (i32.const 1024) (i32.load (i32.const 24))))"#
            .to_owned(),
        Some(text) => format!(
            r#"(local.set $err (call $write (local.get $fd) (i32.const 600) (i32.const {})))
               (if (local.get $err) (then (call $exit (local.get $err))))"#,
            text.len()
        ),
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
             {io})"#,
        payload = payload.unwrap_or_default(),
        len = path.len(),
    ))
}

#[test]
fn directories_are_read_only_unless_asked_and_cannot_be_escaped() {
    let scratch = Scratch::new();
    let shared = scratch.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    std::fs::write(shared.join("in.txt"), "shared data").expect("write");
    scratch.file("secret.txt", "TOP SECRET");
    let dir = |mode: &str| format!("{}:/data{mode}", shared.display());
    let module =
        |name: &str, wat: String| scratch.file(name, wat).to_str().expect("utf-8").to_owned();

    let read = module("read.wat", file_access("in.txt", None));
    let report = scratch.json(&["--dir", &dir(""), &read]);
    assert_eq!(report["stdout"], "shared data");
    assert_eq!(report["exit_code"], 0);

    let write = module("write.wat", file_access("out.txt", Some("guest wrote")));
    for mode in ["", ":ro"] {
        let report = scratch.json(&["--dir", &dir(mode), &write]);
        assert_ne!(report["exit_code"], 0, "write allowed with {mode:?}");
        assert!(!shared.join("out.txt").exists());
    }
    let report = scratch.json(&["--dir", &dir(":rw"), &write]);
    assert_eq!(report["exit_code"], 0);
    assert_eq!(
        std::fs::read_to_string(shared.join("out.txt")).expect("written"),
        "guest wrote"
    );

    let escape = module("escape.wat", file_access("../secret.txt", None));
    let report = scratch.json(&["--dir", &dir(":rw"), &escape]);
    assert_ne!(report["exit_code"], 0);
    assert_eq!(report["stdout"], "");
}

/// Prints a monotonic and a wall-clock reading and 16 random bytes.
const CLOCKS_AND_RANDOMNESS: &str = r#"
  (func (export "_start")
    (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 64)))
    (drop (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 72)))
    (drop (call $random_get (i32.const 80) (i32.const 16)))
    (drop (call $write (i32.const 1) (i32.const 64) (i32.const 32))))"#;

#[test]
fn deterministic_runs_repeat_bit_for_bit() {
    let scratch = Scratch::new();
    let module = scratch.file("clocks.wat", guest(CLOCKS_AND_RANDOMNESS));
    let module = module.to_str().expect("utf-8");
    let fixed = |report: Value| json!([report["stdout"], report["fuel"]]);
    let first = fixed(scratch.json(&["--deterministic", module]));
    assert_eq!(fixed(scratch.json(&["--deterministic", module])), first);
    let free = scratch.json(&[module]);
    assert_ne!(
        fixed(free),
        first,
        "without --deterministic, clocks and randomness are live"
    );
}

#[test]
fn modules_are_cached_and_a_corrupt_cache_entry_is_rebuilt() {
    let scratch = Scratch::new();
    let module = scratch.file("exit0.wat", exit_with(0));
    let module = module.to_str().expect("utf-8");
    assert_eq!(scratch.json(&[module])["exit_code"], 0);
    let entries: Vec<_> = walk(&scratch.path().join("cache"))
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "cwasm"))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    std::fs::write(&entries[0], b"garbage").expect("corrupt the entry");
    assert_eq!(scratch.json(&[module])["exit_code"], 0);
    assert_ne!(std::fs::read(&entries[0]).expect("rebuilt"), b"garbage");

    let uncached = Scratch::new();
    assert_eq!(uncached.json(&["--no-cache", module])["exit_code"], 0);
    assert!(!uncached.path().join("cache").exists());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// `xcode` exits 2 with one line on stderr saying what is wrong, and prints nothing on stdout.
#[track_caller]
fn assert_usage_error(scratch: &Scratch, args: &[&str], mentions: &str) {
    let output = scratch.run(args, b"");
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(output.stdout.is_empty(), "{args:?}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.starts_with("xcode: error: "), "{args:?}: {stderr}");
    assert!(stderr.contains(mentions), "{args:?}: {stderr}");
}

#[test]
fn usage_and_host_errors_exit_2_with_one_clear_line() {
    let scratch = Scratch::new();
    let ok = scratch.file("ok.wat", exit_with(0));
    let ok = ok.to_str().expect("utf-8");
    let garbage = scratch.file("garbage.wasm", b"\x7fELF not wasm");
    let library = scratch.file("library.wat", "(module (func (export \"f\")))");
    let component = scratch.file("component.wasm", b"\0asm\x0d\0\x01\0");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", "missing.wasm"], "missing.wasm"),
        (
            vec!["run", garbage.to_str().expect("utf-8")],
            "invalid module",
        ),
        (vec!["run", library.to_str().expect("utf-8")], "_start"),
        (vec!["run", component.to_str().expect("utf-8")], "component"),
        (vec!["run", "--stdin", "no-such-input", ok], "no-such-input"),
        (vec!["run", "--dir", "/no/such/dir", ok], "/no/such/dir"),
        (vec!["run", "--fuel", "lots", ok], "--fuel"),
        (vec!["run", "--fuel", "0", ok], "fuel"),
        (vec!["run", "--memory-limit", "0", ok], "--memory-limit"),
        (vec!["run", "--memory-limit", "5000", ok], "--memory-limit"),
        (vec!["run", "--time-limit", "0", ok], "--time-limit"),
        (vec!["run", "--stack-limit", "0", ok], "--stack-limit"),
        (vec!["run", "--env", "NOEQUALS", ok], "--env"),
        (vec!["run", "--dir", "a:b:c", ok], "--dir"),
        (vec!["run", "--bogus", ok], "--bogus"),
        (vec!["run"], "MODULE"),
        (vec!["fly"], "fly"),
    ];
    for (args, mentions) in cases {
        assert_usage_error(&scratch, &args, mentions);
    }
}

#[test]
fn help_and_version_exit_0() {
    let scratch = Scratch::new();
    for args in [["run", "--help"].as_slice(), &["--version"], &["--help"]] {
        let output = scratch.run(args, b"");
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(!output.stdout.is_empty());
    }
}

#[test]
fn a_json_report_is_one_line_even_for_binary_output() {
    let scratch = Scratch::new();
    let module = scratch.file(
        "binary.wat",
        guest(
            r#"(data (i32.const 64) "\ff\00\n\"")
               (func (export "_start") (drop (call $write (i32.const 1) (i32.const 64) (i32.const 4))))"#,
        ),
    );
    let output = scratch.run(&["run", "--json", module.to_str().expect("utf-8")], b"");
    let report = parse_report(&output.stdout);
    assert_eq!(report["stdout"], "\u{fffd}\0\n\"");
}
