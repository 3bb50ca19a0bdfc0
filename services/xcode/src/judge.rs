//! `xcode judge` (one submission against a problem package) and `xcode problem` (verify a
//! package's example submissions, import a package into the native format).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde::Serialize;
use xcode_judge_engine::problem::Problem;
use xcode_judge_engine::verify::{Checked, TimeLimitSource};
use xcode_judge_engine::{Engine, EngineConfig, Event, JudgeOptions, Report, Submission, package};

#[derive(Debug, Args)]
pub struct JudgeArgs {
    /// The problem package: a native (`problem.toml`) or ICPC/Kattis (`problem.yaml`) directory.
    #[arg(long, value_name = "DIR")]
    problem: PathBuf,
    /// The submission's source file.
    #[arg(value_name = "SOURCE")]
    source: PathBuf,
    /// The source's language; guessed from the extension when absent.
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Run every test, even after the verdict is certain.
    #[arg(long)]
    all: bool,
    /// Override the problem's time limit (ms).
    #[arg(long, value_name = "MS")]
    time_limit: Option<u64>,
    /// Tests judged at once [default: the number of CPUs].
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ProblemArgs {
    #[command(subcommand)]
    command: ProblemCommand,
}

#[derive(Debug, Subcommand)]
enum ProblemCommand {
    /// Judge every submission under `submissions/` and list those whose verdict differs from
    /// their directory. Exit 1 on any mismatch.
    Verify {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// Use this time limit (ms) instead of the package's or a derived one.
        #[arg(long, value_name = "MS")]
        time_limit: Option<u64>,
        #[arg(long, value_name = "N")]
        workers: Option<usize>,
    },
    /// Convert a package (ICPC/Kattis or native) into the native format in OUT.
    Import {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        #[arg(value_name = "OUT")]
        out: PathBuf,
    },
    /// Print what the judge reads from a package: limits, validator, groups and tests.
    Show {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

fn engine(workers: Option<usize>) -> Result<Engine> {
    let toolchains = crate::toolchains::open(None)?;
    let mut config = EngineConfig {
        module_cache: crate::run::default_cache_dir(),
        ..EngineConfig::default()
    };
    if let Some(workers) = workers {
        if workers == 0 {
            bail!("--workers must be at least 1");
        }
        config.workers = workers;
    }
    Ok(Engine::new(toolchains, config)?)
}

fn load(dir: &Path) -> Result<Problem> {
    if !dir.is_dir() {
        bail!("{}: not a directory", dir.display());
    }
    package::load(dir).map_err(|err| anyhow::anyhow!("{}: {err}", dir.display()))
}

pub fn judge(args: JudgeArgs) -> Result<()> {
    let problem = load(&args.problem)?;
    let engine = engine(args.workers)?;
    let language = match &args.lang {
        Some(lang) => {
            engine.toolchains().language(lang)?;
            lang.clone()
        }
        None => engine.toolchains().detect(&args.source)?.to_owned(),
    };
    let source = std::fs::read(&args.source)
        .with_context(|| format!("cannot read {}", args.source.display()))?;
    let submission = Submission {
        language,
        source,
        files: Vec::new(),
    };
    let options = JudgeOptions {
        run_all: args.all,
        time_limit_ms: args.time_limit,
    };
    let table = !args.json;
    let printed = Mutex::new(false);
    let on_event = |event: Event| {
        if !table {
            return;
        }
        let mut out = std::io::stdout().lock();
        let mut header = printed.lock().unwrap_or_else(|e| e.into_inner());
        let _ = match event {
            Event::Compiled { ok: false, .. } | Event::Finished(_) | Event::Queued => Ok(()),
            Event::Compiling => Ok(()),
            Event::Compiled {
                output,
                cached,
                compile_ms,
                ..
            } => {
                if !output.trim().is_empty() {
                    eprintln!("{}", output.trim_end());
                }
                writeln!(
                    out,
                    "compiled{}",
                    if cached {
                        " (cached)".to_owned()
                    } else {
                        format!(" in {compile_ms} ms")
                    }
                )
            }
            Event::Test(test) => {
                if !*header {
                    *header = true;
                    let _ = writeln!(
                        out,
                        "{:<28} {:<18} {:<7} {:>9} {:>11}",
                        "test", "group", "verdict", "time", "memory"
                    );
                }
                let line = writeln!(
                    out,
                    "{:<28} {:<18} {:<7} {:>6} ms {:>7.1} MiB",
                    test.name,
                    test.group,
                    test.verdict.code(),
                    test.time_ms,
                    test.memory_bytes as f64 / (1024.0 * 1024.0)
                );
                if !test.message.is_empty() && test.verdict != xcode_judge_engine::Verdict::Accepted
                {
                    let first = test.message.lines().next().unwrap_or_default();
                    let _ = writeln!(out, "    {first}");
                }
                line
            }
        };
    };
    let report = engine.judge(&problem, &submission, &options, &on_event)?;
    if args.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &JudgeJson::of(&report))?;
        writeln!(out)?;
    } else {
        print_summary(&report)?;
    }
    Ok(())
}

fn print_summary(report: &Report) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if report.verdict == xcode_judge_engine::Verdict::CompileError {
        writeln!(out, "{}", report.compile_output.trim_end())?;
    }
    write!(
        out,
        "verdict: {} ({})",
        report.verdict.code(),
        report.verdict.name()
    )?;
    if let Some(score) = report.score {
        match report.max_score {
            Some(max) => write!(out, "  score: {score}/{max}")?,
            None => write!(out, "  score: {score}")?,
        }
    }
    writeln!(
        out,
        "  time limit: {} ms, slowest test: {} ms",
        report.time_limit_ms, report.max_time_ms
    )?;
    if !report.message.is_empty() {
        writeln!(out, "{}", report.message)?;
    }
    Ok(())
}

/// The `--json` shape of `xcode judge`.
#[derive(Serialize)]
struct JudgeJson<'a> {
    verdict: &'static str,
    score: Option<f64>,
    max_score: Option<f64>,
    compile_output: &'a str,
    time_limit_ms: u64,
    #[serde(skip_serializing_if = "str::is_empty")]
    message: &'a str,
    tests: Vec<TestJson<'a>>,
    groups: &'a [xcode_judge_engine::GroupResult],
}

#[derive(Serialize)]
struct TestJson<'a> {
    name: &'a str,
    group: &'a str,
    verdict: &'static str,
    time_ms: u64,
    memory_bytes: u64,
    fuel: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    #[serde(skip_serializing_if = "str::is_empty")]
    message: &'a str,
}

impl<'a> JudgeJson<'a> {
    fn of(report: &'a Report) -> Self {
        Self {
            verdict: report.verdict.code(),
            score: report.score,
            max_score: report.max_score,
            compile_output: &report.compile_output,
            time_limit_ms: report.time_limit_ms,
            message: &report.message,
            tests: report
                .tests
                .iter()
                .map(|test| TestJson {
                    name: &test.name,
                    group: &test.group,
                    verdict: test.verdict.code(),
                    time_ms: test.time_ms,
                    memory_bytes: test.memory_bytes,
                    fuel: test.fuel,
                    score: test.score,
                    message: &test.message,
                })
                .collect(),
            groups: &report.groups,
        }
    }
}

/// What `xcode problem` did: `Ok(true)` when everything matched.
pub fn problem(args: ProblemArgs) -> Result<bool> {
    match args.command {
        ProblemCommand::Verify {
            dir,
            json,
            time_limit,
            workers,
        } => verify(&dir, json, time_limit, workers),
        ProblemCommand::Import { dir, out } => {
            let problem = load(&dir)?;
            if out.exists()
                && std::fs::read_dir(&out)
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(true)
            {
                bail!("{}: already exists and is not empty", out.display());
            }
            package::write_native(&problem, &out)
                .map_err(|err| anyhow::anyhow!("{}: {err}", out.display()))?;
            let tests = problem.tests().len();
            println!(
                "imported {} ({} package, {tests} tests) into {}",
                problem.name,
                problem.format.as_str(),
                out.display()
            );
            for warning in &problem.warnings {
                eprintln!("warning: {warning}");
            }
            Ok(true)
        }
        ProblemCommand::Show { dir } => {
            let problem = load(&dir)?;
            println!("{problem:#?}");
            Ok(true)
        }
    }
}

fn verify(dir: &Path, json: bool, time_limit: Option<u64>, workers: Option<usize>) -> Result<bool> {
    let problem = load(dir)?;
    let engine = engine(workers)?;
    if !json {
        for warning in &problem.warnings {
            eprintln!("warning: {warning}");
        }
    }
    let mut progress = |checked: &Checked| {
        if json {
            return;
        }
        let mark = match checked.status {
            "ok" => "ok      ",
            "skipped" => "skipped ",
            _ => "MISMATCH",
        };
        println!(
            "{mark} {:<44} expected {:<20} got {}",
            checked.name, checked.expected, checked.got
        );
    };
    let verification =
        xcode_judge_engine::verify::verify(&engine, &problem, time_limit, &mut progress)?;
    let mismatches = verification.mismatches();
    if json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &verification)?;
        writeln!(out)?;
    } else {
        let source = match &verification.time_limit {
            TimeLimitSource::Explicit => "given".to_owned(),
            TimeLimitSource::Derived {
                slowest_accepted_ms,
            } => format!(
                "derived: slowest accepted {slowest_accepted_ms} ms x {}",
                problem.limits.ac_to_time_limit
            ),
            TimeLimitSource::Default => "default: no limit given, no accepted submission".into(),
        };
        let skipped = verification
            .submissions
            .iter()
            .filter(|checked| checked.status == "skipped")
            .count();
        println!(
            "{}: {} submissions, {mismatches} mismatched, {skipped} skipped; time limit {} ms ({source})",
            problem.name,
            verification.submissions.len(),
            verification.time_limit_ms
        );
    }
    Ok(mismatches == 0)
}
