//! The judge: compile once, run every test (in parallel), check, aggregate, report as it goes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use xcode_runtime::{Limits, Module, Outcome, Runtime, RuntimeConfig, Status};
use xcode_toolchains::{JailLimits, Prepared, Toolchains};

use crate::aggregate::{self, Mark, Plan};
use crate::calibration::Calibration;
use crate::check::{self, Check, ValidatorRun};
use crate::interactive;
use crate::problem::{Interface, Problem, Program, TestCase, Validator};
use crate::verdict::{Event, Report, TestResult, Verdict};

/// The time limit of a package that gives none, until `xcode problem verify` derives one.
pub const DEFAULT_TIME_LIMIT_MS: u64 = 2000;

/// The wall-clock safety net of a test: `factor x time limit + slack`. Fuel decides; this only
/// stops a program that waits (for input that never comes) or a host far slower than
/// calibrated. Generous: a program spending all its fuel takes a few times its time limit in
/// the sandbox (the rates are per native millisecond; a tight C loop runs ~1e9 fuel/s metered),
/// and twice that on a saturated machine, and it must still end by fuel, deterministically.
pub const WALL_FACTOR: u64 = 20;
pub const WALL_SLACK: Duration = Duration::from_secs(3);
/// The slowest the sandbox burns fuel, in fuel per wall millisecond (1 G/s; the slowest
/// language measured runs ~1.7 G/s, bench/README.md). A language whose rate buys more fuel
/// per limit millisecond than `WALL_FACTOR` wall milliseconds burn at this speed (Java's
/// interpreted JVM, JavaScript) gets the wall time that fuel needs, so that it still ends by
/// fuel.
pub const WALL_MIN_FUEL_PER_MS: u64 = 1_000_000;

/// The wall-clock safety net of a run with `fuel` for a time limit of `ms`.
pub fn wall_for(fuel: u64, ms: u64) -> Duration {
    let by_limit = ms.saturating_mul(WALL_FACTOR);
    let by_fuel = fuel / WALL_MIN_FUEL_PER_MS;
    Duration::from_millis(by_limit.max(by_fuel)) + WALL_SLACK
}

/// Largest linear memory any run may have: wasm32's 4 GiB.
pub(crate) const MAX_MEMORY_BYTES: u64 = 4 << 30;

/// Added to a problem's memory limit for linear memory: compiled languages put a 64 MiB stack
/// at the bottom of it (`-z stack-size`). Those are then judged on what they used, the stack
/// they never reached left out; interpreters keep it as slack (`failure`).
pub const STACK_ALLOWANCE_BYTES: u64 = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Toolchains(#[from] xcode_toolchains::Error),
    #[error(transparent)]
    Runtime(#[from] xcode_runtime::Error),
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How the engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Tests run at once (each interactive test takes two runs).
    pub workers: usize,
    /// Precompiled modules across processes (`None`: in memory only).
    pub module_cache: Option<PathBuf>,
    pub calibration: Calibration,
    /// Wasm stack per run.
    pub max_stack_bytes: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            workers: std::thread::available_parallelism().map_or(2, usize::from),
            module_cache: None,
            calibration: Calibration::builtin(),
            max_stack_bytes: 256 << 20,
        }
    }
}

/// A submission to judge.
#[derive(Debug, Clone)]
pub struct Submission {
    /// A language id (`xcode toolchains list`).
    pub language: String,
    pub source: Vec<u8>,
    /// More files beside the main source (a several-file submission).
    pub files: Vec<(String, Vec<u8>)>,
}

/// How to judge.
#[derive(Debug, Clone, Default)]
pub struct JudgeOptions {
    /// Run every test, even after a failure made the verdict certain.
    pub run_all: bool,
    /// Overrides the problem's time limit (ms).
    pub time_limit_ms: Option<u64>,
}

/// A compiled program ready to run.
#[derive(Debug, Clone)]
pub(crate) struct Runnable {
    pub module: Module,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Directories preopened read-only (host, guest): `/src` and the toolchain's own.
    pub dirs: Vec<(PathBuf, String)>,
    /// For the fuel rate; `None` for a precompiled `.wasm`.
    pub language: Option<String>,
}

/// A problem's validator, compiled once.
#[derive(Debug)]
pub(crate) struct PreparedValidator {
    pub runnable: Runnable,
    pub interface: Interface,
    pub flags: Vec<String>,
}

/// Turns problems and submissions into verdicts. One per process; `Sync`.
#[derive(Debug)]
pub struct Engine {
    runtime: Runtime,
    toolchains: Toolchains,
    calibration: Calibration,
    workers: usize,
    validators: Mutex<HashMap<PathBuf, Arc<Result<PreparedValidator, String>>>>,
    /// Loaded modules by path: an interpreter's module (tens of MiB) is loaded once, not once
    /// per submission. Bounded by [`LOADED_MODULES`].
    modules: Mutex<HashMap<PathBuf, Module>>,
}

/// Modules kept loaded; past it the map starts again (compiled submissions are one-offs).
const LOADED_MODULES: usize = 64;

impl Engine {
    pub fn new(toolchains: Toolchains, config: EngineConfig) -> Result<Self> {
        let workers = config.workers.max(1);
        let runtime = Runtime::new(RuntimeConfig {
            cache_dir: config.module_cache.clone(),
            // Two runs per interactive test, and a validator per test besides.
            max_concurrent_runs: u32::try_from(workers * 2 + 2).unwrap_or(u32::MAX),
            max_stack_bytes: config.max_stack_bytes,
            max_memory_bytes: MAX_MEMORY_BYTES,
            ..RuntimeConfig::default()
        })?;
        Ok(Self {
            runtime,
            toolchains,
            calibration: config.calibration,
            workers,
            validators: Mutex::new(HashMap::new()),
            modules: Mutex::new(HashMap::new()),
        })
    }

    pub fn toolchains(&self) -> &Toolchains {
        &self.toolchains
    }

    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    pub(crate) fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Loads a module file, or returns it loaded already.
    pub(crate) fn load_module(&self, path: &Path) -> Result<Module> {
        Ok(self.load(path)?)
    }

    /// Loads a module file, or returns it loaded already.
    fn load(&self, path: &Path) -> xcode_runtime::Result<Module> {
        if let Some(module) = lock(&self.modules).get(path) {
            return Ok(module.clone());
        }
        let module = self.runtime.load_file(path)?;
        let mut modules = lock(&self.modules);
        if modules.len() >= LOADED_MODULES {
            modules.clear();
        }
        modules.insert(path.to_owned(), module.clone());
        Ok(module)
    }

    /// Judges `submission` on `problem`, calling `events` as it goes (from worker threads,
    /// in order). `Err` only for the host (a missing toolchain, an unreadable package);
    /// everything the submission or the problem's validator does is in the report.
    pub fn judge(
        &self,
        problem: &Problem,
        submission: &Submission,
        options: &JudgeOptions,
        events: &(dyn Fn(Event) + Sync),
    ) -> Result<Report> {
        events(Event::Queued);
        let time_limit_ms = options
            .time_limit_ms
            .or(problem.limits.time_limit_ms)
            .unwrap_or(DEFAULT_TIME_LIMIT_MS)
            .max(1);
        let mut report = Report {
            verdict: Verdict::InternalError,
            score: None,
            max_score: None,
            compile_output: String::new(),
            tests: Vec::new(),
            groups: Vec::new(),
            time_limit_ms,
            max_time_ms: 0,
            message: String::new(),
        };

        // The validator first: a broken one is the judge's fault, whatever was submitted.
        let prepared_validator = match &problem.validator {
            Validator::Default { .. } => None,
            Validator::Custom(_) => Some(self.validator(problem)?),
        };
        let validator = match prepared_validator.as_deref() {
            None => None,
            Some(Ok(prepared)) => Some(prepared),
            Some(Err(message)) => {
                report.message = message.clone();
                events(Event::Finished(report.clone()));
                return Ok(report);
            }
        };
        if problem.interactive && validator.is_none() {
            report.message = "an interactive problem needs a custom validator".into();
            events(Event::Finished(report.clone()));
            return Ok(report);
        }

        events(Event::Compiling);
        let started = Instant::now();
        let files = with_included(problem, submission)?;
        let jail = JailLimits {
            wall_time: Duration::from_millis(problem.limits.compilation_time_ms.max(1000)),
            ..JailLimits::default()
        };
        let prepared = self.toolchains.prepare_files(
            &submission.language,
            &submission.source,
            &files,
            &jail,
        )?;
        let (program, compiled) = match prepared {
            Prepared::CompileError(compiled) => {
                events(Event::Compiled {
                    ok: false,
                    output: compiled.output.clone(),
                    cached: compiled.cached,
                    compile_ms: millis(started.elapsed()),
                });
                report.verdict = Verdict::CompileError;
                report.compile_output = compiled.output;
                events(Event::Finished(report.clone()));
                return Ok(report);
            }
            Prepared::Ready { program, compile } => (program, compile),
        };
        let module = match self.load(&program.module) {
            Ok(module) => module,
            Err(err) => {
                report.message = format!("cannot load the compiled program: {err}");
                events(Event::Finished(report.clone()));
                return Ok(report);
            }
        };
        report.compile_output = compiled
            .as_ref()
            .map(|compiled| compiled.output.clone())
            .unwrap_or_default();
        events(Event::Compiled {
            ok: true,
            output: report.compile_output.clone(),
            cached: compiled.as_ref().is_none_or(|compiled| compiled.cached),
            compile_ms: millis(started.elapsed()),
        });
        let submission = Runnable {
            module,
            dirs: program.preopens(),
            args: program.args,
            env: program.env,
            language: Some(submission.language.clone()),
        };

        let context = Context {
            engine: self,
            problem,
            submission: &submission,
            validator,
            limits: self.submission_limits(problem, submission.language.as_deref(), time_limit_ms),
            time_limit_ms,
        };
        let tests = problem.tests();
        let plan = Plan::new(problem);
        let results = self.run_tests(&context, &tests, &plan, options.run_all, events);

        let marks: Vec<Option<Mark>> = results
            .iter()
            .map(|result| {
                result.as_ref().map(|result| Mark {
                    verdict: result.verdict,
                    score: result.score,
                })
            })
            .collect();
        let mut groups = Vec::new();
        let root =
            aggregate::aggregate(problem.scoring, &problem.data, &marks, &mut 0, &mut groups);
        let (score, max_score) = aggregate::submission_score(problem, &groups, root);
        report.verdict = root.verdict;
        report.score = score;
        report.max_score = max_score;
        report.tests = results.into_iter().flatten().collect();
        report.max_time_ms = report.tests.iter().map(|t| t.time_ms).max().unwrap_or(0);
        report.groups = groups;
        if report.verdict == Verdict::InternalError && report.message.is_empty() {
            report.message = report
                .tests
                .iter()
                .find(|test| test.verdict == Verdict::InternalError)
                .map(|test| format!("{}: {}", test.name, test.message))
                .unwrap_or_default();
        }
        events(Event::Finished(report.clone()));
        Ok(report)
    }

    /// Runs the tests on `workers` threads. A test that a failure before it makes pointless is
    /// not started, and its result is dropped if it already ran: the report and the events
    /// depend only on the tests' own (deterministic) results, not on which thread was faster.
    fn run_tests(
        &self,
        context: &Context<'_>,
        tests: &[&TestCase],
        plan: &Plan<'_>,
        run_all: bool,
        events: &(dyn Fn(Event) + Sync),
    ) -> Vec<Option<TestResult>> {
        let next = AtomicUsize::new(0);
        let state = Mutex::new(Progress {
            results: (0..tests.len()).map(|_| None).collect(),
            failed: Vec::new(),
            emitted: 0,
        });
        let skipped = |failed: &[usize], index: usize| {
            !run_all && failed.iter().any(|&f| f < index && plan.skips(f, index))
        };
        std::thread::scope(|scope| {
            for _ in 0..self.workers.min(tests.len().max(1)) {
                scope.spawn(|| {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= tests.len() {
                            break;
                        }
                        if skipped(&lock(&state).failed, index) {
                            lock(&state).results[index] = Some(Slot::Skipped);
                            continue;
                        }
                        let slot = &plan.slots[index];
                        let parent = &plan.groups[slot.parent].rules;
                        let result = context.run_test(index, tests[index], &slot.group, parent);
                        let mut progress = lock(&state);
                        if result.verdict != Verdict::Accepted {
                            progress.failed.push(index);
                        }
                        progress.results[index] = Some(Slot::Done(result));
                        // Emit, in order, every result now final.
                        while progress.emitted < tests.len() {
                            let at = progress.emitted;
                            match &progress.results[at] {
                                None => break,
                                Some(Slot::Skipped) => {}
                                Some(Slot::Done(result)) => {
                                    let failed_before: Vec<usize> = progress
                                        .failed
                                        .iter()
                                        .copied()
                                        .filter(|&f| f < at)
                                        .collect();
                                    if !skipped(&failed_before, at) {
                                        events(Event::Test(result.clone()));
                                    }
                                }
                            }
                            progress.emitted += 1;
                        }
                    }
                });
            }
        });
        let progress = state.into_inner().unwrap_or_else(|e| e.into_inner());
        let failed = progress.failed;
        progress
            .results
            .into_iter()
            .enumerate()
            .map(|(index, slot)| match slot {
                Some(Slot::Done(result)) if !skipped(&failed, index) => Some(result),
                _ => None,
            })
            .collect()
    }

    fn submission_limits(
        &self,
        problem: &Problem,
        language: Option<&str>,
        time_limit_ms: u64,
    ) -> Limits {
        let fuel = self.calibration.fuel_for(language, time_limit_ms);
        Limits {
            fuel,
            wall_time: wall_for(fuel, time_limit_ms),
            memory_bytes: (problem.limits.memory_bytes + STACK_ALLOWANCE_BYTES)
                .min(MAX_MEMORY_BYTES),
            stdout_bytes: usize::try_from(problem.limits.output_bytes).unwrap_or(usize::MAX),
            // stderr is for debugging; it must not be a way around the output limit.
            stderr_bytes: usize::try_from(problem.limits.output_bytes).unwrap_or(usize::MAX),
            ..Limits::default()
        }
    }

    /// Compiles the problem's custom validator (kept for judging); why it cannot be used.
    pub fn check_validator(&self, problem: &Problem) -> Result<Result<(), String>> {
        if matches!(problem.validator, Validator::Default { .. }) {
            return Ok(Ok(()));
        }
        Ok(match self.validator(problem)?.as_ref() {
            Ok(_) => Ok(()),
            Err(message) => Err(message.clone()),
        })
    }

    /// The problem's validator, compiled once per process and package.
    fn validator(&self, problem: &Problem) -> Result<Arc<Result<PreparedValidator, String>>> {
        let key = problem.dir.clone();
        if let Some(found) = lock(&self.validators).get(&key) {
            return Ok(found.clone());
        }
        let prepared = Arc::new(self.prepare_validator(problem)?);
        lock(&self.validators).insert(key, prepared.clone());
        Ok(prepared)
    }

    fn prepare_validator(&self, problem: &Problem) -> Result<Result<PreparedValidator, String>> {
        let Validator::Custom(custom) = &problem.validator else {
            return Ok(Err("no custom validator".into()));
        };
        let runnable = match &custom.program {
            Program::Wasm { module } => {
                let name = module
                    .file_name()
                    .map_or_else(|| "validator".into(), |n| n.to_string_lossy().into_owned());
                match self.load(module) {
                    Ok(loaded) => Runnable {
                        module: loaded,
                        args: vec![name],
                        env: Vec::new(),
                        dirs: Vec::new(),
                        language: None,
                    },
                    Err(err) => {
                        return Ok(Err(format!("validator {}: {err}", custom.origin)));
                    }
                }
            }
            Program::Source {
                language,
                main,
                files,
            } => {
                let source = read(main)?;
                let mut extra = Vec::new();
                for (name, path) in files {
                    extra.push((name.clone(), read(path)?));
                }
                let jail = JailLimits {
                    wall_time: Duration::from_millis(problem.limits.compilation_time_ms.max(1000)),
                    ..JailLimits::default()
                };
                match self
                    .toolchains
                    .prepare_files(language, &source, &extra, &jail)?
                {
                    Prepared::CompileError(compiled) => {
                        return Ok(Err(format!(
                            "the validator {} does not compile: {}",
                            custom.origin, compiled.output
                        )));
                    }
                    Prepared::Ready { program, .. } => {
                        let module = match self.load(&program.module) {
                            Ok(module) => module,
                            Err(err) => {
                                return Ok(Err(format!("validator {}: {err}", custom.origin)));
                            }
                        };
                        Runnable {
                            module,
                            dirs: program.preopens(),
                            args: program.args,
                            env: program.env,
                            language: Some(language.clone()),
                        }
                    }
                }
            }
        };
        Ok(Ok(PreparedValidator {
            runnable,
            interface: custom.interface,
            flags: custom.flags.clone(),
        }))
    }

    /// Limits of a validator run: the problem's validation limits, as fuel at the validator's
    /// language rate, with the same wall-clock safety net as submissions.
    pub(crate) fn validator_limits(&self, problem: &Problem, language: Option<&str>) -> Limits {
        let ms = problem.limits.validation_time_ms.max(1);
        let fuel = self.calibration.fuel_for(language, ms);
        check::validator_limits(
            fuel,
            wall_for(fuel, ms),
            (problem.limits.validation_memory_bytes + STACK_ALLOWANCE_BYTES).min(MAX_MEMORY_BYTES),
            problem.limits.validation_output_bytes,
        )
    }
}

enum Slot {
    Skipped,
    Done(TestResult),
}

struct Progress {
    results: Vec<Option<Slot>>,
    failed: Vec<usize>,
    emitted: usize,
}

/// One judging's fixed parts.
pub(crate) struct Context<'a> {
    pub engine: &'a Engine,
    pub problem: &'a Problem,
    pub submission: &'a Runnable,
    pub validator: Option<&'a PreparedValidator>,
    pub limits: Limits,
    pub time_limit_ms: u64,
}

impl Context<'_> {
    fn run_test(
        &self,
        index: usize,
        test: &TestCase,
        group: &str,
        parent: &crate::problem::GroupRules,
    ) -> TestResult {
        let started = Instant::now();
        let (verdict, outcome, message, said) = if self.problem.interactive {
            interactive::run(self, test)
        } else {
            self.run_plain(test)
        };
        let language = self.submission.language.as_deref();
        let fuel = outcome.as_ref().map_or(0, |outcome| outcome.fuel_consumed);
        let time_ms = if verdict == Verdict::TimeLimitExceeded {
            self.time_limit_ms
                .max(self.engine.calibration.ms_for(language, fuel))
        } else {
            self.engine.calibration.ms_for(language, fuel)
        };
        TestResult {
            index,
            name: test.name.clone(),
            group: group.to_owned(),
            verdict,
            time_ms,
            memory_bytes: outcome.as_ref().map_or(0, |o| o.peak_memory_bytes),
            fuel,
            wall_ms: started.elapsed().as_secs_f64() * 1000.0,
            score: aggregate::test_score(
                self.problem.scoring,
                parent,
                test.max_score,
                verdict,
                said,
            ),
            message,
            sample: test.sample,
        }
    }

    /// A non-interactive test: run, then check the output.
    fn run_plain(
        &self,
        test: &TestCase,
    ) -> (Verdict, Option<Outcome>, String, Option<check::Score>) {
        let input = match std::fs::read(&test.input) {
            Ok(input) => input,
            Err(err) => {
                return (
                    Verdict::InternalError,
                    None,
                    format!("cannot read {}: {err}", test.input.display()),
                    None,
                );
            }
        };
        let mut spec = check::base_spec(self.submission)
            .stdin(Bytes::from(input))
            .limits(self.limits.clone())
            .deterministic(0);
        spec.args.extend(test.args.iter().cloned());
        let outcome = match self.engine.runtime.run(&self.submission.module, spec) {
            Ok(outcome) => outcome,
            Err(err) => {
                return (
                    Verdict::InternalError,
                    None,
                    format!("sandbox: {err}"),
                    None,
                );
            }
        };
        if let Some((verdict, message)) = failure(&outcome, self.problem.limits.memory_bytes) {
            return (verdict, Some(outcome), message, None);
        }
        let checked = self.check(test, &outcome.stdout);
        let (verdict, message, said) = match checked {
            Check::Accepted { score, message } => (Verdict::Accepted, message, score),
            Check::Wrong { message } => (Verdict::WrongAnswer, message, None),
            Check::Broken { message } => (Verdict::InternalError, message, None),
        };
        (verdict, Some(outcome), message, said)
    }

    /// Checks one output with the default validator or the problem's own.
    fn check(&self, test: &TestCase, output: &[u8]) -> Check {
        let Some(validator) = self.validator else {
            let mut flags = match &self.problem.validator {
                Validator::Default { flags } => flags.clone(),
                Validator::Custom(custom) => custom.flags.clone(),
            };
            flags.extend(test.validator_flags.iter().cloned());
            return check::default_check(test, &flags, output);
        };
        let scratch = match tempfile::Builder::new().prefix("xcode-check.").tempdir() {
            Ok(dir) => dir,
            Err(err) => {
                return Check::Broken {
                    message: format!("cannot create a feedback directory: {err}"),
                };
            }
        };
        if validator.interface == Interface::Testlib
            && let Err(err) = std::fs::write(scratch.path().join("output"), output)
        {
            return Check::Broken {
                message: format!("cannot write the output for the checker: {err}"),
            };
        }
        let run = self.validator_run(validator, test);
        let spec = match check::validator_spec(&run, test, scratch.path()) {
            Ok(spec) => spec,
            Err(err) => {
                return Check::Broken {
                    message: err.to_string(),
                };
            }
        };
        let spec = match validator.interface {
            Interface::Kattis => spec.stdin(Bytes::copy_from_slice(output)),
            Interface::Testlib => spec,
        };
        match self.engine.runtime.run(&validator.runnable.module, spec) {
            Ok(outcome) => check::interpret(validator.interface, &outcome, scratch.path()),
            Err(err) => Check::Broken {
                message: format!("sandbox: {err}"),
            },
        }
    }

    pub(crate) fn validator_run<'v>(
        &self,
        validator: &'v PreparedValidator,
        test: &TestCase,
    ) -> ValidatorRun<'v> {
        let mut flags = validator.flags.clone();
        flags.extend(test.validator_flags.iter().cloned());
        ValidatorRun {
            runnable: &validator.runnable,
            interface: validator.interface,
            flags,
            limits: self
                .engine
                .validator_limits(self.problem, validator.runnable.language.as_deref()),
        }
    }
}

/// The verdict of a submission's run that did not end well, if it did not. `memory_limit` is
/// the problem's: a run may grow its linear memory past it by the stack allowance. A program
/// with a stack-first stack (C, C++, Rust, Zig) is then judged on what it used
/// (`Outcome::peak_memory_bytes`, which leaves out the stack it never reached), as a native
/// judge judges a process's resident memory. Interpreters and Go keep the allowance as slack
/// for their runtime's baseline (a snapshotted CPython starts at ~40 MiB, a native one at ~10).
pub(crate) fn failure(outcome: &Outcome, memory_limit: u64) -> Option<(Verdict, String)> {
    if matches!(outcome.status, Status::Exited(_) | Status::Trap { .. })
        && outcome.stack_first_bytes.is_some()
        && outcome.peak_memory_bytes > memory_limit
    {
        return Some((
            Verdict::MemoryLimitExceeded,
            format!(
                "used {} MiB of memory; the limit is {} MiB",
                outcome.peak_memory_bytes.div_ceil(1 << 20),
                memory_limit >> 20
            ),
        ));
    }
    Some(match &outcome.status {
        Status::Exited(0) => return None,
        Status::Exited(code) => (
            Verdict::RuntimeError,
            with_stderr(format!("exit code {code}"), outcome),
        ),
        Status::FuelExhausted => (Verdict::TimeLimitExceeded, String::new()),
        Status::WallTimeExceeded => (
            Verdict::TimeLimitExceeded,
            "wall-clock limit (the program waited)".into(),
        ),
        Status::MemoryExceeded => (Verdict::MemoryLimitExceeded, String::new()),
        Status::Deadlocked => (
            Verdict::TimeLimitExceeded,
            "waited for input while the validator was waiting for output (is the output \
             flushed?)"
                .into(),
        ),
        Status::OutputExceeded => (Verdict::OutputLimitExceeded, String::new()),
        Status::Trap { kind, message } => (
            Verdict::RuntimeError,
            with_stderr(format!("{kind}: {message}"), outcome),
        ),
    })
}

/// A runtime error's message with the end of what the program wrote on stderr (where a
/// language runtime prints its exception).
fn with_stderr(message: String, outcome: &Outcome) -> String {
    match check::stderr_tail(outcome, 600) {
        Some(tail) => format!("{message}\n{tail}"),
        None => message,
    }
}

/// The submission's files plus the problem's included files for its language.
fn with_included(problem: &Problem, submission: &Submission) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = submission.files.clone();
    let included = problem
        .include
        .iter()
        .find(|(language, _)| *language == submission.language)
        .or_else(|| {
            problem
                .include
                .iter()
                .find(|(language, _)| language == "default")
        });
    if let Some((_, included)) = included {
        for (name, path) in included {
            files.retain(|(existing, _)| existing != name);
            files.push((name.clone(), read(path)?));
        }
    }
    Ok(files)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|err| Error::Io(format!("cannot read {}: {err}", path.display())))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wall_lets_a_run_spend_its_fuel() {
        let c = Calibration::builtin();
        // C's fuel for 1 s burns at 1 G/s in 16.8 s: the limit's factor stands.
        let fuel = c.fuel_for(Some("c"), 1000);
        assert_eq!(wall_for(fuel, 1000), Duration::from_secs(20) + WALL_SLACK);
        // JavaScript's rate buys 144 G of fuel for 1 s: the wall makes room for it.
        let fuel = c.fuel_for(Some("javascript"), 1000);
        assert!(fuel > 100_000_000_000, "{fuel}");
        assert_eq!(
            wall_for(fuel, 1000),
            Duration::from_millis(fuel / WALL_MIN_FUEL_PER_MS) + WALL_SLACK
        );
        assert_eq!(
            wall_for(u64::MAX, u64::MAX),
            Duration::from_millis(u64::MAX) + WALL_SLACK
        );
    }
}
