//! Every language, end to end: installed from the manifest (idempotent: `.ci/run` installs
//! first), compiled in the jail, run in the sandbox. Per language: hello, the sum of 200,000
//! integers, big integers, a runtime error with the language's own message, an infinite loop,
//! a memory bomb, deep recursion, identical fuel on reruns; and per compiled language,
//! compiles that try to read host files. Programs of several files, and testlib checkers and
//! interactors.

mod cpp;
mod files;
mod install;
mod jail;
mod java;
mod kotlin;
mod programs;
mod testlib;

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use xcode_runtime::{DirAccess, Limits, Outcome, RunSpec, Runtime, RuntimeConfig, Status};
use xcode_toolchains::{Compiled, InstallOptions, JailLimits, Prepared, Program, Toolchains};

struct Harness {
    toolchains: Toolchains,
    runtime: Runtime,
    installed: Mutex<HashSet<String>>,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let home = Toolchains::default_home().expect("HOME is set");
        let modules = std::env::var_os("XCODE_CACHE_DIR")
            .map(Into::into)
            .unwrap_or_else(|| home.join("modules"));
        let toolchains = Toolchains::new(home, &modules).expect("the builtin manifest");
        let runtime = Runtime::new(RuntimeConfig {
            cache_dir: Some(modules),
            max_concurrent_runs: 4,
            ..RuntimeConfig::default()
        })
        .expect("runtime");
        Harness {
            toolchains,
            runtime,
            installed: Mutex::new(HashSet::new()),
        }
    })
}

/// Installs `lang` once per process (a no-op when `.ci/run` already did).
fn ensure(lang: &str) -> &'static Harness {
    let harness = harness();
    let mut installed = harness
        .installed
        .lock()
        .unwrap_or_else(|err| err.into_inner());
    if installed.insert(lang.to_owned()) {
        harness
            .toolchains
            .install(&[lang.to_owned()], &InstallOptions::default(), &mut |_| {})
            .unwrap_or_else(|err| panic!("installing {lang}: {err}"));
    }
    harness
}

fn prepare(lang: &str, source: &str) -> Prepared {
    prepare_with(lang, source, &JailLimits::default())
}

fn prepare_with(lang: &str, source: &str, limits: &JailLimits) -> Prepared {
    ensure(lang)
        .toolchains
        .prepare(lang, source.as_bytes(), limits)
        .unwrap_or_else(|err| panic!("{lang}: {err}"))
}

fn compile_error(lang: &str, source: &str, limits: &JailLimits) -> Compiled {
    match prepare_with(lang, source, limits) {
        Prepared::CompileError(compiled) => compiled,
        Prepared::Ready { .. } => panic!("{lang}: expected a compile error"),
    }
}

fn run(lang: &str, source: &str, stdin: &str) -> Outcome {
    run_with(lang, source, stdin, limits(lang))
}

/// The limits of an ordinary run: the sandbox's defaults, but Java's interpreted JVM needs
/// ~86 G of fuel for the 200,000-integer sum (6–20 s, by the machine's load: bench/README.md;
/// the wall clock leaves room for tests running side by side on a loaded CI machine).
fn limits(lang: &str) -> Limits {
    match lang {
        "java" => Limits {
            fuel: 250_000_000_000,
            wall_time: Duration::from_secs(300),
            ..Limits::default()
        },
        _ => Limits::default(),
    }
}

fn run_with(lang: &str, source: &str, stdin: &str, limits: Limits) -> Outcome {
    let program = ready(lang, prepare(lang, source));
    let mut spec = RunSpec::new()
        .args(program.args.clone())
        .stdin(stdin.as_bytes().to_vec());
    spec.limits = limits;
    launch(lang, program, spec)
}

/// A program (with files beside its source) that must compile.
fn prepare_files(lang: &str, source: &str, files: &[(&str, &str)]) -> Prepared {
    let files: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(name, text)| (name.to_string(), text.as_bytes().to_vec()))
        .collect();
    ensure(lang)
        .toolchains
        .prepare_files(lang, source.as_bytes(), &files, &JailLimits::default())
        .unwrap_or_else(|err| panic!("{lang}: {err}"))
}

#[track_caller]
fn ready(lang: &str, prepared: Prepared) -> Program {
    match prepared {
        Prepared::Ready { program, .. } => program,
        Prepared::CompileError(compiled) => {
            panic!("{lang}: compile error:\n{}", compiled.output)
        }
    }
}

/// Runs `program` as `spec` says (args, stdin, limits, preopens), with the program's own env
/// and directories (`/src`, the toolchain's), deterministically.
fn launch(lang: &str, program: Program, mut spec: RunSpec) -> Outcome {
    let harness = harness();
    let module = harness
        .runtime
        .load_file(&program.module)
        .unwrap_or_else(|err| panic!("{lang}: {err}"));
    for (host, guest) in program.preopens() {
        spec = spec.preopen(host, guest, DirAccess::ReadOnly);
    }
    spec.env = program.env;
    spec.deterministic = Some(7);
    harness
        .runtime
        .run(&module, spec)
        .unwrap_or_else(|err| panic!("{lang}: {err}"))
}

fn stdout(outcome: &Outcome) -> String {
    String::from_utf8_lossy(&outcome.stdout).into_owned()
}

fn stderr(outcome: &Outcome) -> String {
    String::from_utf8_lossy(&outcome.stderr).into_owned()
}

#[track_caller]
fn assert_exited(outcome: &Outcome, lang: &str) {
    assert_eq!(
        outcome.status,
        Status::Exited(0),
        "{lang}: stdout {:?} stderr {:?}",
        stdout(outcome),
        stderr(outcome)
    );
}

/// 200,000 integers, the first line their count, as judges give them.
fn numbers() -> (String, String) {
    static INPUT: OnceLock<(String, String)> = OnceLock::new();
    INPUT
        .get_or_init(|| {
            let values: Vec<i64> = (0..200_000i64)
                .map(|i| (i * 7919) % 1_000_003 - 500_000)
                .collect();
            let sum: i64 = values.iter().sum();
            let line: Vec<String> = values.iter().map(ToString::to_string).collect();
            (
                format!("{}\n{}\n", values.len(), line.join(" ")),
                format!("{sum}\n"),
            )
        })
        .clone()
}

fn infinite_loop_limits() -> Limits {
    Limits {
        fuel: 2_000_000_000,
        wall_time: Duration::from_secs(60),
        ..Limits::default()
    }
}

fn memory_bomb_limits() -> Limits {
    Limits {
        memory_bytes: 160 << 20,
        wall_time: Duration::from_secs(60),
        ..Limits::default()
    }
}

/// The shared checks, for one language's programs.
fn check_language(lang: &str, programs: &programs::Programs) {
    let hello = run(lang, programs::example(lang, "hello"), "");
    assert_exited(&hello, lang);
    assert_eq!(stdout(&hello), "hello, world\n", "{lang}");

    let (input, sum) = numbers();
    let sums = std::iter::once(programs::example(lang, "sum")).chain(programs.sum.iter().copied());
    for (index, source) in sums.enumerate() {
        let outcome = run(lang, source, &input);
        assert_exited(&outcome, lang);
        assert_eq!(stdout(&outcome), sum, "{lang}: sum program #{index}");
    }

    let error = run(lang, programs.runtime_error, "");
    assert!(
        matches!(error.status, Status::Trap { .. } | Status::Exited(1..)),
        "{lang}: {:?}",
        error.status
    );
    for needle in programs.error_message {
        assert!(
            stderr(&error).contains(needle),
            "{lang}: {needle:?} not in {:?}",
            stderr(&error)
        );
    }

    let spin = run_with(lang, programs.infinite_loop, "", infinite_loop_limits());
    assert_eq!(
        spin.status,
        Status::FuelExhausted,
        "{lang}: {}",
        stderr(&spin)
    );

    let bomb = run_with(lang, programs.memory_bomb, "", memory_bomb_limits());
    assert_eq!(
        bomb.status,
        Status::MemoryExceeded,
        "{lang}: {}",
        stderr(&bomb)
    );

    let depth = run(lang, programs.recursion, "");
    assert_exited(&depth, lang);
    assert_eq!(
        stdout(&depth),
        format!("{}\n", programs.depth),
        "{lang}: recursion"
    );

    if let Some((source, expected)) = programs.big_integers {
        let big = run(lang, source, "");
        assert_exited(&big, lang);
        assert_eq!(stdout(&big), expected, "{lang}: big integers");
    }

    let again = run(lang, programs::example(lang, "hello"), "");
    assert_eq!(
        again.fuel_consumed, hello.fuel_consumed,
        "{lang}: fuel differs between runs"
    );
}

macro_rules! language_tests {
    ($($name:ident => $lang:literal,)*) => {
        $(
            #[test]
            fn $name() {
                check_language($lang, &programs::of($lang));
            }
        )*
    };
}

language_tests! {
    c => "c",
    cpp => "cpp",
    rust => "rust",
    go => "go",
    zig => "zig",
    kotlin => "kotlin",
    java => "java",
    python3 => "python3",
    javascript => "javascript",
    typescript => "typescript",
    ruby => "ruby",
    lua => "lua",
}

#[test]
fn compiled_submissions_are_cached_by_source() {
    let source = "int main(void) { return 0; }\n";
    let first = prepare("c", source);
    let second = prepare("c", source);
    let (
        Prepared::Ready {
            compile: Some(a),
            program: pa,
        },
        Prepared::Ready {
            compile: Some(b),
            program: pb,
        },
    ) = (first, second)
    else {
        panic!("both compile");
    };
    assert!(
        b.cached,
        "the second compile of the same source is a cache hit"
    );
    assert_eq!(pa.module, pb.module);
    let _ = a;
    let other = prepare("c", "int main(void) { return 1; }\n");
    let Prepared::Ready { program, .. } = other else {
        panic!("compiles");
    };
    assert_ne!(program.module, pa.module);
}

#[test]
fn compile_errors_carry_the_compilers_message() {
    let compiled = compile_error(
        "cpp",
        "int main() { return missing; }\n",
        &JailLimits::default(),
    );
    assert!(
        compiled.output.contains("main.cpp:1"),
        "{}",
        compiled.output
    );
    assert!(compiled.output.contains("missing"), "{}", compiled.output);
    let compiled = compile_error(
        "rust",
        "fn main() { let x: u32 = \"no\"; }\n",
        &JailLimits::default(),
    );
    assert!(
        compiled.output.contains("mismatched types"),
        "{}",
        compiled.output
    );
    let compiled = compile_error(
        "go",
        "package main\nfunc main() { undefined() }\n",
        &JailLimits::default(),
    );
    assert!(compiled.output.contains("undefined"), "{}", compiled.output);
}

#[test]
fn unknown_languages_and_extensions_are_clear_errors() {
    let toolchains = &harness().toolchains;
    assert!(toolchains.language("cobol").is_err());
    assert_eq!(toolchains.detect("a/b/main.cpp".as_ref()).ok(), Some("cpp"));
    assert_eq!(toolchains.detect("x.PY".as_ref()).ok(), Some("python3"));
    let err = toolchains
        .detect("notes.txt".as_ref())
        .expect_err("unknown");
    assert!(err.to_string().contains("--lang"), "{err}");
}

#[test]
fn programs_see_the_same_file_times_whenever_they_were_compiled() {
    // Fuel must not depend on when a submission was saved: the guest can stat its files.
    let source = "import os\nprint(os.stat('/src/main.py').st_mtime, os.stat('/src').st_mtime)\n";
    let outcome = run("python3", source, "");
    assert_exited(&outcome, "python3");
    assert_eq!(stdout(&outcome), "0.0 0.0\n");
}
