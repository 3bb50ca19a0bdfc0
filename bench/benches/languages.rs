//! `cargo bench -p xcode-bench --bench languages [-- --quick] [LANG...]`: every language, in
//! one run, beside its native toolchain where the machine has one. Prints Markdown.
//!
//! Per language: hello-world latency through the runtime (module loaded once, as a judge keeps
//! it), the sum of 200,000 integers with the sandbox's limits (fuel on) and in bare wasmtime
//! (fuel off), a fresh compile, and the same program compiled and run natively. Programs are
//! `examples/languages/{hello,sum}.*`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use xcode_bench::native::{on_path, run_ok};
use xcode_bench::plain::PlainWasi;
use xcode_bench::stats::Sample;
use xcode_runtime::{DirAccess, Limits, RunSpec, Runtime, RuntimeConfig, Status};
use xcode_toolchains::{InstallOptions, JailLimits, Prepared, Program, Toolchains};

struct Plan {
    hello_runs: usize,
    sum_runs: usize,
    compile_runs: usize,
    numbers: usize,
    /// Bare wasmtime recompiles each module (no cache): seconds for the interpreters.
    plain: bool,
}

const FULL: Plan = Plan {
    hello_runs: 200,
    sum_runs: 3,
    compile_runs: 3,
    numbers: 200_000,
    plain: true,
};

const QUICK: Plan = Plan {
    hello_runs: 5,
    sum_runs: 1,
    compile_runs: 1,
    numbers: 1_000,
    plain: false,
};

const LANGUAGES: [(&str, &str); 12] = [
    ("c", "c"),
    ("cpp", "cpp"),
    ("rust", "rs"),
    ("go", "go"),
    ("zig", "zig"),
    ("kotlin", "kt"),
    ("java", "java"),
    ("python3", "py"),
    ("javascript", "js"),
    ("typescript", "ts"),
    ("ruby", "rb"),
    ("lua", "lua"),
];

fn main() -> Result<()> {
    let mut quick = false;
    let mut only = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            "--bench" => {}
            other if other.starts_with('-') => {
                bail!("unknown argument {other:?}; usage: languages [--quick] [LANG...]")
            }
            other => only.push(other.to_owned()),
        }
    }
    let plan = if quick { &QUICK } else { &FULL };
    let home = Toolchains::default_home().context("no HOME")?;
    let modules = home.join("modules");
    let toolchains = Toolchains::new(&home, &modules)?;
    let runtime = Runtime::new(RuntimeConfig {
        cache_dir: Some(modules),
        max_concurrent_runs: 1,
        ..RuntimeConfig::default()
    })?;
    let plain = PlainWasi::new()?;
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/languages");
    let scratch = tempfile::tempdir()?;
    let (input, expected) = numbers(plan.numbers);

    println!("# Languages\n");
    println!(
        "hello: p50 / p99 of {} runs through the runtime (module loaded once). sum: {} integers, \
         median of {} runs; fuel on = the sandbox's limits, fuel off = bare wasmtime. compile: \
         a fresh compile (cache bypassed), median of {}. native: the same program, process \
         spawn included.\n",
        plan.hello_runs, plan.numbers, plan.sum_runs, plan.compile_runs
    );
    println!(
        "| language | hello p50 | hello p99 | hello fuel | native hello | sum, fuel on | sum, fuel off | \
         native sum | sum fuel | compile | native compile |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (lang, ext) in LANGUAGES {
        if !only.is_empty() && !only.iter().any(|wanted| wanted == lang) {
            continue;
        }
        toolchains.install(&[lang.to_owned()], &InstallOptions::default(), &mut |_| {})?;
        let hello_source = std::fs::read_to_string(examples.join(format!("hello.{ext}")))?;
        let sum_source = std::fs::read_to_string(examples.join(format!("sum.{ext}")))?;

        let hello = ready(&toolchains, lang, &hello_source)?;
        let module = runtime.load_file(&hello.module)?;
        let mut hello_fuel = 0;
        let hello_sample = Sample::collect(plan.hello_runs, || {
            let started = Instant::now();
            let outcome = runtime.run(&module, spec(&hello, b"")).expect("hello runs");
            assert_eq!(outcome.status, Status::Exited(0), "{lang} hello");
            hello_fuel = outcome.fuel_consumed;
            started.elapsed()
        });

        let sum = ready(&toolchains, lang, &sum_source)?;
        let sum_module = runtime.load_file(&sum.module)?;
        let mut sum_fuel = 0;
        let fuel_on = Sample::collect(plan.sum_runs, || {
            let started = Instant::now();
            let outcome = runtime
                .run(&sum_module, spec(&sum, input.as_bytes()))
                .expect("sum runs");
            assert_eq!(outcome.stdout, expected.as_bytes(), "{lang} sum");
            sum_fuel = outcome.fuel_consumed;
            started.elapsed()
        });
        let fuel_off = if plan.plain || lang == "c" {
            let module = plain.compile(&sum.module)?;
            let mut timings = Vec::new();
            for _ in 0..plan.sum_runs {
                let run = plain.run(
                    &module,
                    &sum.args,
                    &sum.env,
                    input.as_bytes(),
                    &sum.preopens(),
                )?;
                ensure!(
                    run.stdout == expected.as_bytes(),
                    "{lang}: bare wasmtime printed {:?}",
                    String::from_utf8_lossy(&run.stdout)
                );
                timings.push(run.elapsed);
            }
            Some(Sample::new(timings).median())
        } else {
            None
        };

        let compile = if toolchains.language(lang)?.compile.is_some() {
            let mut timings = Vec::new();
            for round in 0..plan.compile_runs {
                let comment = if lang == "python3" || lang == "ruby" {
                    "#"
                } else {
                    "//"
                };
                let nonce = format!("{sum_source}\n{comment} {}-{round}\n", std::process::id());
                let started = Instant::now();
                ready(&toolchains, lang, &nonce)?;
                timings.push(started.elapsed());
            }
            Some(Sample::new(timings).median())
        } else {
            None
        };

        let native = Native::build(lang, &toolchains, &sum, scratch.path(), &examples, ext)?;
        let (native_hello, native_sum) = match &native {
            Some(native) => {
                let hello = native.hello_sample(plan.hello_runs.min(50))?;
                let sum = native.sum_sample(plan.sum_runs, &input, &expected)?;
                (Some(hello), Some(sum))
            }
            None => (None, None),
        };

        println!(
            "| {lang} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            ms(Some(hello_sample.median())),
            ms(Some(hello_sample.percentile(0.99))),
            count(hello_fuel),
            ms(native_hello),
            ms(Some(fuel_on.median())),
            ms(fuel_off),
            ms(native_sum),
            count(sum_fuel),
            ms(compile),
            ms(native.as_ref().and_then(|native| native.compile)),
        );
    }
    Ok(())
}

/// Compiles (or fetches from the cache) and returns how to run.
fn ready(toolchains: &Toolchains, lang: &str, source: &str) -> Result<Program> {
    match toolchains.prepare(lang, source.as_bytes(), &JailLimits::default())? {
        Prepared::Ready { program, .. } => Ok(program),
        Prepared::CompileError(compiled) => bail!("{lang}: compile error: {}", compiled.output),
    }
}

fn spec(program: &Program, stdin: &[u8]) -> RunSpec {
    let mut spec = RunSpec::new()
        .args(program.args.clone())
        .stdin(stdin.to_vec());
    spec.env = program.env.clone();
    // Room for the slowest (Java's interpreted JVM: ~85 G of fuel for the sum).
    spec.limits = Limits {
        fuel: 1_000_000_000_000,
        wall_time: Duration::from_secs(120),
        ..Limits::default()
    };
    for (dir, guest) in program.preopens() {
        spec = spec.preopen(dir, guest, DirAccess::ReadOnly);
    }
    spec
}

fn numbers(count: usize) -> (String, String) {
    let values: Vec<i64> = (0..count as i64)
        .map(|i| (i * 7919) % 1_000_003 - 500_000)
        .collect();
    let line: Vec<String> = values.iter().map(ToString::to_string).collect();
    let sum: i64 = values.iter().sum();
    (format!("{count}\n{}\n", line.join(" ")), format!("{sum}\n"))
}

/// The JVM the Kotlin toolchain pins (and native Kotlin runs on).
const JAVA: &str = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java";

/// Makes the command that compiles a source file to a native binary.
type Compiler = dyn Fn(&Path, &Path) -> Command;

/// The machine's own toolchain for a language, when it has one.
struct Native {
    /// argv of the hello and sum programs.
    hello: Vec<String>,
    sum: Vec<String>,
    compile: Option<Duration>,
}

impl Native {
    fn build(
        lang: &str,
        toolchains: &Toolchains,
        sum: &Program,
        dir: &Path,
        examples: &Path,
        ext: &str,
    ) -> Result<Option<Self>> {
        let source = |name: &str| examples.join(format!("{name}.{ext}"));
        let binary = |name: &str| dir.join(format!("{lang}-{name}"));
        let home = toolchains.home().join("toolchains");
        let go = home.join("go/go/bin/go");
        let zig = home.join("zig/ziglang/zig");
        let kotlin = home.join("kotlin/lib");
        let javac = home.join("java/javac");
        let compiler: Option<Box<Compiler>> = match lang {
            "c" => Some(Box::new(|src, out| command(["gcc", "-O2", "-o"], out, src))),
            "cpp" => Some(Box::new(|src, out| {
                command(["g++", "-O2", "-std=c++20", "-o"], out, src)
            })),
            "rust" => Some(Box::new(|src, out| {
                command(["rustc", "-O", "--edition=2021", "-o"], out, src)
            })),
            "go" => Some(Box::new(move |src, out| {
                let mut command = Command::new(&go);
                command
                    .args(["build", "-o"])
                    .arg(out)
                    .arg(src)
                    .env("GOTOOLCHAIN", "local")
                    .env("GO111MODULE", "off")
                    .env("GOCACHE", dir_of(out).join("gocache"));
                command
            })),
            "zig" => Some(Box::new(move |src, out| {
                let mut command = Command::new(&zig);
                command
                    .args(["build-exe", "-O", "ReleaseSafe"])
                    .arg(format!("-femit-bin={}", out.display()))
                    .arg("--cache-dir")
                    .arg(dir_of(out).join("zig-cache"))
                    .arg(src);
                command
            })),
            // Kotlin/JVM: the same compiler's JVM back end, a jar holding the standard library.
            "kotlin" => Some(Box::new(move |src, out| {
                let mut command = Command::new(JAVA);
                command
                    .arg("-cp")
                    .arg(kotlin.join("kotlin-compiler.jar"))
                    .arg("org.jetbrains.kotlin.cli.jvm.K2JVMCompiler")
                    .args(["-no-reflect", "-include-runtime", "-d"])
                    .arg(out)
                    .arg(src);
                command
            })),
            // Java: the sandbox's own javac launcher on the same JDK 17 (classes into a
            // directory), run by HotSpot.
            "java" => Some(Box::new(move |src, out| {
                let _ = std::fs::create_dir_all(out);
                let mut command = Command::new(JAVA);
                command
                    .arg("-cp")
                    .arg(&javac)
                    .arg("Javac")
                    .arg(src)
                    .arg(out);
                command
            })),
            _ => None,
        };
        // A jar, or a directory of classes, runs on the JVM.
        let argv = |binary: PathBuf| -> Vec<String> {
            let binary = binary.display().to_string();
            match lang {
                "kotlin" => vec![JAVA.into(), "-jar".into(), binary],
                "java" => vec![JAVA.into(), "-cp".into(), binary, "Main".into()],
                _ => vec![binary],
            }
        };
        let binary = |name: &str| {
            if lang == "kotlin" {
                binary(name).with_extension("jar")
            } else {
                binary(name)
            }
        };
        if let Some(compiler) = compiler {
            if !available(lang) {
                return Ok(None);
            }
            for name in ["hello", "sum"] {
                // Warm caches (Go's, Zig's) first: the figure is a submission's compile.
                run_ok(compiler(&source(name), &binary(name)))?;
            }
            // Timed like the sandbox's: a source no cache has seen.
            let fresh = dir.join(format!("fresh-{lang}.{ext}"));
            let text = std::fs::read_to_string(source("sum"))?;
            std::fs::write(&fresh, format!("{text}\n// {}\n", std::process::id()))?;
            let started = Instant::now();
            run_ok(compiler(&fresh, &binary("fresh")))?;
            let compile = Some(started.elapsed());
            return Ok(Some(Self {
                hello: argv(binary("hello")),
                sum: argv(binary("sum")),
                compile,
            }));
        }
        let interpreter = match lang {
            "python3" => "python3",
            "javascript" | "typescript" => "node",
            "ruby" => "ruby",
            "lua" => "lua",
            _ => return Ok(None),
        };
        if !available(interpreter) {
            return Ok(None);
        }
        // pyenv's `python3` is a shell script that starts Python twice: time the interpreter.
        let interpreter = if interpreter == "python3" {
            let output = Command::new("python3")
                .args(["-c", "import sys; print(sys.executable)"])
                .output()?;
            String::from_utf8(output.stdout)?.trim().to_owned()
        } else {
            interpreter.to_owned()
        };
        let script = |name: &str| -> PathBuf {
            // TypeScript runs natively as the JavaScript esbuild made of it.
            if lang == "typescript"
                && name == "sum"
                && let Some(dir) = &sum.src_dir
            {
                return dir.join("main.js");
            }
            let js = examples.join(format!("{name}.js"));
            if lang == "typescript" {
                js
            } else {
                source(name)
            }
        };
        Ok(Some(Self {
            hello: vec![interpreter.clone(), script("hello").display().to_string()],
            sum: vec![interpreter, script("sum").display().to_string()],
            compile: None,
        }))
    }

    fn hello_sample(&self, runs: usize) -> Result<Duration> {
        let mut timings = Vec::new();
        for _ in 0..runs {
            let started = Instant::now();
            run_with_input(&self.hello, b"")?;
            timings.push(started.elapsed());
        }
        Ok(Sample::new(timings).median())
    }

    fn sum_sample(&self, runs: usize, input: &str, expected: &str) -> Result<Duration> {
        let mut timings = Vec::new();
        for _ in 0..runs {
            let started = Instant::now();
            let output = run_with_input(&self.sum, input.as_bytes())?;
            timings.push(started.elapsed());
            ensure!(
                output == expected.as_bytes(),
                "native {:?} printed {:?}",
                self.sum,
                String::from_utf8_lossy(&output)
            );
        }
        Ok(Sample::new(timings).median())
    }
}

fn command<const N: usize>(args: [&str; N], out: &Path, src: &Path) -> Command {
    let mut command = Command::new(args[0]);
    command.args(&args[1..]).arg(out).arg(src);
    command
}

fn dir_of(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

fn available(program: &str) -> bool {
    let program = match program {
        "c" => "gcc",
        "cpp" => "g++",
        "rust" => "rustc",
        "go" | "zig" => return true,
        "kotlin" | "java" => return Path::new(JAVA).exists(),
        other => other,
    };
    on_path(program)
}

fn run_with_input(argv: &[String], input: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("{argv:?}"))?;
    let mut stdin = child.stdin.take().context("stdin")?;
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output()?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("writer panicked"))??;
    ensure!(output.status.success(), "{argv:?} failed");
    Ok(output.stdout)
}

fn ms(duration: Option<Duration>) -> String {
    match duration {
        Some(duration) if duration < Duration::from_millis(1) => {
            format!("{:.0} µs", duration.as_secs_f64() * 1e6)
        }
        Some(duration) => format!("{:.1} ms", duration.as_secs_f64() * 1e3),
        None => "—".into(),
    }
}

fn count(fuel: u64) -> String {
    match fuel {
        f if f >= 1_000_000_000 => format!("{:.2} G", f as f64 / 1e9),
        f if f >= 1_000_000 => format!("{:.1} M", f as f64 / 1e6),
        f if f >= 1_000 => format!("{:.1} k", f as f64 / 1e3),
        f => f.to_string(),
    }
}
