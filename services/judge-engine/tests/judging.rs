//! Judging end to end: every verdict, validators that fail, stopping at the first failure,
//! events, and the same results on every rerun under load. Needs the toolchains installed
//! (`xcode toolchains install`), as CI does.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use tempfile::TempDir;
use xcode_judge_engine::problem::Problem;
use xcode_judge_engine::{
    Engine, EngineConfig, Event, JudgeOptions, Report, Submission, Verdict, package,
};
use xcode_toolchains::Toolchains;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let home = Toolchains::default_home().expect("a home for toolchains");
        let modules = std::env::var_os("XCODE_CACHE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join("modules"));
        let toolchains = Toolchains::new(&home, &modules).expect("the builtin manifest");
        Engine::new(
            toolchains,
            EngineConfig {
                workers: 2,
                module_cache: Some(modules),
                ..EngineConfig::default()
            },
        )
        .expect("an engine")
    })
}

/// A package from (path, contents) pairs.
fn package_dir(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::Builder::new()
        .prefix("xcode-judging.")
        .tempdir()
        .expect("a temp dir");
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("dirs");
        std::fs::write(path, contents).expect("write");
    }
    dir
}

const APLUSB_YAML: &str = "problem_format_version: 2023-07-draft\nname: A plus B\nuuid: 1d4c5a52-7f3e-4c8e-9a59-0d7b8a2f6c11\nlimits:\n  time_limit: 0.2\n  memory: 64\n  output: 1\n";

/// "A plus B" with three secret tests and whatever else `extra` adds.
fn aplusb(extra: &[(&str, &str)]) -> TempDir {
    let mut files = vec![
        ("problem.yaml", APLUSB_YAML),
        ("statement/problem.en.md", "Print a + b.\n"),
        ("data/sample/1.in", "1 2\n"),
        ("data/sample/1.ans", "3\n"),
        ("data/secret/1.in", "2 2\n"),
        ("data/secret/1.ans", "4\n"),
        ("data/secret/2.in", "-5 5\n"),
        ("data/secret/2.ans", "0\n"),
        ("data/secret/3.in", "1000000 2000000\n"),
        ("data/secret/3.ans", "3000000\n"),
    ];
    files.extend_from_slice(extra);
    package_dir(&files)
}

fn load(dir: &Path) -> Problem {
    package::load(dir).unwrap_or_else(|err| panic!("{err}"))
}

/// One judging at a time in this binary: the load test must not slow the others down past their
/// wall-clock safety nets, and their results are compared across runs.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn judge_with(problem: &Problem, language: &str, source: &str, options: &JudgeOptions) -> Report {
    let submission = Submission {
        language: language.into(),
        source: source.as_bytes().to_vec(),
        files: Vec::new(),
    };
    engine()
        .judge(problem, &submission, options, &|_| {})
        .unwrap_or_else(|err| panic!("judging failed: {err}"))
}

fn judge(problem: &Problem, language: &str, source: &str) -> Report {
    judge_with(problem, language, source, &JudgeOptions::default())
}

const AC_C: &str = "#include <stdio.h>\nint main(void) { long a, b; scanf(\"%ld %ld\", &a, &b); printf(\"%ld\\n\", a + b); return 0; }\n";

#[test]
fn accepted_with_deterministic_times() {
    let _serial = serial();
    let dir = aplusb(&[]);
    let problem = load(dir.path());
    let report = judge(&problem, "c", AC_C);
    assert_eq!(report.verdict, Verdict::Accepted, "{report:#?}");
    assert_eq!(report.tests.len(), 4);
    assert_eq!(report.tests[0].name, "sample/1");
    assert_eq!(report.tests[3].name, "secret/3");
    assert!(
        report
            .tests
            .iter()
            .all(|t| t.fuel > 0 && t.memory_bytes > 0)
    );
    assert_eq!(report.time_limit_ms, 200);
    assert_eq!(report.groups[0].name, "");
}

#[test]
fn every_submission_verdict() {
    let _serial = serial();
    let dir = aplusb(&[]);
    let problem = load(dir.path());
    let cases: &[(&str, &str, &str, Verdict)] = &[
        (
            "wrong answer",
            "c",
            "#include <stdio.h>\nint main(void) { long a, b; scanf(\"%ld %ld\", &a, &b); printf(\"%ld\\n\", a + b + (a == 2)); return 0; }\n",
            Verdict::WrongAnswer,
        ),
        (
            "time limit",
            "c",
            "int main(void) { for (;;) {} }\n",
            Verdict::TimeLimitExceeded,
        ),
        (
            "memory limit",
            "c",
            "#include <stdlib.h>\n#include <string.h>\nvoid *volatile keep;\nint main(void) { for (;;) { char *p = malloc(1 << 20); if (!p) return 3; memset(p, 1, 1 << 20); *(void **)p = keep; keep = p; } }\n",
            Verdict::MemoryLimitExceeded,
        ),
        (
            "output limit",
            "c",
            "#include <stdio.h>\nint main(void) { for (;;) puts(\"spam spam spam spam spam\"); }\n",
            Verdict::OutputLimitExceeded,
        ),
        (
            "runtime error (exit code)",
            "c",
            "int main(void) { return 3; }\n",
            Verdict::RuntimeError,
        ),
        (
            "runtime error (trap)",
            "c",
            "#include <stdio.h>\nint main(void) { volatile int n = 7, z = 0; printf(\"%d\\n\", n / z); }\n",
            Verdict::RuntimeError,
        ),
        (
            "runtime error (python exception)",
            "python3",
            "raise ValueError('no')\n",
            Verdict::RuntimeError,
        ),
        (
            "compile error",
            "c",
            "int main(void) { return }\n",
            Verdict::CompileError,
        ),
    ];
    for (what, language, source, expected) in cases {
        let report = judge(&problem, language, source);
        assert_eq!(report.verdict, *expected, "{what}: {report:#?}");
        if *expected == Verdict::CompileError {
            assert!(
                report.compile_output.contains("error"),
                "{what}: {report:#?}"
            );
            assert!(report.tests.is_empty());
        } else {
            // Stopped at the first failure: the last test reported is the failing one.
            let last = report.tests.last().expect("a test ran");
            assert_eq!(last.verdict, *expected, "{what}");
            assert!(
                report.tests[..report.tests.len() - 1]
                    .iter()
                    .all(|t| t.verdict == Verdict::Accepted)
            );
        }
    }
    let python = judge(&problem, "python3", "raise ValueError('no')\n");
    assert!(
        python.tests[0].message.contains("ValueError"),
        "{python:#?}"
    );
}

/// The memory limit (64 MiB here) is on what a program uses: the 64 MiB stack compiled
/// languages reserve counts only as far as the program reached into it.
#[test]
fn memory_is_what_the_program_used() {
    let _serial = serial();
    let dir = aplusb(&[]);
    let problem = load(dir.path());
    // Fills `extra_mib` MiB of heap and recurses 2,000 frames of 1 KiB deep.
    let source = |extra_mib: u32| {
        format!(
            "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\
             int deep(int n, volatile char *up) {{ volatile char frame[1024]; frame[0] = (char)n; frame[1023] = up ? up[0] : 1; return n ? deep(n - 1, frame) + frame[1023] : 0; }}\n\
             int main(void) {{ long a, b; scanf(\"%ld %ld\", &a, &b); volatile size_t mib = {extra_mib}; size_t n = mib << 20;\n\
             char *p = malloc(n); if (!p) return 3; memset(p, 1, n); deep(2000, 0); printf(\"%ld\\n\", a + b + p[n - 1] - 1); return 0; }}\n"
        )
    };
    let fits = judge(&problem, "c", &source(50));
    assert_eq!(fits.verdict, Verdict::Accepted, "{fits:#?}");
    for test in &fits.tests {
        let mib = test.memory_bytes as f64 / f64::from(1 << 20);
        assert!(
            (50.0..54.0).contains(&mib),
            "{}: {mib:.1} MiB: the heap and 2 MiB of stack, not the 64 MiB reserved",
            test.name
        );
    }
    // 63 MiB of heap and 2 MiB of stack: under the linear-memory cap (64 + 64 MiB), over the
    // limit.
    let over = judge(&problem, "c", &source(63));
    assert_eq!(over.verdict, Verdict::MemoryLimitExceeded, "{over:#?}");
    assert!(
        over.tests[0].message.contains("the limit is 64 MiB"),
        "{over:#?}"
    );
    // An interpreter has no such stack; it keeps the allowance as slack for its own baseline
    // (CPython's snapshot is ~40 MiB of linear memory): 40 MiB of data more still passes.
    let python = judge(
        &problem,
        "python3",
        "data = bytearray(40 << 20)\na, b = map(int, input().split())\nprint(a + b + data[-1])\n",
    );
    assert_eq!(python.verdict, Verdict::Accepted, "{python:#?}");
    assert!(python.tests[0].memory_bytes > 64 << 20, "{python:#?}");
}

#[test]
fn time_limit_is_fuel_and_reports_the_limit() {
    let _serial = serial();
    let dir = aplusb(&[]);
    let problem = load(dir.path());
    let options = JudgeOptions {
        run_all: false,
        time_limit_ms: Some(50),
    };
    let report = judge_with(&problem, "c", "int main(void) { for (;;) {} }\n", &options);
    let test = &report.tests[0];
    assert_eq!(test.verdict, Verdict::TimeLimitExceeded, "{report:#?}");
    assert_eq!(test.time_ms, 50);
    assert_eq!(test.fuel, engine().calibration().fuel_for(Some("c"), 50));
    assert_eq!(report.time_limit_ms, 50);
}

#[test]
fn run_all_judges_every_test() {
    let _serial = serial();
    let dir = aplusb(&[]);
    let problem = load(dir.path());
    let wrong = "int main(void) { return 0; }\n";
    let first = judge(&problem, "c", wrong);
    assert_eq!(first.tests.len(), 1);
    let all = judge_with(
        &problem,
        "c",
        wrong,
        &JudgeOptions {
            run_all: true,
            time_limit_ms: None,
        },
    );
    assert_eq!(all.tests.len(), 4);
    assert!(all.tests.iter().all(|t| t.verdict == Verdict::WrongAnswer));
    assert_eq!(all.verdict, Verdict::WrongAnswer);
}

#[test]
fn events_arrive_in_order() {
    let _serial = serial();
    let dir = aplusb(&[]);
    let problem = load(dir.path());
    let events = Mutex::new(Vec::new());
    let submission = Submission {
        language: "c".into(),
        source: AC_C.as_bytes().to_vec(),
        files: Vec::new(),
    };
    let report = engine()
        .judge(&problem, &submission, &JudgeOptions::default(), &|event| {
            events.lock().expect("lock").push(event);
        })
        .expect("judged");
    let events = events.into_inner().expect("lock");
    assert!(matches!(events[0], Event::Queued));
    assert!(matches!(events[1], Event::Compiling));
    assert!(matches!(events[2], Event::Compiled { ok: true, .. }));
    let tests: Vec<usize> = events
        .iter()
        .filter_map(|event| match event {
            Event::Test(test) => Some(test.index),
            _ => None,
        })
        .collect();
    assert_eq!(tests, vec![0, 1, 2, 3]);
    assert_eq!(events.last(), Some(&Event::Finished(report)));
}

/// A Kattis validator that compares the first token and says why.
const KATTIS_VALIDATOR: &str = r#"#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    FILE *ans = fopen(argv[2], "r");
    if (!ans) return 1;
    long want, got;
    if (fscanf(ans, "%ld", &want) != 1) return 1;
    char path[512];
    snprintf(path, sizeof path, "%sjudgemessage.txt", argv[3]);
    FILE *msg = fopen(path, "w");
    if (scanf("%ld", &got) != 1) { fprintf(msg, "no number"); return 43; }
    if (got != want) { fprintf(msg, "expected %ld, got %ld", want, got); return 43; }
    return 42;
}
"#;

#[test]
fn kattis_validators_judge_and_explain() {
    let _serial = serial();
    let dir = aplusb(&[("output_validator/check.c", KATTIS_VALIDATOR)]);
    let problem = load(dir.path());
    assert_eq!(judge(&problem, "c", AC_C).verdict, Verdict::Accepted);
    let wrong = judge(&problem, "python3", "print(7)\n");
    assert_eq!(wrong.verdict, Verdict::WrongAnswer);
    assert_eq!(wrong.tests[0].message, "expected 3, got 7");
}

/// A header in the style of Kattis' `validate.h`: the test's files through `std::ifstream`,
/// the feedback through `std::ofstream` (libc++ for wasm32 has file streams only as
/// `toolchains-wasm/assets/clang/fstream_patch.py` enables them).
const STREAMS_HEADER: &str = r#"#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
static std::ifstream judge_in, judge_ans;
static std::ofstream judge_message;
[[noreturn]] static void accept() { judge_message.close(); std::exit(42); }
[[noreturn]] static void wrong_answer(const std::string &why) {
    judge_message << why;
    judge_message.close();
    std::exit(43);
}
static void init_io(int argc, char **argv) {
    if (argc < 4) std::exit(1);
    judge_in.open(argv[1]);
    judge_ans.open(argv[2]);
    judge_message.open(std::string(argv[3]) + "/judgemessage.txt");
    if (!judge_in || !judge_ans || !judge_message) std::exit(1);
}
"#;

const STREAMS_VALIDATOR: &str = r#"#include "validate.h"
int main(int argc, char **argv) {
    init_io(argc, argv);
    long a, b, want, got;
    judge_in >> a >> b;
    judge_ans >> want;
    if (!(std::cin >> got)) wrong_answer("no number");
    if (got != a + b || got != want) wrong_answer("expected " + std::to_string(want) + ", got " + std::to_string(got));
    std::string extra;
    if (std::cin >> extra) wrong_answer("trailing output");
    accept();
}
"#;

#[test]
fn cpp_validators_read_and_write_files_through_streams() {
    let _serial = serial();
    let dir = aplusb(&[
        ("output_validator/validate.h", STREAMS_HEADER),
        ("output_validator/validate.cc", STREAMS_VALIDATOR),
    ]);
    let problem = load(dir.path());
    let report = judge(&problem, "c", AC_C);
    assert_eq!(report.verdict, Verdict::Accepted, "{report:#?}");
    let wrong = judge(&problem, "python3", "print(7)\n");
    assert_eq!(wrong.verdict, Verdict::WrongAnswer, "{wrong:#?}");
    assert_eq!(wrong.tests[0].message, "expected 3, got 7");
    let trailing = judge(&problem, "python3", "print(3, 4)\n");
    assert_eq!(trailing.tests[0].message, "trailing output");
}

/// A legacy scoring problem graded as problemtools' default grader does: subtasks scored by
/// `min` of `accept_score`, `secret` by `sum` with `first_error accept_if_any_accepted`, a
/// `range` on every group.
#[test]
fn legacy_scoring_with_ranges_and_grader_flags() {
    let _serial = serial();
    let subtask = "on_reject: break\naccept_score: 1\nrange: 0 1\ngrader_flags: min\n";
    let dir = package_dir(&[
        ("problem.yaml", "name: Double\ntype: scoring\n"),
        (
            "data/secret/testdata.yaml",
            "on_reject: continue\nrange: 0 2\ngrader_flags: first_error accept_if_any_accepted\n",
        ),
        ("data/secret/small/testdata.yaml", subtask),
        ("data/secret/small/1.in", "3\n"),
        ("data/secret/small/1.ans", "6\n"),
        ("data/secret/small/2.in", "4\n"),
        ("data/secret/small/2.ans", "8\n"),
        ("data/secret/large/testdata.yaml", subtask),
        ("data/secret/large/1.in", "3000000000\n"),
        ("data/secret/large/1.ans", "6000000000\n"),
        ("data/secret/large/2.in", "5\n"),
        ("data/secret/large/2.ans", "10\n"),
    ]);
    let problem = load(dir.path());
    let full = judge(&problem, "python3", "print(2 * int(input()))\n");
    assert_eq!(full.verdict, Verdict::Accepted, "{full:#?}");
    assert_eq!((full.score, full.max_score), (Some(2.0), Some(2.0)));
    // 32-bit arithmetic: the large subtask fails at its first test and stops there; secret
    // is accepted because one subtask is, with half the score.
    let int32 = "#include <stdio.h>\nint main(void) { int n; scanf(\"%d\", &n); printf(\"%d\\n\", 2 * n); }\n";
    let partial = judge(&problem, "c", int32);
    assert_eq!(partial.verdict, Verdict::Accepted, "{partial:#?}");
    assert_eq!((partial.score, partial.max_score), (Some(1.0), Some(2.0)));
    assert_eq!(
        partial.tests.len(),
        3,
        "the large subtask breaks at its first failure"
    );
}

/// An interactive submission and validator waiting on each other: TLE at once, with the
/// likely cause, not after the wall-clock net (~31 s for Python and this problem's 1 s).
#[test]
fn an_interactive_deadlock_is_a_time_limit_at_once() {
    let _serial = serial();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/problems/guess");
    let problem = load(&dir);
    let report = judge(&problem, "python3", "import sys\nsys.stdin.read()\n");
    assert_eq!(report.verdict, Verdict::TimeLimitExceeded, "{report:#?}");
    let last = report.tests.last().expect("a test ran");
    assert!(last.message.contains("flushed?"), "{report:#?}");
    assert!(last.wall_ms < 10_000.0, "{report:#?}");
}

#[test]
fn broken_validators_are_internal_errors() {
    let _serial = serial();
    let cases: &[(&str, &str)] = &[
        ("exits 0", "int main(void) { return 0; }\n"),
        (
            "crashes",
            "int main(void) { volatile int *p = (int *)0xfffffff0; return *p; }\n",
        ),
        ("loops", "int main(void) { for (;;) {} }\n"),
        ("does not compile", "int main(void) { return }\n"),
    ];
    for (what, source) in cases {
        let mut yaml = APLUSB_YAML.to_owned();
        yaml.push_str("  validation_time: 1\n");
        let dir = aplusb(&[("output_validator/check.c", source)]);
        std::fs::write(dir.path().join("problem.yaml"), yaml).expect("write");
        let problem = load(dir.path());
        let report = judge(&problem, "c", AC_C);
        assert_eq!(
            report.verdict,
            Verdict::InternalError,
            "{what}: {report:#?}"
        );
        assert!(!report.message.is_empty(), "{what}");
    }
}

#[test]
fn the_same_submission_gets_the_same_results_under_load() {
    let _serial = serial();
    // Ten tests of growing size.
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 1..=10u64 {
        let n = i * 20_000;
        let numbers: Vec<String> = (0..n)
            .map(|k| ((k * 7919 + i) % 100_003).to_string())
            .collect();
        let sum: u64 = (0..n).map(|k| (k * 7919 + i) % 100_003).sum();
        files.push((
            format!("data/secret/{i:02}.in"),
            format!("{n}\n{}\n", numbers.join(" ")),
        ));
        files.push((format!("data/secret/{i:02}.ans"), format!("{sum}\n")));
    }
    let mut all: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    all.push((
        "problem.yaml",
        "problem_format_version: 2023-07-draft\nname: Sum\nuuid: 0b0f4f0e-22a4-4d5e-8c1f-5f3c0f2d9a10\nlimits:\n  time_limit: 2\n",
    ));
    all.push(("statement/problem.en.md", "Sum them.\n"));
    let dir = package_dir(&all);
    let problem = load(dir.path());
    // A source never judged before: the first of the five runs compiles it, the others hit
    // the compile cache, and all must agree (the first reads of a fresh file once moved its
    // access time, which Python saw).
    let fresh = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos();
    let source = format!(
        "import sys\ndata = sys.stdin.buffer.read().split()\nprint(sum(map(int, data[1:])))\n# {fresh}\n"
    );
    let source = source.as_str();

    // Another process saturating both cores.
    let mut hogs: Vec<std::process::Child> = (0..2)
        .map(|_| {
            std::process::Command::new("sh")
                .args(["-c", "while :; do :; done"])
                .spawn()
                .expect("a busy process")
        })
        .collect();
    let runs: Vec<Report> = (0..5).map(|_| judge(&problem, "python3", source)).collect();
    for hog in &mut hogs {
        let _ = hog.kill();
        let _ = hog.wait();
    }
    let summary = |report: &Report| -> Vec<(String, Verdict, u64, u64, u64)> {
        report
            .tests
            .iter()
            .map(|t| (t.name.clone(), t.verdict, t.time_ms, t.fuel, t.memory_bytes))
            .collect()
    };
    assert_eq!(runs[0].verdict, Verdict::Accepted, "{:#?}", runs[0]);
    assert_eq!(runs[0].tests.len(), 10);
    for run in &runs[1..] {
        assert_eq!(run.verdict, runs[0].verdict);
        assert_eq!(summary(run), summary(&runs[0]));
    }
}
