//! `xcode run`: one module or one program in a supported language, one run, the outcome as
//! text or JSON. A program is compiled first (jailed, cached by source hash) when its language
//! needs it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;
use xcode_runtime::{
    DirAccess, Limits, Outcome, Preopen, RunSpec, Runtime, RuntimeConfig, Status, Stdin,
};
use xcode_toolchains::{Compiled, JailLimits, Prepared};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// What to run: a WebAssembly module (.wasm binary or .wat text), or a source file in a
    /// supported language (`xcode toolchains list`).
    #[arg(value_name = "MODULE|SOURCE")]
    module: PathBuf,
    /// Arguments for the guest, after `--`. A module's argv[0] is its file name; a program's
    /// argv starts as its language runs it (`python3 /src/main.py`).
    #[arg(last = true)]
    args: Vec<String>,
    /// The source's language (`cpp`, `python3`, ...); guessed from the extension when absent.
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,
    /// File the guest reads as stdin ("-" or absent: this process's stdin).
    #[arg(long, value_name = "FILE")]
    stdin: Option<PathBuf>,
    /// CPU budget in fuel units (about one per wasm instruction).
    #[arg(long, value_name = "N", default_value_t = Limits::default().fuel)]
    fuel: u64,
    /// Wall-clock limit in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    time_limit: u64,
    /// Linear memory limit in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    memory_limit: u64,
    /// Wasm stack limit in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    stack_limit: usize,
    /// Limit for each of stdout and stderr, in KiB.
    #[arg(long, value_name = "KIB", default_value_t = 64 * 1024)]
    output_limit: usize,
    /// Give the guest a host directory: HOST[:GUEST][:ro|rw], read-only unless `rw`.
    #[arg(long = "dir", value_name = "HOST[:GUEST][:ro|rw]", value_parser = parse_dir)]
    dirs: Vec<Preopen>,
    /// Set an environment variable for the guest (it inherits none).
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// Fixed clocks and seeded randomness: same module and input, same fuel and output.
    #[arg(long)]
    deterministic: bool,
    /// Print exactly one JSON object describing the run on stdout.
    #[arg(long)]
    json: bool,
    /// Where compiled modules are cached [default: $XCODE_CACHE_DIR, else $XCODE_HOME/modules, else ~/.cache/xcode/modules].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Compile in memory; neither read nor write the module cache.
    #[arg(long, conflicts_with = "cache_dir")]
    no_cache: bool,
}

pub fn run(args: RunArgs) -> Result<()> {
    let limits = Limits {
        fuel: args.fuel,
        wall_time: Duration::from_millis(args.time_limit),
        memory_bytes: mib(args.memory_limit, "--memory-limit")?,
        table_elements: Limits::default().table_elements,
        stdout_bytes: kib(args.output_limit)?,
        stderr_bytes: kib(args.output_limit)?,
    };
    if args.time_limit == 0 {
        bail!("--time-limit must be at least 1 ms");
    }
    if args.stack_limit == 0 {
        bail!("--stack-limit must be at least 1 MiB");
    }
    let config = RuntimeConfig {
        cache_dir: if args.no_cache {
            None
        } else {
            args.cache_dir.clone().or_else(default_cache_dir)
        },
        // One run per process: no pool of slots to share.
        max_concurrent_runs: 1,
        max_stack_bytes: usize::try_from(mib(args.stack_limit as u64, "--stack-limit")?)?,
        // Pool slots as large as any limit: a module that starts above `--memory-limit`
        // still loads, and its run ends as memory exceeded.
        max_memory_bytes: RuntimeConfig::default().max_memory_bytes,
        ..RuntimeConfig::default()
    };
    let runtime = Runtime::new(config)?;

    let is_module = matches!(
        args.module.extension().and_then(|ext| ext.to_str()),
        Some("wasm" | "wat")
    );
    let mut compile = None;
    let (module, argv, env, preopens) = if args.lang.is_none() && is_module {
        let argv0 = args.module.file_name().map_or_else(
            || args.module.display().to_string(),
            |name| name.to_string_lossy().into(),
        );
        let module = runtime.load_file(&args.module)?;
        (
            module,
            std::iter::once(argv0).chain(args.args).collect(),
            args.env,
            args.dirs,
        )
    } else {
        let toolchains = crate::toolchains::open(None)?;
        let lang = match &args.lang {
            Some(lang) => lang.clone(),
            None => toolchains.detect(&args.module)?.to_owned(),
        };
        let source = std::fs::read(&args.module)
            .with_context(|| format!("cannot read {}", args.module.display()))?;
        let (program, compiled) =
            match toolchains.prepare(&lang, &source, &JailLimits::default())? {
                Prepared::CompileError(compiled) => {
                    return report_compile_error(&compiled, args.json);
                }
                Prepared::Ready { program, compile } => (program, compile),
            };
        compile = compiled;
        let module = runtime.load_file(&program.module)?;
        let mut preopens: Vec<Preopen> = program
            .preopens()
            .into_iter()
            .map(|(host, guest)| Preopen {
                host,
                guest,
                access: DirAccess::ReadOnly,
            })
            .collect();
        preopens.extend(args.dirs);
        let argv = program.args.into_iter().chain(args.args).collect();
        let env = program.env.into_iter().chain(args.env).collect();
        (module, argv, env, preopens)
    };

    let stdin = match &args.stdin {
        None => Stdin::Host,
        Some(path) if path == Path::new("-") => Stdin::Host,
        Some(path) => std::fs::read(path)
            .with_context(|| format!("cannot read --stdin {}", path.display()))?
            .into(),
    };
    let spec = RunSpec {
        args: argv,
        env,
        stdin,
        preopens,
        limits,
        deterministic: args.deterministic.then_some(0),
        ..RunSpec::default()
    };
    let outcome = runtime.run(&module, spec)?;
    if args.json {
        let mut stdout = std::io::stdout().lock();
        serde_json::to_writer(&mut stdout, &Report::of(&outcome, compile.as_ref()))?;
        writeln!(stdout)?;
    } else {
        if let Some(compiled) = &compile
            && !compiled.output.is_empty()
        {
            eprint!("{}", with_newline(&compiled.output));
        }
        std::io::stdout().write_all(&outcome.stdout)?;
        std::io::stdout().flush()?;
        let mut stderr = std::io::stderr().lock();
        stderr.write_all(&outcome.stderr)?;
        // The summary gets a line of its own even when the guest's last line is unfinished.
        if outcome.stderr.last().is_some_and(|&byte| byte != b'\n') {
            writeln!(stderr)?;
        }
        writeln!(stderr, "{}", summary(&outcome))?;
    }
    Ok(())
}

/// A program that did not compile: the compiler's message, as JSON or on stderr.
fn report_compile_error(compiled: &Compiled, json: bool) -> Result<()> {
    if json {
        let report = Report {
            status: "compile_error",
            exit_code: None,
            trap: None,
            fuel: 0,
            wall_ms: 0.0,
            memory_bytes: 0,
            stdout: String::new(),
            stderr: String::new(),
            stdout_truncated: false,
            stderr_truncated: false,
            compile_output: Some(&compiled.output),
            compile_ms: Some(millis(compiled.elapsed)),
            compile_cached: Some(compiled.cached),
        };
        let mut stdout = std::io::stdout().lock();
        serde_json::to_writer(&mut stdout, &report)?;
        writeln!(stdout)?;
    } else {
        eprint!("{}", with_newline(&compiled.output));
        eprintln!(
            "xcode: compile error | compile {:.3} s",
            compiled.elapsed.as_secs_f64()
        );
    }
    Ok(())
}

fn with_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

/// The JSON form of an outcome; field names are part of the CLI's contract.
#[derive(Debug, Serialize)]
struct Report<'a> {
    status: &'static str,
    exit_code: Option<i32>,
    trap: Option<TrapReport<'a>>,
    fuel: u64,
    wall_ms: f64,
    memory_bytes: u64,
    stdout: String,
    stderr: String,
    stdout_truncated: bool,
    stderr_truncated: bool,
    /// Programs in a compiled language only: the compiler's messages, its time, and whether
    /// the compiled module came from the cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    compile_output: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compile_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compile_cached: Option<bool>,
}

#[derive(Debug, Serialize)]
struct TrapReport<'a> {
    kind: &'static str,
    message: &'a str,
}

impl<'a> Report<'a> {
    fn of(outcome: &'a Outcome, compile: Option<&'a Compiled>) -> Self {
        let trap = match &outcome.status {
            Status::Trap { kind, message } => Some(TrapReport {
                kind: kind.as_str(),
                message,
            }),
            _ => None,
        };
        Self {
            status: outcome.status.as_str(),
            exit_code: outcome.status.exit_code(),
            trap,
            fuel: outcome.fuel_consumed,
            wall_ms: millis(outcome.wall_time),
            memory_bytes: outcome.peak_memory_bytes,
            stdout: String::from_utf8_lossy(&outcome.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&outcome.stderr).into_owned(),
            stdout_truncated: outcome.stdout_truncated,
            stderr_truncated: outcome.stderr_truncated,
            compile_output: compile.map(|compiled| compiled.output.as_str()),
            compile_ms: compile.map(|compiled| millis(compiled.elapsed)),
            compile_cached: compile.map(|compiled| compiled.cached),
        }
    }
}

/// One line for humans: how it ended and what it cost.
fn summary(outcome: &Outcome) -> String {
    let mut line = format!(
        "xcode: {} | fuel {} | wall {:.3} ms | memory {}",
        outcome.status,
        outcome.fuel_consumed,
        outcome.wall_time.as_secs_f64() * 1e3,
        human_bytes(outcome.peak_memory_bytes),
    );
    for (name, truncated, kept) in [
        ("stdout", outcome.stdout_truncated, outcome.stdout.len()),
        ("stderr", outcome.stderr_truncated, outcome.stderr.len()),
    ] {
        if truncated {
            line.push_str(&format!(
                " | {name} truncated at {}",
                human_bytes(kept as u64)
            ));
        }
    }
    line
}

pub fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / f64::from(1 << 10)),
        b => format!("{b} B"),
    }
}

fn mib(value: u64, flag: &str) -> Result<u64> {
    value
        .checked_mul(1 << 20)
        .filter(|bytes| *bytes > 0 && *bytes <= 4 << 30)
        .with_context(|| format!("{flag} must be between 1 and 4096 MiB"))
}

fn kib(value: usize) -> Result<usize> {
    value
        .checked_mul(1 << 10)
        .context("--output-limit is too large")
}

/// `$XCODE_CACHE_DIR`, else `modules` under the toolchains' home.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XCODE_CACHE_DIR") {
        return Some(dir.into());
    }
    Some(xcode_toolchains::Toolchains::default_home()?.join("modules"))
}

fn parse_dir(value: &str) -> Result<Preopen, String> {
    let mut parts: Vec<&str> = value.split(':').collect();
    let access = match parts.last() {
        Some(&"ro") => Some(DirAccess::ReadOnly),
        Some(&"rw") => Some(DirAccess::ReadWrite),
        _ => None,
    };
    if access.is_some() {
        parts.pop();
    }
    let (host, guest) = match parts.as_slice() {
        [host] if !host.is_empty() => (*host, *host),
        [host, guest] if !host.is_empty() && !guest.is_empty() => (*host, *guest),
        _ => return Err("expected HOST[:GUEST][:ro|rw]".into()),
    };
    Ok(Preopen {
        host: host.into(),
        guest: guest.into(),
        access: access.unwrap_or_default(),
    })
}

fn parse_env(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.into(), value.into())),
        _ => Err("expected KEY=VALUE".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_forms() {
        let dir = |s| parse_dir(s).map(|p| (p.host, p.guest, p.access));
        assert_eq!(
            dir("data"),
            Ok(("data".into(), "data".into(), DirAccess::ReadOnly))
        );
        assert_eq!(
            dir("data:rw"),
            Ok(("data".into(), "data".into(), DirAccess::ReadWrite))
        );
        assert_eq!(
            dir("data:/in"),
            Ok(("data".into(), "/in".into(), DirAccess::ReadOnly))
        );
        assert_eq!(
            dir("/tmp/x:/out:rw"),
            Ok(("/tmp/x".into(), "/out".into(), DirAccess::ReadWrite))
        );
        assert!(dir("").is_err());
        assert!(dir("a:b:c").is_err());
        assert!(dir(":ro").is_err());
    }

    #[test]
    fn env_forms() {
        assert_eq!(parse_env("A=1=2"), Ok(("A".into(), "1=2".into())));
        assert_eq!(parse_env("A="), Ok(("A".into(), String::new())));
        assert!(parse_env("=1").is_err());
        assert!(parse_env("A").is_err());
    }

    #[test]
    fn limits_in_range() {
        assert!(mib(0, "--memory-limit").is_err());
        assert_eq!(mib(1, "--memory-limit").ok(), Some(1 << 20));
        assert!(mib(4097, "--memory-limit").is_err());
    }
}
