//! `xcode problem verify`: judge every example submission of a package and check that each gets
//! what its directory says. Packages without a time limit get one derived from the accepted
//! submissions, as the ICPC/Kattis format specifies.

use std::path::Path;

use serde::Serialize;

use crate::engine::{DEFAULT_TIME_LIMIT_MS, Engine, JudgeOptions, Result, Submission};
use crate::problem::{ExampleSubmission, Expected, Problem};
use crate::verdict::{Report, Verdict};

/// How the time limit used for verifying was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum TimeLimitSource {
    /// Given (problem.yaml, `.timelimit`, problem.toml, or `--time-limit`).
    Explicit,
    /// Slowest accepted test time x `ac_to_time_limit`, rounded up to `time_resolution`.
    Derived { slowest_accepted_ms: u64 },
    /// No limit given and no accepted submission to derive one from.
    Default,
}

/// One example submission's check.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub name: String,
    pub expected: String,
    pub language: Option<String>,
    /// `ok`, `mismatch`, or `skipped`.
    pub status: &'static str,
    /// What it got (verdict, score), or why it was skipped.
    pub got: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub problem: String,
    pub time_limit_ms: u64,
    pub time_limit: TimeLimitSource,
    pub submissions: Vec<Checked>,
}

impl Verification {
    pub fn mismatches(&self) -> usize {
        self.submissions
            .iter()
            .filter(|checked| checked.status == "mismatch")
            .count()
    }
}

/// The judge limit used to measure accepted submissions when deriving a time limit.
const MEASURING_LIMIT_MS: u64 = 60_000;

/// Judges every example submission. `progress` hears about each as it is checked.
pub fn verify(
    engine: &Engine,
    problem: &Problem,
    time_limit_ms: Option<u64>,
    progress: &mut dyn FnMut(&Checked),
) -> Result<Verification> {
    let mut checked = Vec::new();
    let explicit = time_limit_ms.or(problem.limits.time_limit_ms);
    let mut accepted_reports: Vec<(usize, Report)> = Vec::new();
    let (limit, source) = match explicit {
        Some(limit) => (limit, TimeLimitSource::Explicit),
        None => {
            // Measure the accepted submissions under a generous limit first.
            let mut slowest = None;
            for (index, example) in problem.submissions.iter().enumerate() {
                if example.expected != Expected::Accepted {
                    continue;
                }
                let Some(submission) = load(engine, example)? else {
                    continue;
                };
                let options = JudgeOptions {
                    run_all: false,
                    time_limit_ms: Some(MEASURING_LIMIT_MS),
                };
                let report = engine.judge(problem, &submission, &options, &|_| {})?;
                if report.verdict == Verdict::Accepted {
                    slowest = Some(slowest.unwrap_or(0).max(report.max_time_ms));
                }
                accepted_reports.push((index, report));
            }
            match slowest {
                Some(slowest) => (
                    derive(problem, slowest),
                    TimeLimitSource::Derived {
                        slowest_accepted_ms: slowest,
                    },
                ),
                None => (DEFAULT_TIME_LIMIT_MS, TimeLimitSource::Default),
            }
        }
    };

    for (index, example) in problem.submissions.iter().enumerate() {
        let Some(submission) = load(engine, example)? else {
            let entry = Checked {
                name: example.name.clone(),
                expected: example.expected.as_str().to_owned(),
                language: example.language.clone(),
                status: "skipped",
                got: match &example.language {
                    Some(language) => {
                        format!("language `{language}` is not supported or not installed here")
                    }
                    None => "no supported language recognised".into(),
                },
                report: None,
            };
            progress(&entry);
            checked.push(entry);
            continue;
        };
        // An accepted submission measured under the generous limit got the same fuel, and
        // therefore the same results, as it would under the derived one (which is larger than
        // its slowest test).
        let report = match accepted_reports.iter().position(|(at, _)| *at == index) {
            Some(position) if accepted_reports[position].1.verdict == Verdict::Accepted => {
                let mut report = accepted_reports.swap_remove(position).1;
                report.time_limit_ms = limit;
                report
            }
            _ => {
                let options = JudgeOptions {
                    run_all: false,
                    time_limit_ms: Some(limit),
                };
                engine.judge(problem, &submission, &options, &|_| {})?
            }
        };
        let (ok, got) = matches(problem, example, &report);
        let entry = Checked {
            name: example.name.clone(),
            expected: example.expected.as_str().to_owned(),
            language: example.language.clone(),
            status: if ok { "ok" } else { "mismatch" },
            got,
            report: Some(report),
        };
        progress(&entry);
        checked.push(entry);
    }
    Ok(Verification {
        problem: problem.name.clone(),
        time_limit_ms: limit,
        time_limit: source,
        submissions: checked,
    })
}

/// The derived time limit: the slowest accepted time x `ac_to_time_limit`, rounded up to a
/// multiple of `time_resolution`.
pub fn derive(problem: &Problem, slowest_ms: u64) -> u64 {
    let resolution = problem.limits.time_resolution_ms.max(1);
    let wanted = (slowest_ms as f64 * problem.limits.ac_to_time_limit).ceil() as u64;
    wanted.div_ceil(resolution).max(1) * resolution
}

/// Whether `report` is what the submission's directory promises, and what it got in words.
fn matches(problem: &Problem, example: &ExampleSubmission, report: &Report) -> (bool, String) {
    let verdict = report.verdict;
    let mut got = verdict.code().to_owned();
    if let (Some(score), Some(max)) = (report.score, report.max_score) {
        got = format!("{got}, score {score}/{max}");
    } else if let Some(score) = report.score {
        got = format!("{got}, score {score}");
    }
    if verdict == Verdict::InternalError && !report.message.is_empty() {
        got = format!("{got}: {}", report.message);
    }
    let ok = match &example.expected {
        Expected::Accepted => {
            verdict == Verdict::Accepted
                && (!problem.scoring
                    || report.max_score.is_none()
                    || report.score == report.max_score)
        }
        Expected::WrongAnswer => verdict == Verdict::WrongAnswer,
        Expected::TimeLimitExceeded => verdict == Verdict::TimeLimitExceeded,
        Expected::RunTimeError => {
            matches!(
                verdict,
                Verdict::RuntimeError | Verdict::MemoryLimitExceeded
            )
        }
        Expected::MemoryLimitExceeded => verdict == Verdict::MemoryLimitExceeded,
        Expected::PartiallyAccepted => match (report.score, report.max_score) {
            (Some(score), Some(max)) => score > 0.0 && score < max,
            (Some(score), None) => score > 0.0,
            _ => false,
        },
        Expected::Rejected => !matches!(verdict, Verdict::Accepted | Verdict::InternalError),
        Expected::BruteForce => matches!(
            verdict,
            Verdict::TimeLimitExceeded | Verdict::RuntimeError | Verdict::MemoryLimitExceeded
        ),
        Expected::Other(_) => verdict != Verdict::InternalError,
    };
    let score_ok = match (example.score, report.score) {
        (Some((low, high)), Some(score)) => score >= low - 1e-9 && score <= high + 1e-9,
        (Some(_), None) => false,
        (None, _) => true,
    };
    (ok && score_ok && verdict != Verdict::CompileError, got)
}

/// An example submission as a [`Submission`], or `None` when its language is not one we run.
fn load(engine: &Engine, example: &ExampleSubmission) -> Result<Option<Submission>> {
    let Some(language) = &example.language else {
        return Ok(None);
    };
    let Ok(spec) = engine.toolchains().language(language) else {
        return Ok(None);
    };
    if engine.toolchains().state(language) != xcode_toolchains::InstallState::Installed {
        return Ok(None);
    }
    if !example.path.is_dir() {
        return Ok(Some(Submission {
            language: language.clone(),
            source: read(&example.path)?,
            files: Vec::new(),
        }));
    }
    // A directory: the main file is the language's source name, or the only file of the
    // language; the others go beside it.
    let mut files = Vec::new();
    let entries = std::fs::read_dir(&example.path)
        .map_err(|err| crate::Error::Io(format!("{}: {err}", example.path.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_file() {
            files.push((entry.file_name().to_string_lossy().into_owned(), path));
        }
    }
    files.sort();
    let of_language = |name: &str| {
        Path::new(name)
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| spec.extensions.iter().any(|known| known == ext))
    };
    let main = files
        .iter()
        .position(|(name, _)| *name == spec.source)
        .or_else(|| {
            let candidates: Vec<usize> = (0..files.len())
                .filter(|&i| of_language(&files[i].0))
                .collect();
            (candidates.len() == 1).then(|| candidates[0])
        });
    let Some(main) = main else {
        return Ok(None);
    };
    let (_, main_path) = files.remove(main);
    let mut extra = Vec::new();
    for (name, path) in files {
        extra.push((name, read(&path)?));
    }
    Ok(Some(Submission {
        language: language.clone(),
        source: read(&main_path)?,
        files: extra,
    }))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|err| crate::Error::Io(format!("cannot read {}: {err}", path.display())))
}
