//! Verdicts, per-test results, the final report, and the events a judging emits.

use std::fmt;

use serde::Serialize;

/// What a test, a group or a whole submission got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Verdict {
    #[serde(rename = "AC")]
    Accepted,
    #[serde(rename = "WA")]
    WrongAnswer,
    #[serde(rename = "TLE")]
    TimeLimitExceeded,
    #[serde(rename = "MLE")]
    MemoryLimitExceeded,
    #[serde(rename = "OLE")]
    OutputLimitExceeded,
    #[serde(rename = "RE")]
    RuntimeError,
    #[serde(rename = "CE")]
    CompileError,
    /// The judge's fault (a broken validator, a host failure): never the contestant's.
    #[serde(rename = "IE")]
    InternalError,
}

impl Verdict {
    /// The short code used in JSON, tables and logs.
    pub fn code(self) -> &'static str {
        match self {
            Self::Accepted => "AC",
            Self::WrongAnswer => "WA",
            Self::TimeLimitExceeded => "TLE",
            Self::MemoryLimitExceeded => "MLE",
            Self::OutputLimitExceeded => "OLE",
            Self::RuntimeError => "RE",
            Self::CompileError => "CE",
            Self::InternalError => "IE",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Accepted => "Accepted",
            Self::WrongAnswer => "Wrong Answer",
            Self::TimeLimitExceeded => "Time Limit Exceeded",
            Self::MemoryLimitExceeded => "Memory Limit Exceeded",
            Self::OutputLimitExceeded => "Output Limit Exceeded",
            Self::RuntimeError => "Runtime Error",
            Self::CompileError => "Compilation Error",
            Self::InternalError => "Internal Error",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code.to_ascii_uppercase().as_str() {
            "AC" => Self::Accepted,
            "WA" => Self::WrongAnswer,
            "TLE" => Self::TimeLimitExceeded,
            "MLE" => Self::MemoryLimitExceeded,
            "OLE" => Self::OutputLimitExceeded,
            "RE" | "RTE" => Self::RuntimeError,
            "CE" => Self::CompileError,
            "IE" | "JE" => Self::InternalError,
            _ => return None,
        })
    }

    /// Rank for the Kattis `worst_error` grader: "the first of JE, IF, RTE, MLE, TLE, OLE, WA"
    /// (higher is worse).
    pub(crate) fn severity(self) -> u8 {
        match self {
            Self::Accepted => 0,
            Self::WrongAnswer => 1,
            Self::OutputLimitExceeded => 2,
            Self::TimeLimitExceeded => 3,
            Self::MemoryLimitExceeded => 4,
            Self::RuntimeError => 5,
            Self::CompileError => 6,
            Self::InternalError => 7,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One test's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestResult {
    /// Position in the problem's test order (0-based).
    pub index: usize,
    /// Path relative to `data/` (`secret/group1/03`).
    pub name: String,
    /// The test's group (`secret/group1`).
    pub group: String,
    pub verdict: Verdict,
    /// Time derived from fuel: the same on every machine and every rerun.
    pub time_ms: u64,
    /// Peak linear memory.
    pub memory_bytes: u64,
    pub fuel: u64,
    /// Wall-clock time of the run, for operators (not deterministic, not shown to contestants).
    #[serde(skip)]
    pub wall_ms: f64,
    /// The test's score (scoring problems), `None` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Why it was not accepted (checker message, exit code, trap), or the validator's message.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// A sample test: its details may be shown to the contestant.
    #[serde(skip)]
    pub sample: bool,
}

/// A group's aggregated result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    pub name: String,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_score: Option<f64>,
}

/// The whole judging of one submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub verdict: Verdict,
    /// Scoring problems: the submission's score.
    pub score: Option<f64>,
    pub max_score: Option<f64>,
    pub compile_output: String,
    /// Tests judged, in test order (tests skipped after a failure are absent).
    pub tests: Vec<TestResult>,
    /// Groups in depth-first order (`sample`, `secret`, `secret/group1`, ...).
    pub groups: Vec<GroupResult>,
    /// The time limit applied, in ms.
    pub time_limit_ms: u64,
    /// The largest test time (deterministic), in ms.
    pub max_time_ms: u64,
    /// Why the verdict is IE or CE, when the tests don't say.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// What a judging reports as it goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Queued,
    Compiling,
    Compiled {
        ok: bool,
        output: String,
        cached: bool,
        compile_ms: u64,
    },
    /// One test's result. Delivered in test order.
    Test(TestResult),
    Finished(Report),
}
