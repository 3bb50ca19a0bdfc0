//! `cargo bench -p xcode-bench --bench calibrate [-- --quick | --write] [LANG...]`: how much
//! sandbox fuel one millisecond of native run time is worth, per language.
//!
//! The judge limits time as fuel (`Outcome::fuel_consumed`, deterministic), while problems
//! state limits in milliseconds of a native run. Per language, three programs
//! (`bench/calibration/<lang>/{sieve,sort,lcs}.*`: a sieve of Eratosthenes, sorting LCG
//! integers, an LCS table) run in the sandbox (fuel) and under the machine's own toolchain
//! (CPU time of the child, `getrusage(RUSAGE_CHILDREN)`, least of several runs). Both sides
//! are measured again at a tiny size and that is subtracted, so start-up counts on neither: a
//! program's rate is Δfuel / Δnative ms, the language's the geometric mean of its programs'.
//! Every output is checked against a reference computed here.
//!
//! `--write` stores the rates in `services/judge-engine/calibration.toml`. `--quick` (CI) runs
//! the sieve at a small size in every language, natively for C only, and writes nothing.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use nix::sys::resource::{UsageWho, getrusage};
use xcode_bench::native::{on_path, run_ok};
use xcode_runtime::{DirAccess, Limits, Module, RunSpec, Runtime, RuntimeConfig, Status};
use xcode_toolchains::{InstallOptions, JailLimits, Prepared, Program, Toolchains};

/// The calibration programs, each reading its size N from stdin and printing a checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    /// Primes up to N: count and sum. Memory-bound loops.
    Sieve,
    /// N minstd-LCG integers sorted with the language's own sort, then hashed.
    Sort,
    /// Longest common subsequence of two N-long strings over 4 letters: an N² table of
    /// compares and maxima.
    Lcs,
}

impl Algorithm {
    const ALL: [Self; 3] = [Self::Sieve, Self::Sort, Self::Lcs];

    fn name(self) -> &'static str {
        match self {
            Self::Sieve => "sieve",
            Self::Sort => "sort",
            Self::Lcs => "lcs",
        }
    }

    /// What every language's program prints for `n`.
    fn expected(self, n: u64) -> String {
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        match self {
            Self::Sieve => {
                let mut composite = vec![false; n + 1];
                let (mut count, mut sum) = (0u64, 0u64);
                for i in 2..=n {
                    if composite[i] {
                        continue;
                    }
                    count += 1;
                    sum += i as u64;
                    for j in (i.saturating_mul(i)..=n).step_by(i) {
                        composite[j] = true;
                    }
                }
                format!("{count} {sum}\n")
            }
            Self::Sort => {
                let mut lcg = Lcg::new();
                let mut values: Vec<i64> = (0..n).map(|_| lcg.next()).collect();
                values.sort_unstable();
                let hash = values
                    .iter()
                    .fold(0, |hash, value| (hash * 31 + value) % 1_000_000_007);
                format!("{hash}\n")
            }
            Self::Lcs => {
                let mut lcg = Lcg::new();
                let s: Vec<i64> = (0..n).map(|_| lcg.next() % 4).collect();
                let t: Vec<i64> = (0..n).map(|_| lcg.next() % 4).collect();
                let mut prev = vec![0u32; n + 1];
                let mut cur = vec![0u32; n + 1];
                for &c in &s {
                    for j in 1..=n {
                        cur[j] = if c == t[j - 1] {
                            prev[j - 1] + 1
                        } else {
                            prev[j].max(cur[j - 1])
                        };
                    }
                    std::mem::swap(&mut prev, &mut cur);
                }
                format!("{}\n", prev[n])
            }
        }
    }
}

/// minstd (Park–Miller), seed 12345: its products stay below 2^47, exact in every language's
/// numbers (JavaScript's doubles included).
struct Lcg(i64);

impl Lcg {
    fn new() -> Self {
        Self(12345)
    }

    fn next(&mut self) -> i64 {
        self.0 = self.0 * 48271 % 2_147_483_647;
        self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Compiled,
    Interpreted,
}

struct Language {
    id: &'static str,
    ext: &'static str,
    family: Family,
    /// N for sieve, sort and lcs: about 100–300 ms of native CPU each on this machine.
    sizes: [u64; 3],
}

/// TypeScript is not measured: it runs as JavaScript on the same interpreter.
const LANGUAGES: [Language; 11] = [
    Language {
        id: "c",
        ext: "c",
        family: Family::Compiled,
        sizes: [20_000_000, 1_000_000, 10_000],
    },
    Language {
        id: "cpp",
        ext: "cpp",
        family: Family::Compiled,
        sizes: [20_000_000, 2_000_000, 10_000],
    },
    Language {
        id: "rust",
        ext: "rs",
        family: Family::Compiled,
        sizes: [20_000_000, 4_000_000, 8_000],
    },
    Language {
        id: "go",
        ext: "go",
        family: Family::Compiled,
        sizes: [20_000_000, 2_000_000, 7_000],
    },
    Language {
        id: "zig",
        ext: "zig",
        family: Family::Compiled,
        sizes: [20_000_000, 2_000_000, 10_000],
    },
    Language {
        id: "kotlin",
        ext: "kt",
        family: Family::Compiled,
        sizes: [20_000_000, 2_000_000, 10_000],
    },
    // Compiled to bytecode, but the sandbox interprets it (Ristretto): interpreters' sizes.
    Language {
        id: "java",
        ext: "java",
        family: Family::Compiled,
        sizes: [5_000_000, 1_000_000, 3_000],
    },
    Language {
        id: "python3",
        ext: "py",
        family: Family::Interpreted,
        sizes: [800_000, 200_000, 800],
    },
    Language {
        id: "javascript",
        ext: "js",
        family: Family::Interpreted,
        sizes: [15_000_000, 200_000, 4_000],
    },
    Language {
        id: "ruby",
        ext: "rb",
        family: Family::Interpreted,
        sizes: [1_500_000, 500_000, 1_400],
    },
    Language {
        id: "lua",
        ext: "lua",
        family: Family::Interpreted,
        sizes: [2_000_000, 300_000, 2_000],
    },
];

/// Every language the judge knows, in the file's order.
const FILE_LANGUAGES: [&str; 12] = [
    "c",
    "cpp",
    "rust",
    "go",
    "zig",
    "kotlin",
    "java",
    "python3",
    "javascript",
    "typescript",
    "ruby",
    "lua",
];

/// The size whose cost (start-up, reading N, printing) is subtracted on both sides.
const BASE_N: u64 = 10;
/// `--quick`: the sieve only, at this size.
const QUICK_N: u64 = 1_000;
/// Native runs per program and size (`Case::native_times` takes the least).
const NATIVE_RUNS: usize = 11;

fn main() -> Result<()> {
    let mut quick = false;
    let mut write = false;
    let mut only = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            "--write" => write = true,
            "--bench" => {}
            other if other.starts_with('-') => {
                bail!("unknown argument {other:?}; usage: calibrate [--quick | --write] [LANG...]")
            }
            other => only.push(other.to_owned()),
        }
    }
    if let Some(unknown) = only
        .iter()
        .find(|id| !LANGUAGES.iter().any(|language| language.id == id.as_str()))
    {
        bail!("{unknown}: not calibrated (typescript takes javascript's rate)");
    }
    ensure!(!(quick && write), "--quick never writes the calibration");
    ensure!(
        !write || only.is_empty(),
        "--write measures every language: drop the language list"
    );

    let home = Toolchains::default_home().context("no HOME")?;
    let modules = home.join("modules");
    let toolchains = Toolchains::new(&home, &modules)?;
    let runtime = Runtime::new(RuntimeConfig {
        cache_dir: Some(modules),
        max_concurrent_runs: 1,
        ..RuntimeConfig::default()
    })?;
    if !quick {
        install_native_interpreters();
    }
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("calibration");
    let scratch = tempfile::tempdir()?;
    let algorithms: &[Algorithm] = if quick {
        &[Algorithm::Sieve]
    } else {
        &Algorithm::ALL
    };

    let selected: Vec<&Language> = LANGUAGES
        .iter()
        .filter(|language| only.is_empty() || only.iter().any(|wanted| wanted == language.id))
        .collect();
    // One call: apt installs every package at once.
    let ids: Vec<String> = selected.iter().map(|language| language.id.into()).collect();
    toolchains.install(&ids, &InstallOptions::default(), &mut |_| {})?;

    // The sandbox first: fuel is deterministic, one run each.
    let mut natives = Vec::new();
    let mut cases = Vec::new();
    for (language_index, language) in selected.iter().enumerate() {
        natives.push(if quick && language.id != "c" {
            None
        } else {
            Native::build(language, &toolchains, &sources, scratch.path(), algorithms)?
        });
        for (program_index, &algorithm) in algorithms.iter().enumerate() {
            let n = if quick {
                QUICK_N
            } else {
                language.sizes[algorithm as usize]
            };
            let path =
                sources
                    .join(language.id)
                    .join(format!("{}.{}", algorithm.name(), language.ext));
            let source =
                std::fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
            let program = ready(&toolchains, language.id, &source)?;
            let module = runtime.load_file(&program.module)?;
            let (base_expected, expected) = (algorithm.expected(BASE_N), algorithm.expected(n));
            let in_sandbox = |n, expected: &str| {
                sandboxed(&runtime, &module, &program, n, expected)
                    .with_context(|| format!("{} {} in the sandbox", language.id, algorithm.name()))
            };
            let base = in_sandbox(BASE_N, &base_expected)?;
            let full = in_sandbox(n, &expected)?;
            cases.push(Case {
                language: language_index,
                program: program_index,
                algorithm,
                n,
                fuel: full.fuel.saturating_sub(base.fuel),
                sandbox: full,
                expected: [base_expected, expected],
                base_cpu: Vec::new(),
                full_cpu: Vec::new(),
            });
        }
    }
    // Then the natives, in rounds over every program: a burst of load on a shared machine
    // costs one sample of several programs rather than every sample of one.
    for _ in 0..NATIVE_RUNS {
        for case in &mut cases {
            if let Some(native) = &natives[case.language] {
                case.sample(native)?;
            }
        }
    }

    println!("# Time calibration\n");
    println!(
        "native ms: CPU time (user + sys) of the native program, least of {NATIVE_RUNS} runs, \
         minus the same at N = {BASE_N} (start: that start-up). sandbox ms: wall time of one \
         run in the sandbox, start-up included. fuel/ms: (fuel − fuel at N = {BASE_N}) / \
         native ms.\n"
    );
    println!("| language | program | N | native ms | native start | sandbox ms | fuel | fuel/ms |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    let mut measured = Vec::new();
    for ((language_index, language), native) in selected.iter().enumerate().zip(natives) {
        let mut rates = Vec::new();
        for case in cases.iter().filter(|case| case.language == language_index) {
            let native_times = case.native_times();
            let rate = native_times
                .filter(|(_, compute)| !compute.is_zero())
                .map(|(_, compute)| case.fuel as f64 / millis(compute));
            // `--quick`'s sizes are too small to time.
            ensure!(
                quick || native_times.is_none() || rate.is_some(),
                "{} {}: N = {} took no longer natively than N = {BASE_N}",
                language.id,
                case.algorithm.name(),
                case.n
            );
            rates.extend(rate);
            let ms = |duration| format!("{:.1}", millis(duration));
            println!(
                "| {} | {} | {} | {} | {} | {:.1} | {} | {} |",
                language.id,
                case.algorithm.name(),
                case.n,
                native_times.map_or("—".into(), |(_, compute)| ms(compute)),
                native_times.map_or("—".into(), |(start, _)| ms(start)),
                millis(case.sandbox.wall),
                count(case.sandbox.fuel as f64),
                rate.map_or("—".into(), count),
            );
        }
        measured.push(Measured {
            id: language.id,
            version: native.map(|native| native.version),
            rate: (!rates.is_empty()).then(|| Rate::of(&rates)),
        });
    }

    let rates = file_rates(&measured);
    println!("\n| language | fuel per ms | programs' range | 1 s limit | from |");
    println!("|---|---:|---:|---:|---|");
    for (id, rate, from) in &rates {
        let range = measured
            .iter()
            .find(|measured| measured.id == *id)
            .and_then(|measured| measured.rate)
            .map_or("—".into(), |rate| {
                format!("{}–{}", count(rate.min), count(rate.max))
            });
        println!(
            "| {id} | {} | {range} | {} fuel | {from} |",
            count(*rate),
            count(rate * 1000.0)
        );
    }
    if write {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../services/judge-engine/calibration.toml");
        std::fs::write(&path, calibration_toml(&measured, &rates)?)
            .with_context(|| format!("{}", path.display()))?;
        println!("\nwrote {}", path.display());
    }
    Ok(())
}

struct Measured {
    id: &'static str,
    /// The native toolchain's version, when there was one.
    version: Option<String>,
    rate: Option<Rate>,
}

#[derive(Debug, Clone, Copy)]
struct Rate {
    /// Geometric mean of the programs' rates.
    mean: f64,
    min: f64,
    max: f64,
}

impl Rate {
    fn of(rates: &[f64]) -> Self {
        let log_mean = rates.iter().map(|rate| rate.ln()).sum::<f64>() / rates.len() as f64;
        Self {
            mean: log_mean.exp(),
            min: rates.iter().copied().fold(f64::INFINITY, f64::min),
            max: rates.iter().copied().fold(0.0, f64::max),
        }
    }
}

/// The rate of every language the judge knows, and where it comes from. TypeScript takes
/// JavaScript's (the same interpreter runs it); without a native toolchain to compare with, a
/// compiled language takes C's and an interpreter Python's (the interpreter contestants use
/// most; its rate is between the fast and slow interpreters').
fn file_rates(measured: &[Measured]) -> Vec<(&'static str, f64, String)> {
    let rate_of = |id: &str| {
        measured
            .iter()
            .find(|measured| measured.id == id)
            .and_then(|measured| measured.rate)
            .map(|rate| rate.mean)
    };
    let c = rate_of("c");
    let mut rates = Vec::new();
    for id in FILE_LANGUAGES {
        let family = LANGUAGES
            .iter()
            .find(|language| language.id == id)
            .map_or(Family::Interpreted, |language| language.family);
        let (rate, from) = match rate_of(id) {
            Some(rate) => (Some(rate), "measured".to_owned()),
            None if id == "typescript" => (
                rates
                    .iter()
                    .find(|(other, _, _)| *other == "javascript")
                    .map(|(_, rate, _)| *rate),
                "javascript's (same interpreter)".to_owned(),
            ),
            None if family == Family::Compiled => (c, "c's (no native run)".to_owned()),
            None => match rate_of("python3") {
                Some(rate) => (Some(rate), "python3's (no native run)".to_owned()),
                None => (c, "c's (no native run)".to_owned()),
            },
        };
        if let Some(rate) = rate {
            rates.push((id, rate, from));
        }
    }
    rates
}

fn calibration_toml(measured: &[Measured], rates: &[(&str, f64, String)]) -> Result<String> {
    let default = rates
        .iter()
        .find(|(id, _, _)| *id == "c")
        .map(|(_, rate, _)| *rate)
        .context("no rate for C: is gcc installed?")?;
    ensure!(
        rates.len() == FILE_LANGUAGES.len(),
        "no rate for some languages: {rates:?}"
    );
    let natives: Vec<String> = measured
        .iter()
        .filter_map(|measured| {
            let version = measured.version.as_ref()?;
            Some(format!("{} {version}", native_name(measured.id)))
        })
        .collect();
    let mut text = String::new();
    writeln!(
        text,
        "# Fuel per millisecond of native run time, per language (bench/benches/calibrate.rs, \
         `cargo bench -p xcode-bench --bench calibrate -- --write`)."
    )?;
    writeln!(
        text,
        "# Measured {} on {}; natives: {}.",
        today(),
        cpu_model(),
        natives.join(", ")
    )?;
    writeln!(
        text,
        "# Each rate: geometric mean over sieve, sort and LCS of (fuel - fuel at N = {BASE_N}) / \
         (native CPU ms - the same at N = {BASE_N}), start-up excluded on both sides."
    )?;
    writeln!(
        text,
        "# typescript takes javascript's rate (same interpreter). Without a native toolchain, a \
         compiled language takes c's and an interpreter python3's; default is c's."
    )?;
    writeln!(text, "default = {}", toml_float(default))?;
    writeln!(text, "[languages]")?;
    for (id, rate, from) in rates {
        if from == "measured" {
            writeln!(text, "{id} = {}", toml_float(*rate))?;
        } else {
            writeln!(text, "{id} = {}  # {from}", toml_float(*rate))?;
        }
    }
    Ok(text)
}

fn toml_float(rate: f64) -> String {
    format!("{:.1}", rate.round())
}

fn native_name(id: &str) -> &str {
    match id {
        "c" => "gcc",
        "cpp" => "g++",
        "rust" => "rustc",
        "javascript" => "node",
        "kotlin" => "kotlinc",
        other => other,
    }
}

/// One program of one language at its size.
struct Case {
    /// Index into the selected languages (and their natives).
    language: usize,
    /// Index into the programs run (and the native's argv).
    program: usize,
    algorithm: Algorithm,
    n: u64,
    /// Fuel at `n` minus fuel at `BASE_N`.
    fuel: u64,
    sandbox: SandboxRun,
    /// Outputs at `BASE_N` and `n`.
    expected: [String; 2],
    base_cpu: Vec<Duration>,
    full_cpu: Vec<Duration>,
}

impl Case {
    /// One native run at `BASE_N` and one at `n`.
    fn sample(&mut self, native: &Native) -> Result<()> {
        let argv = &native.argv[self.program];
        let [base_expected, expected] = &self.expected;
        self.base_cpu.push(cpu_time(argv, BASE_N, base_expected)?);
        self.full_cpu.push(cpu_time(argv, self.n, expected)?);
        Ok(())
    }

    /// The least CPU time at `BASE_N` (start-up) and the least at `n` minus it (compute). The
    /// least: contention on a shared machine (caches, memory bandwidth, the sibling
    /// hyperthread) only ever adds to CPU time.
    fn native_times(&self) -> Option<(Duration, Duration)> {
        let least = |times: &[Duration]| times.iter().min().copied();
        let (base, full) = (least(&self.base_cpu)?, least(&self.full_cpu)?);
        Some((base, full.saturating_sub(base)))
    }
}

struct SandboxRun {
    fuel: u64,
    wall: Duration,
}

fn sandboxed(
    runtime: &Runtime,
    module: &Module,
    program: &Program,
    n: u64,
    expected: &str,
) -> Result<SandboxRun> {
    let mut spec = RunSpec::new()
        .args(program.args.clone())
        .stdin(format!("{n}\n").into_bytes());
    spec.env = program.env.clone();
    spec.limits = Limits {
        fuel: 1_000_000_000_000,
        wall_time: Duration::from_secs(300),
        ..Limits::default()
    };
    for (dir, guest) in program.preopens() {
        spec = spec.preopen(dir, guest, DirAccess::ReadOnly);
    }
    let outcome = runtime.run(module, spec)?;
    ensure!(
        outcome.status == Status::Exited(0),
        "N = {n}: {:?}: {}",
        outcome.status,
        String::from_utf8_lossy(&outcome.stderr)
    );
    ensure!(
        outcome.stdout == expected.as_bytes(),
        "N = {n}: printed {:?}, expected {expected:?}",
        String::from_utf8_lossy(&outcome.stdout)
    );
    Ok(SandboxRun {
        fuel: outcome.fuel_consumed,
        wall: outcome.wall_time,
    })
}

/// Compiles (or fetches from the cache) and returns how to run.
fn ready(toolchains: &Toolchains, lang: &str, source: &str) -> Result<Program> {
    match toolchains.prepare(lang, source.as_bytes(), &JailLimits::default())? {
        Prepared::Ready { program, .. } => Ok(program),
        Prepared::CompileError(compiled) => bail!("{lang}: compile error: {}", compiled.output),
    }
}

/// A language's programs built with (or run by) the machine's own toolchain.
struct Native {
    version: String,
    /// argv of each program, in the order they were asked for.
    argv: Vec<Vec<OsString>>,
}

impl Native {
    /// `None` when the machine lacks the toolchain.
    fn build(
        language: &Language,
        toolchains: &Toolchains,
        sources: &Path,
        scratch: &Path,
        algorithms: &[Algorithm],
    ) -> Result<Option<Self>> {
        let installed = toolchains.home().join("toolchains");
        let Some(tool) = native_tool(language.id, &installed) else {
            return Ok(None);
        };
        let version = version_of(language.id, &tool)?;
        let mut argv = Vec::new();
        for algorithm in algorithms {
            let source =
                sources
                    .join(language.id)
                    .join(format!("{}.{}", algorithm.name(), language.ext));
            if language.family == Family::Interpreted {
                argv.push(vec![tool.clone().into(), source.into()]);
                continue;
            }
            let mut binary = scratch.join(format!("{}-{}", language.id, algorithm.name()));
            if language.id == "kotlin" {
                binary.set_extension("jar");
            }
            run_ok(compile(
                language.id,
                &tool,
                &source,
                &binary,
                scratch,
                &installed,
            ))?;
            if language.id == "kotlin" {
                argv.push(vec![tool.clone().into(), "-jar".into(), binary.into()]);
            } else if language.id == "java" {
                argv.push(vec![
                    tool.clone().into(),
                    "-cp".into(),
                    binary.into(),
                    "Main".into(),
                ]);
            } else {
                argv.push(vec![binary.into()]);
            }
        }
        Ok(Some(Self { version, argv }))
    }
}

/// The native compiler or interpreter for a language, if the machine has it: the system's
/// gcc, g++, rustc, python3 (Debian's), node, ruby, lua5.4; the installed Go and Zig (the
/// same releases the sandbox compiles with).
fn native_tool(id: &str, installed: &Path) -> Option<PathBuf> {
    let found = |name: &str| on_path(name).then(|| PathBuf::from(name));
    match id {
        "c" => found("gcc"),
        "cpp" => found("g++"),
        "rust" => found("rustc"),
        "go" => Some(installed.join("go/go/bin/go")).filter(|path| path.exists()),
        "zig" => Some(installed.join("zig/ziglang/zig")).filter(|path| path.exists()),
        // pyenv's `python3` is a shell script that starts Python twice.
        "python3" => Some(PathBuf::from("/usr/bin/python3"))
            .filter(|path| path.exists())
            .or_else(|| found("python3")),
        "javascript" => found("node"),
        "ruby" => found("ruby"),
        "lua" => found("lua5.4").or_else(|| found("lua")),
        // Kotlin/JVM on the JVM the Kotlin toolchain pins (its compiler is installed with it).
        "kotlin" => Some(PathBuf::from(JAVA))
            .filter(|path| path.exists() && installed.join(KOTLIN_COMPILER).exists()),
        // HotSpot, with the sandbox's own javac launcher (installed with the Java toolchain).
        "java" => {
            Some(PathBuf::from(JAVA)).filter(|path| path.exists() && installed.join(JAVAC).exists())
        }
        _ => None,
    }
}

/// The JVM of the Kotlin toolchain, and its compiler under the installed toolchains.
const JAVA: &str = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java";
const KOTLIN_COMPILER: &str = "kotlin/lib/kotlin-compiler.jar";
const JAVAC: &str = "java/javac";

/// The same flags as `--bench languages`' native builds.
fn compile(
    id: &str,
    tool: &Path,
    source: &Path,
    binary: &Path,
    scratch: &Path,
    installed: &Path,
) -> Command {
    let mut command = Command::new(tool);
    match id {
        "c" => command.args(["-O2", "-o"]).arg(binary).arg(source),
        "cpp" => command
            .args(["-O2", "-std=c++20", "-o"])
            .arg(binary)
            .arg(source),
        "rust" => command
            .args(["-O", "--edition=2021", "-o"])
            .arg(binary)
            .arg(source),
        // The same compiler's JVM back end: a jar holding the standard library.
        "kotlin" => command
            .arg("-cp")
            .arg(installed.join(KOTLIN_COMPILER))
            .arg("org.jetbrains.kotlin.cli.jvm.K2JVMCompiler")
            .args(["-no-reflect", "-include-runtime", "-d"])
            .arg(binary)
            .arg(source),
        // Classes into a directory (`binary`).
        "java" => {
            let _ = std::fs::create_dir_all(binary);
            command
                .arg("-cp")
                .arg(installed.join(JAVAC))
                .arg("Javac")
                .arg(source)
                .arg(binary)
        }
        "go" => command
            .args(["build", "-o"])
            .arg(binary)
            .arg(source)
            .env("GOTOOLCHAIN", "local")
            .env("GO111MODULE", "off")
            .env("GOCACHE", scratch.join("gocache")),
        _ => command
            .args(["build-exe", "-O", "ReleaseSafe"])
            .arg(format!("-femit-bin={}", binary.display()))
            .arg("--cache-dir")
            .arg(scratch.join("zig-cache"))
            .arg(source),
    };
    command
}

/// The version a toolchain reports: its first token with a digit, without `go`/`v`.
fn version_of(id: &str, tool: &Path) -> Result<String> {
    let args: &[&str] = match id {
        "c" | "cpp" => &["-dumpfullversion"],
        "go" | "zig" => &["version"],
        "ruby" => &["-e", "print RUBY_VERSION"],
        "lua" => &["-v"],
        "kotlin" | "java" => &["-version"],
        _ => &["--version"],
    };
    let output = Command::new(tool)
        .args(args)
        .output()
        .with_context(|| format!("{} {args:?}", tool.display()))?;
    let text = format!(
        "{} {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let token = text
        .split_whitespace()
        .find(|token| token.chars().any(|c| c.is_ascii_digit()))
        .with_context(|| format!("{}: no version in {text:?}", tool.display()))?;
    let version = token
        .trim_start_matches("go")
        .trim_start_matches('v')
        .trim_matches('"');
    Ok(if id == "kotlin" {
        format!("(Kotlin/JVM on OpenJDK {version})")
    } else {
        version.to_owned()
    })
}

/// Runs a native program on `n` and returns the CPU time (user + sys) it and its threads used.
/// The bench runs one child at a time, so the growth of `RUSAGE_CHILDREN` across the wait is
/// this child's.
fn cpu_time(argv: &[OsString], n: u64, expected: &str) -> Result<Duration> {
    let before = children_cpu()?;
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("{argv:?}"))?;
    // A few bytes: the pipe takes them without blocking.
    child
        .stdin
        .take()
        .context("stdin")?
        .write_all(format!("{n}\n").as_bytes())?;
    let output = child.wait_with_output()?;
    let cpu = children_cpu()?.saturating_sub(before);
    ensure!(
        output.status.success() && output.stdout == expected.as_bytes(),
        "{argv:?} on N = {n}: {}, printed {:?} (expected {expected:?}): {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(cpu)
}

fn children_cpu() -> Result<Duration> {
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    let duration = |time: nix::sys::time::TimeVal| {
        Duration::from_secs(time.tv_sec().try_into().unwrap_or(0))
            + Duration::from_micros(time.tv_usec().try_into().unwrap_or(0))
    };
    Ok(duration(usage.user_time()) + duration(usage.system_time()))
}

/// Debian has no native Ruby or Lua by default; its `ruby` (3.1) and `lua5.4` (5.4.4) are
/// close enough to the sandbox's (3.4, 5.4.9) to compare with. Best effort: without them,
/// those languages fall back (`file_rates`).
fn install_native_interpreters() {
    let missing: Vec<&str> = [("ruby", "ruby"), ("lua5.4", "lua5.4")]
        .into_iter()
        .filter(|(command, _)| !on_path(command))
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() || !on_path("apt-get") {
        return;
    }
    eprintln!("apt-get install {missing:?} (native baselines)");
    let installed = Command::new("apt-get")
        .args(["install", "-y", "-qq"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        eprintln!("could not install {missing:?}: their languages take a fallback rate");
    }
}

fn today() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map_or_else(|| "(unknown date)".into(), |date| date.trim().to_owned())
}

fn cpu_model() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.into());
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    format!("{model}, {cores} cores")
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn count(value: f64) -> String {
    match value {
        v if v >= 1e9 => format!("{:.2} G", v / 1e9),
        v if v >= 1e6 => format!("{:.2} M", v / 1e6),
        v if v >= 1e3 => format!("{:.1} k", v / 1e3),
        v => format!("{v:.0}"),
    }
}
