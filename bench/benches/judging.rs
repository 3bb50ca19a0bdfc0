//! `cargo bench -p xcode-bench --bench judging [-- --quick] [--no-peer]` (`--quick`: tiny, no
//! peer): judging a 10-test
//! problem end to end (compile included) in C++ and Python on this machine's cores, and the
//! same problem and programs judged by a peer, DMOJ's judge (`bench/peer/dmoj.sh`), in the same
//! run. Prints Markdown.
//!
//! Figures: time to first verdict and to the whole result, with a compile-cache miss (a fresh
//! source each time) and a hit (the same source again); submissions/s and tests/s with the
//! cache hit, one submission at a time, tests in parallel on the engine's workers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use xcode_bench::stats::Sample;
use xcode_judge_engine::{Engine, EngineConfig, Event, JudgeOptions, Submission, Verdict, package};
use xcode_toolchains::Toolchains;

struct Plan {
    numbers: u64,
    cold_runs: usize,
    warm_runs: usize,
    peer_repeat: usize,
}

const FULL: Plan = Plan {
    numbers: 100_000,
    cold_runs: 5,
    warm_runs: 20,
    peer_repeat: 5,
};

const QUICK: Plan = Plan {
    numbers: 1_000,
    cold_runs: 1,
    warm_runs: 2,
    peer_repeat: 1,
};

/// Contestants' usual C++: every header, `cin`. Its compile is where the precompiled
/// `bits/stdc++.h` counts.
const CPP_STDCXX: &str = "#include <bits/stdc++.h>\nusing namespace std;\nint main() { ios::sync_with_stdio(false); cin.tie(nullptr); long long n, x, s = 0; cin >> n; for (long long i = 0; i < n; i++) { cin >> x; s += x; } cout << s << '\\n'; }\n";
const CPP: &str = "#include <cstdio>\nint main() { long long n, x, s = 0; if (scanf(\"%lld\", &n) != 1) return 1; for (long long i = 0; i < n; i++) { scanf(\"%lld\", &x); s += x; } printf(\"%lld\\n\", s); }\n";
const PYTHON: &str =
    "import sys\ndata = sys.stdin.buffer.read().split()\nprint(sum(map(int, data[1:])))\n";

fn main() -> Result<()> {
    let mut quick = false;
    let mut peer = true;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            "--no-peer" => peer = false,
            "--bench" => {}
            other => bail!("unknown argument {other:?}; usage: judging [--quick] [--no-peer]"),
        }
    }
    let plan = if quick { &QUICK } else { &FULL };
    // The peer installs Debian packages and a venv: not in CI's smoke run.
    let peer = peer && !quick;
    let problem_dir = tempfile::Builder::new()
        .prefix("xcode-bench-judging.")
        .tempdir()?;
    write_problem(problem_dir.path(), plan.numbers)?;
    let problem = package::load(problem_dir.path()).map_err(|e| anyhow::anyhow!("{e}"))?;

    let home = Toolchains::default_home().context("no HOME")?;
    let modules = home.join("modules");
    let toolchains = Toolchains::new(&home, &modules)?;
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let engine = Engine::new(
        toolchains,
        EngineConfig {
            workers,
            module_cache: Some(modules),
            ..EngineConfig::default()
        },
    )?;
    let tests = problem.tests().len();

    println!(
        "## Judging a {tests}-test problem ({} integers per test, {workers} workers)\n",
        plan.numbers
    );
    println!(
        "| judge | program | compile cache | first verdict p50 | whole result p50 | submissions/s | tests/s |"
    );
    println!("|---|---|---|---:|---:|---:|---:|");
    let mut native_compiles = Vec::new();
    for (language, label, source, ext) in [
        ("cpp", "C++ (bits/stdc++.h, cin)", CPP_STDCXX, "cpp"),
        ("cpp", "C++ (cstdio, scanf)", CPP, "cpp"),
        ("python3", "Python", PYTHON, "py"),
    ] {
        let judge = |source: &str| -> Result<(Duration, Duration)> {
            let first = Mutex::new(None);
            let started = Instant::now();
            let submission = Submission {
                language: language.into(),
                source: source.as_bytes().to_vec(),
                files: Vec::new(),
            };
            let report =
                engine.judge(&problem, &submission, &JudgeOptions::default(), &|event| {
                    if let Event::Test(_) = event {
                        first
                            .lock()
                            .expect("lock")
                            .get_or_insert_with(|| started.elapsed());
                    }
                })?;
            ensure!(
                report.verdict == Verdict::Accepted,
                "{language}: {report:#?}"
            );
            let total = started.elapsed();
            let first = first.into_inner().expect("lock").unwrap_or(total);
            Ok((first, total))
        };
        // A fresh source each time: the compiler runs (for compiled languages).
        let nonce = std::process::id();
        let mut cold = Vec::new();
        for run in 0..plan.cold_runs {
            let marker = if language == "python3" { "#" } else { "//" };
            cold.push(judge(&format!("{source}{marker} {nonce}-{run}\n"))?);
        }
        judge(source)?; // fill the cache
        let mut warm = Vec::new();
        let warm_started = Instant::now();
        for _ in 0..plan.warm_runs {
            warm.push(judge(source)?);
        }
        let elapsed = warm_started.elapsed().as_secs_f64();
        let per_second = plan.warm_runs as f64 / elapsed;
        for (cache, runs, throughput) in [("miss", &cold, None), ("hit", &warm, Some(per_second))] {
            let first = Sample::new(runs.iter().map(|r| r.0).collect()).median();
            let total = Sample::new(runs.iter().map(|r| r.1).collect()).median();
            let (subs, tests_per_s) = match throughput {
                Some(rate) => (format!("{rate:.1}"), format!("{:.0}", rate * tests as f64)),
                None => ("".into(), "".into()),
            };
            println!(
                "| xcode | {label} | {cache} | {} | {} | {subs} | {tests_per_s} |",
                ms(first),
                ms(total)
            );
        }
        if ext == "cpp" {
            native_compiles.push((label, native_gxx(source, plan.cold_runs)));
        }
        if peer {
            match run_peer(problem_dir.path(), source, ext, language, plan.peer_repeat) {
                Ok(figures) => println!(
                    "| {} | {label} (native) | none (compiles every time) | {:.1} ms | {:.1} ms | {:.1} | {:.0} |",
                    figures.name,
                    figures.first_s * 1000.0,
                    figures.total_s * 1000.0,
                    1.0 / figures.total_s,
                    tests as f64 / figures.total_s
                ),
                Err(err) => println!("| dmoj | {label} | could not run: {err:#} | | | | |"),
            }
        }
    }
    println!(
        "\nNative `g++ -O2` of the same C++ programs, unjailed (median of {}):\n",
        plan.cold_runs
    );
    for (label, compile) in native_compiles {
        match compile {
            Ok(time) => println!("- {label}: {}", ms(time)),
            Err(err) => println!("- {label}: could not run g++: {err:#}"),
        }
    }
    Ok(())
}

/// `g++ -O2` of `source` to a native binary, the median of `runs` compiles.
fn native_gxx(source: &str, runs: usize) -> Result<Duration> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("main.cpp");
    std::fs::write(&path, source)?;
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let status = Command::new("g++")
            .args(["-O2", "-std=gnu++20", "-o"])
            .arg(dir.path().join("main"))
            .arg(&path)
            .status()
            .context("g++")?;
        ensure!(status.success(), "g++ failed");
        times.push(started.elapsed());
    }
    Ok(Sample::new(times).median())
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// Ten tests of `n` integers each, answers their sums: an ICPC/Kattis 2023-07 package.
fn write_problem(dir: &Path, n: u64) -> Result<()> {
    std::fs::write(
        dir.join("problem.yaml"),
        "problem_format_version: 2023-07-draft\nname: Sum\nuuid: 3f1f8c2e-9d1a-4b8e-a1f0-6a0b5f4d2c11\nlimits:\n  time_limit: 2\n  memory: 256\n",
    )?;
    std::fs::create_dir_all(dir.join("statement"))?;
    std::fs::write(
        dir.join("statement/problem.en.md"),
        "Print the sum of the numbers.\n",
    )?;
    let secret = dir.join("data/secret");
    std::fs::create_dir_all(&secret)?;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for test in 1..=10 {
        let mut input = format!("{n}\n");
        let mut sum: i64 = 0;
        for _ in 0..n {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let value = ((state >> 33) % 2_000_000_001) as i64 - 1_000_000_000;
            sum += value;
            input.push_str(&value.to_string());
            input.push(' ');
        }
        input.push('\n');
        std::fs::write(secret.join(format!("{test:02}.in")), input)?;
        std::fs::write(secret.join(format!("{test:02}.ans")), format!("{sum}\n"))?;
    }
    Ok(())
}

struct Peer {
    name: String,
    first_s: f64,
    total_s: f64,
}

/// DMOJ's judge on the same problem and program (`bench/peer/dmoj.sh`).
fn run_peer(
    problem: &Path,
    source: &str,
    ext: &str,
    language: &str,
    repeat: usize,
) -> Result<Peer> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peer/dmoj.sh");
    let dir = tempfile::tempdir()?;
    let file = dir.path().join(format!("main.{ext}"));
    std::fs::write(&file, source)?;
    let output = Command::new("bash")
        .arg(&script)
        .arg(problem)
        .arg(&file)
        .arg(language)
        .args(["--repeat", &repeat.to_string()])
        .output()
        .context("cannot start bench/peer/dmoj.sh")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or_default().to_owned();
        bail!("dmoj.sh exited with {}: {last}", output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().context("no output from dmoj.sh")?;
    let json: serde_json::Value = serde_json::from_str(line)?;
    let verdicts = json["verdicts"].as_array().context("no verdicts")?;
    ensure!(
        verdicts.iter().all(|v| v == "AC"),
        "DMOJ did not accept the program: {verdicts:?}"
    );
    Ok(Peer {
        name: json["peer"].as_str().unwrap_or("dmoj").to_owned(),
        first_s: json["first_verdict_s"]
            .as_f64()
            .context("no first_verdict_s")?,
        total_s: json["total_s"].as_f64().context("no total_s")?,
    })
}
