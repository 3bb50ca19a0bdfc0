//! A problem as the judge sees it, whatever package format it came from: limits, how outputs
//! are checked, the tree of test groups and how their results aggregate, example submissions.
//!
//! Loaders (`package::load`) fill it from a native package (`problem.toml`) or an ICPC/Kattis
//! package (legacy or 2023-07-draft); every path in it is absolute and inside the package
//! (symlinks already resolved and checked), so the judge never looks at the package layout.

use std::path::PathBuf;

/// Which format a package was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `problem.toml` (docs/problem-format.md).
    Native,
    /// ICPC/Kattis `legacy` (and `legacy-icpc`): no `problem_format_version`.
    KattisLegacy,
    /// ICPC/Kattis `2023-07-draft` (and later drafts read the same way).
    Kattis2023,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::KattisLegacy => "kattis-legacy",
            Self::Kattis2023 => "kattis-2023-07",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Problem {
    /// The package directory (canonical).
    pub dir: PathBuf,
    pub format: Format,
    /// Short name: the package directory's name.
    pub name: String,
    /// Display name (English when there are several).
    pub title: String,
    /// Pass-fail, or scoring (a score as well as a verdict).
    pub scoring: bool,
    /// The validator runs concurrently with the submission, wired stdin<->stdout.
    pub interactive: bool,
    pub limits: ProblemLimits,
    pub validator: Validator,
    /// The root test group (`data/`); its items are `sample` (if any) then `secret`.
    pub data: Group,
    pub statements: Vec<Statement>,
    pub submissions: Vec<ExampleSubmission>,
    /// Files added to every submission before compiling (`include/<language>/`, then
    /// `include/default/` for languages without their own): language id -> files.
    pub include: Vec<(String, Vec<(String, PathBuf)>)>,
    /// Where the values came from: anything read but not used, or defaulted (shown by
    /// `xcode problem verify`, never fatal).
    pub warnings: Vec<String>,
}

/// Limits for submissions and for the problem's own programs.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemLimits {
    /// The time limit per test in milliseconds, when the package gives one. `None`: derived
    /// from the accepted submissions (`time_multiplier`), or the judge's default.
    pub time_limit_ms: Option<u64>,
    /// Legacy `time_multiplier` / 2023 `ac_to_time_limit`: time limit >= slowest accepted x this.
    pub ac_to_time_limit: f64,
    /// Legacy `time_safety_margin` / 2023 `time_limit_to_tle`: time-limit-exceeded submissions
    /// must be slower than time limit x this.
    pub time_limit_to_tle: f64,
    /// 2023 `time_resolution`: a derived time limit is a multiple of it.
    pub time_resolution_ms: u64,
    pub memory_bytes: u64,
    pub output_bytes: u64,
    pub code_bytes: u64,
    pub compilation_time_ms: u64,
    pub validation_time_ms: u64,
    pub validation_memory_bytes: u64,
    pub validation_output_bytes: u64,
}

impl Default for ProblemLimits {
    fn default() -> Self {
        Self {
            time_limit_ms: None,
            ac_to_time_limit: 2.0,
            time_limit_to_tle: 1.5,
            time_resolution_ms: 1000,
            memory_bytes: 1024 << 20,
            output_bytes: 8 << 20,
            code_bytes: 128 << 10,
            compilation_time_ms: 60_000,
            validation_time_ms: 60_000,
            validation_memory_bytes: 1024 << 20,
            validation_output_bytes: 8 << 20,
        }
    }
}

/// How a test's output is judged.
#[derive(Debug, Clone, PartialEq)]
pub enum Validator {
    /// The default output validator (`default_validator`) with these flags (problem-wide
    /// `validator_flags`; a test's own flags are appended).
    Default {
        flags: Vec<String>,
    },
    Custom(CustomValidator),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CustomValidator {
    pub program: Program,
    pub interface: Interface,
    /// Problem-wide flags (`validator_flags`), before each test's own.
    pub flags: Vec<String>,
    /// Where it was found, for messages (`output_validators/checker`).
    pub origin: String,
}

/// A program of the problem (a validator), compiled to WebAssembly by the judge.
#[derive(Debug, Clone, PartialEq)]
pub enum Program {
    /// Source in a supported language: the main file and the files beside it (headers, modules),
    /// by plain file name.
    Source {
        language: String,
        main: PathBuf,
        files: Vec<(String, PathBuf)>,
    },
    /// Already compiled: a WASI command module.
    Wasm { module: PathBuf },
}

/// How a custom validator is invoked and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interface {
    /// ICPC/Kattis: `validator input answer feedback_dir/ [flags] < output`; exit 42 accepted, 43
    /// wrong answer; `judgemessage.txt`, `teammessage.txt`, `score.txt`,
    /// `score_multiplier.txt` in the feedback directory.
    Kattis,
    /// testlib: `checker input output answer [result_file]`; exit 0 ok, 1 wrong answer,
    /// 2 presentation error, 3 fail (judge's fault), 7 points, 16+ partially.
    Testlib,
}

/// A test group: its tests and subgroups in order, and how their results combine.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Path relative to `data/` (`""` for the root, `sample`, `secret/group1`).
    pub name: String,
    pub rules: GroupRules,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Test(TestCase),
    Group(Group),
}

/// How a group's sub-results (tests and subgroups) make its result.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRules {
    /// Score aggregation. Pass-fail problems use `PassFail` everywhere.
    pub aggregation: Aggregation,
    /// Largest score the group can get (`None`: unbounded, or a pass-fail problem).
    pub max_score: Option<f64>,
    /// Stop judging the group at its first rejected item (`break`) or go on (`continue`).
    pub on_reject: OnReject,
    /// How the group's verdict follows from its items' (legacy grader flags).
    pub verdict: VerdictMode,
    /// Legacy `accept_if_any_accepted`.
    pub accept_if_any_accepted: bool,
    /// Legacy `ignore_sample` (root only): the first item (sample) does not count.
    pub ignore_sample: bool,
    /// Legacy: a test's score when accepted without a `score.txt`, and when rejected.
    pub accept_score: f64,
    pub reject_score: f64,
    /// Groups that must pass for this one to be scored (2023 `require_pass`), as paths
    /// relative to `data/`.
    pub require_pass: Vec<String>,
}

impl Default for GroupRules {
    fn default() -> Self {
        Self {
            aggregation: Aggregation::PassFail,
            max_score: None,
            on_reject: OnReject::Break,
            verdict: VerdictMode::WorstError,
            accept_if_any_accepted: false,
            ignore_sample: false,
            accept_score: 1.0,
            reject_score: 0.0,
            require_pass: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    /// 2023: all accepted -> the group's max score, else 0. Pass-fail problems: verdict only.
    PassFail,
    Sum,
    Min,
    /// Legacy only.
    Max,
    /// Legacy only.
    Avg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnReject {
    Break,
    Continue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictMode {
    WorstError,
    FirstError,
    AlwaysAccept,
}

/// One test: the input piped to the submission, the answer given to the validator.
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    /// Path relative to `data/` without extension (`secret/group1/01`).
    pub name: String,
    pub input: PathBuf,
    /// `package::EMPTY_ANSWER` (`/dev/null`, read as empty) for an interactive Kattis test
    /// that has no `.ans`.
    pub answer: PathBuf,
    /// Validator flags of this test (its group's, or its own `.yaml`), after the problem's.
    pub validator_flags: Vec<String>,
    /// Command-line arguments for the submission (2023 `args`).
    pub args: Vec<String>,
    /// Largest score of this test in a sum/min group (2023, inferred); `None` otherwise.
    pub max_score: Option<f64>,
    pub description: Option<String>,
    pub hint: Option<String>,
    /// A sample: shown to contestants, full feedback.
    pub sample: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Language code (`en`, `pt-BR`).
    pub language: String,
    pub kind: StatementKind,
    pub path: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    Markdown,
    Latex,
    Pdf,
}

/// A judge's submission under `submissions/<expected>/`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleSubmission {
    /// Path relative to `submissions/` (`accepted/sol.py`, or a directory).
    pub name: String,
    /// The file, or the directory of a several-file submission.
    pub path: PathBuf,
    pub expected: Expected,
    /// From `submissions.yaml` or the extension; `None` when no language could be told.
    pub language: Option<String>,
    /// 2023 `submissions.yaml` `score`: exact or an inclusive range.
    pub score: Option<(f64, f64)>,
}

/// What a submission's directory says it must get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    Accepted,
    WrongAnswer,
    TimeLimitExceeded,
    RunTimeError,
    MemoryLimitExceeded,
    PartiallyAccepted,
    /// Any non-accepted verdict.
    Rejected,
    /// Never wrong, but too slow or crashing somewhere.
    BruteForce,
    /// A directory the format does not define (e.g. `slow_accepted`): reported, not checked.
    Other(String),
}

impl Expected {
    pub fn from_dir(dir: &str) -> Self {
        match dir {
            "accepted" => Self::Accepted,
            "wrong_answer" => Self::WrongAnswer,
            "time_limit_exceeded" => Self::TimeLimitExceeded,
            "run_time_error" => Self::RunTimeError,
            "memory_limit_exceeded" => Self::MemoryLimitExceeded,
            "partially_accepted" => Self::PartiallyAccepted,
            "rejected" => Self::Rejected,
            "brute_force" => Self::BruteForce,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Accepted => "accepted",
            Self::WrongAnswer => "wrong_answer",
            Self::TimeLimitExceeded => "time_limit_exceeded",
            Self::RunTimeError => "run_time_error",
            Self::MemoryLimitExceeded => "memory_limit_exceeded",
            Self::PartiallyAccepted => "partially_accepted",
            Self::Rejected => "rejected",
            Self::BruteForce => "brute_force",
            Self::Other(other) => other,
        }
    }
}

impl Group {
    /// Every test in order, depth first.
    pub fn tests(&self) -> Vec<&TestCase> {
        let mut tests = Vec::new();
        self.collect(&mut tests);
        tests
    }

    fn collect<'a>(&'a self, into: &mut Vec<&'a TestCase>) {
        for item in &self.items {
            match item {
                Item::Test(test) => into.push(test),
                Item::Group(group) => group.collect(into),
            }
        }
    }
}

impl Problem {
    pub fn tests(&self) -> Vec<&TestCase> {
        self.data.tests()
    }
}
