//! `cargo bench -p xcode-bench [-- --quick]`: every figure of `bench/README.md` in one run,
//! side by side with the cost of spawning a native process.
//!
//! Prints Markdown. `--quick` shrinks every count and size so CI can check the benchmark still
//! works; its figures are not worth quoting.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use xcode_bench::Workload;
use xcode_bench::native::NativeHello;
use xcode_bench::raw::{Instrumentation, RawEngine};
use xcode_bench::stats::{Sample, throughput};
use xcode_runtime::{Allocation, Limits, Module, RunSpec, Runtime, RuntimeConfig};

/// Counts and sizes for one invocation.
struct Plan {
    startup_runs: usize,
    native_runs: usize,
    throughput_for: Duration,
    compute_repeats: usize,
    workloads: [Workload; 4],
}

const FULL: Plan = Plan {
    startup_runs: 20_000,
    native_runs: 2_000,
    throughput_for: Duration::from_secs(3),
    compute_repeats: 5,
    workloads: Workload::BENCH,
};

const QUICK: Plan = Plan {
    startup_runs: 500,
    native_runs: 50,
    throughput_for: Duration::from_millis(200),
    compute_repeats: 1,
    workloads: [
        Workload::Lcg {
            iterations: 1_000_000,
        },
        Workload::Sieve { limit: 1_000_000 },
        Workload::Fib { n: 20 },
        Workload::Matmul { n: 40 },
    ],
};

fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; anything else we do not know is a mistake.
    let mut quick = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            "--bench" => {}
            other => bail!("unknown argument {other:?}; usage: sandbox [--quick]"),
        }
    }
    let plan = if quick { &QUICK } else { &FULL };

    println!("# xcode-bench\n");
    println!("{}\n", machine());
    let scratch = tempfile::tempdir()?;
    let native = NativeHello::build(scratch.path())?;
    let pooling = Runtime::new(RuntimeConfig::default())?;
    let on_demand = Runtime::new(RuntimeConfig {
        allocation: Allocation::OnDemand,
        ..RuntimeConfig::default()
    })?;
    let hello = xcode_bench::hello();
    let pooled_hello = pooling.load_bytes(hello.as_bytes())?;
    let on_demand_hello = on_demand.load_bytes(hello.as_bytes())?;

    let startup = startup(
        plan,
        &pooling,
        &pooled_hello,
        &on_demand,
        &on_demand_hello,
        &native,
    )?;
    let rates = throughputs(
        plan,
        &pooling,
        &pooled_hello,
        &on_demand,
        &on_demand_hello,
        &native,
    )?;
    let worst_overhead = compute(plan, &pooling)?;

    println!("## Targets\n");
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "- hello-world p50 per run ≤ 10 µs: {} ({:.1} µs)",
        met(startup <= Duration::from_micros(10)),
        micros(startup)
    );
    println!(
        "- ≥ 100,000 runs/s on 2 threads: {} ({:.0} runs/s)",
        met(rates >= 100_000.0),
        rates
    );
    println!(
        "- CPU + wall-clock limits ≤ 15% on compute-bound code: {} (worst workload {:+.1}%)",
        met(worst_overhead <= 15.0),
        worst_overhead
    );
    Ok(())
}

/// Per-run latency of hello-world; returns the pooled p50.
fn startup(
    plan: &Plan,
    pooling: &Runtime,
    pooled_hello: &Module,
    on_demand: &Runtime,
    on_demand_hello: &Module,
    native: &NativeHello,
) -> Result<Duration> {
    println!("## Starting a sandbox: hello-world, one run at a time\n");
    println!(
        "Each run: new store and WASI context, instantiate, `_start` (writes \"hello\\n\"), \
         capture stdout, drop. {} runs after {} warm-up runs; the native process {} runs.\n",
        plan.startup_runs,
        plan.startup_runs / 10,
        plan.native_runs
    );
    println!("| | p50 | p90 | p99 | mean | vs native p50 |");
    println!("|---|---:|---:|---:|---:|---:|");
    let native_sample = Sample::collect(plan.native_runs, || native.run().expect("native run"));
    let mut pooled_p50 = Duration::ZERO;
    for (name, runtime, module) in [
        ("xcode, pooling allocator", pooling, pooled_hello),
        ("xcode, on-demand allocator", on_demand, on_demand_hello),
    ] {
        for _ in 0..plan.startup_runs / 10 {
            run_hello(runtime, module);
        }
        let sample = Sample::collect(plan.startup_runs, || {
            let started = Instant::now();
            run_hello(runtime, module);
            started.elapsed()
        });
        if pooled_p50.is_zero() {
            pooled_p50 = sample.median();
        }
        row(name, &sample, Some(&native_sample));
    }
    row(
        "native process (static C, spawn + wait)",
        &native_sample,
        None,
    );
    println!();
    Ok(pooled_p50)
}

fn run_hello(runtime: &Runtime, module: &Module) {
    let outcome = runtime.run(module, RunSpec::new()).expect("hello runs");
    assert_eq!(outcome.stdout, b"hello\n", "{:?}", outcome.status);
}

fn row(name: &str, sample: &Sample, native: Option<&Sample>) {
    let ratio = native.map_or_else(
        || "1×".to_owned(),
        |native| {
            format!(
                "{:.0}× faster",
                native.median().as_secs_f64() / sample.median().as_secs_f64()
            )
        },
    );
    println!(
        "| {name} | {:.1} µs | {:.1} µs | {:.1} µs | {:.1} µs | {ratio} |",
        micros(sample.median()),
        micros(sample.percentile(0.9)),
        micros(sample.percentile(0.99)),
        micros(sample.mean()),
    );
}

/// Hello-world runs per second on 1 and 2 threads; returns the pooled 2-thread rate.
fn throughputs(
    plan: &Plan,
    pooling: &Runtime,
    pooled_hello: &Module,
    on_demand: &Runtime,
    on_demand_hello: &Module,
    native: &NativeHello,
) -> Result<f64> {
    println!("## Throughput: hello-world runs per second\n");
    println!(
        "Threads call `Runtime::run` (or spawn the native program) in a loop for {:.1} s.\n",
        plan.throughput_for.as_secs_f64()
    );
    println!("| | 1 thread | 2 threads |");
    println!("|---|---:|---:|");
    let mut pooled_two = 0.0;
    for (name, runtime, module) in [
        ("xcode, pooling allocator", pooling, pooled_hello),
        ("xcode, on-demand allocator", on_demand, on_demand_hello),
    ] {
        let one = throughput(1, plan.throughput_for, || run_hello(runtime, module));
        let two = throughput(2, plan.throughput_for, || run_hello(runtime, module));
        if pooled_two == 0.0 {
            pooled_two = two;
        }
        println!("| {name} | {one:.0} | {two:.0} |");
    }
    let spawn = || {
        native.run().expect("native run");
    };
    let one = throughput(1, plan.throughput_for, spawn);
    let two = throughput(2, plan.throughput_for, spawn);
    println!("| native process (static C, spawn + wait) | {one:.0} | {two:.0} |");
    println!();
    Ok(pooled_two)
}

/// Compute-bound workloads under each instrumentation; returns the worst overhead (percent)
/// of the sandbox's own design over no instrumentation at all.
fn compute(plan: &Plan, runtime: &Runtime) -> Result<f64> {
    println!("## Compute under limits\n");
    println!(
        "Median of {} runs (configurations interleaved), in ms; overhead against no \
         instrumentation in brackets. The first four columns are bare wasmtime engines; \
         *xcode* is the sandbox as it runs submissions, with fuel and the wall-clock deadline \
         compiled into the guest by its metering pass.\n",
        plan.compute_repeats
    );
    let engines = Instrumentation::ALL
        .into_iter()
        .map(RawEngine::new)
        .collect::<Result<Vec<_>>>()?;
    print!("| workload |");
    for instrumentation in Instrumentation::ALL {
        print!(" {} |", instrumentation.name());
    }
    println!(" **xcode** (metered fuel + deadline) |");
    println!("|---|{}", "---:|".repeat(Instrumentation::ALL.len() + 1));
    let unlimited = RunSpec::new().limits(Limits {
        fuel: u64::MAX,
        wall_time: Duration::from_secs(600),
        ..Limits::default()
    });
    let mut worst = f64::MIN;
    for workload in plan.workloads {
        let wat = workload.wat();
        let expected = workload.expected();
        let raw_modules = engines
            .iter()
            .map(|engine| engine.compile(&wat))
            .collect::<Result<Vec<_>>>()?;
        let module = runtime.load_bytes(wat.as_bytes())?;
        let mut timings = vec![Vec::new(); engines.len() + 1];
        for _ in 0..plan.compute_repeats {
            for (index, (engine, raw)) in engines.iter().zip(&raw_modules).enumerate() {
                let (stdout, elapsed) = engine.run(raw)?;
                ensure!(stdout == expected.as_bytes(), "{workload:?}: wrong answer");
                timings[index].push(elapsed);
            }
            let started = Instant::now();
            let outcome = runtime.run(&module, unlimited.clone())?;
            let elapsed = started.elapsed();
            ensure!(
                outcome.stdout == expected.as_bytes(),
                "{workload:?}: {:?}",
                outcome.status
            );
            timings[engines.len()].push(elapsed);
        }
        let medians: Vec<Duration> = timings
            .into_iter()
            .map(|sample| Sample::new(sample).median())
            .collect();
        let base = medians[0].as_secs_f64();
        print!("| {} |", workload.name());
        for (index, median) in medians.iter().enumerate() {
            let overhead = (median.as_secs_f64() / base - 1.0) * 100.0;
            if index == 0 {
                print!(" {:.1} |", millis(*median));
            } else {
                print!(" {:.1} ({overhead:+.1}%) |", millis(*median));
            }
            if index == medians.len() - 1 {
                worst = worst.max(overhead);
            }
        }
        println!();
    }
    println!();
    Ok(worst)
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// CPU model, cores and kernel, so figures are read against the machine that made them.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split(':').nth(1))
        .map_or("unknown CPU", str::trim)
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .context("kernel")
        .map_or_else(
            |_| "unknown".to_owned(),
            |release| release.trim().to_owned(),
        );
    format!("Machine: {model}, {cores} cores, Linux {kernel}.")
}
