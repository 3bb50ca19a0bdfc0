//! Checking one test's output: the default output validator, or the problem's own validator
//! run as WebAssembly in the sandbox (Kattis or testlib interface).
//!
//! A validator that crashes, loops, exceeds a limit or answers with an exit code its interface
//! does not define is the judge's fault: [`Check::Broken`], which becomes `IE`, never a verdict
//! against the contestant.

use std::path::Path;
use std::time::Duration;

use xcode_runtime::{DirAccess, Limits, Outcome, RunSpec, Status};

use crate::default_validator;
use crate::engine::Runnable;
use crate::problem::{Interface, TestCase};

/// Kattis exit codes.
pub(crate) const KATTIS_ACCEPT: i32 = 42;
pub(crate) const KATTIS_WRONG: i32 = 43;

/// Largest message kept from a validator's feedback files or stderr.
const MESSAGE_BYTES: usize = 4096;

/// A validator's answer about one output.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Check {
    Accepted {
        score: Option<Score>,
        message: String,
    },
    Wrong {
        message: String,
    },
    /// The validator failed: internal error.
    Broken {
        message: String,
    },
}

/// What a validator said about a test's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Score {
    /// `score.txt`, or testlib points: the test's score.
    Absolute(f64),
    /// `score_multiplier.txt`: a fraction of the test's maximum score.
    Multiplier(f64),
}

/// The guest paths a validator sees.
pub(crate) const GUEST_INPUT_DIR: &str = "/judge/input";
pub(crate) const GUEST_ANSWER_DIR: &str = "/judge/answer";
pub(crate) const GUEST_OUTPUT_DIR: &str = "/judge/output";
pub(crate) const GUEST_FEEDBACK_DIR: &str = "/judge/feedback";

/// Everything a validator run needs besides the output it checks.
pub(crate) struct ValidatorRun<'a> {
    pub runnable: &'a Runnable,
    pub interface: Interface,
    pub flags: Vec<String>,
    pub limits: Limits,
}

pub(crate) fn default_check(test: &TestCase, flags: &[String], output: &[u8]) -> Check {
    let parsed = match default_validator::Flags::parse(flags) {
        Ok(parsed) => parsed,
        Err(err) => {
            return Check::Broken {
                message: format!("default validator flags: {err}"),
            };
        }
    };
    let answer = match std::fs::read(&test.answer) {
        Ok(answer) => answer,
        Err(err) => {
            return Check::Broken {
                message: format!("cannot read {}: {err}", test.answer.display()),
            };
        }
    };
    match default_validator::check(&answer, output, &parsed) {
        Ok(()) => Check::Accepted {
            score: None,
            message: String::new(),
        },
        Err(mismatch) => Check::Wrong {
            message: mismatch.message,
        },
    }
}

/// The arguments and directories a validator run gets for `test`: the test's input and answer
/// read-only, a fresh writable feedback directory (Kattis) or the contestant's output as a file
/// (testlib). Returns the spec and the scratch directory to read feedback from afterwards.
pub(crate) fn validator_spec(
    run: &ValidatorRun<'_>,
    test: &TestCase,
    scratch: &Path,
) -> std::io::Result<RunSpec> {
    let (input_dir, input_name) = split(&test.input)?;
    let (answer_dir, answer_name) = split(&test.answer)?;
    let mut spec = base_spec(run.runnable)
        .preopen(input_dir, GUEST_INPUT_DIR, DirAccess::ReadOnly)
        .preopen(answer_dir, GUEST_ANSWER_DIR, DirAccess::ReadOnly)
        .limits(run.limits.clone())
        .deterministic(0);
    let input = format!("{GUEST_INPUT_DIR}/{input_name}");
    let answer = format!("{GUEST_ANSWER_DIR}/{answer_name}");
    match run.interface {
        Interface::Kattis => {
            spec = spec.preopen(scratch, GUEST_FEEDBACK_DIR, DirAccess::ReadWrite);
            spec.args
                .extend([input, answer, format!("{GUEST_FEEDBACK_DIR}/")]);
            spec.args.extend(run.flags.iter().cloned());
        }
        Interface::Testlib => {
            spec = spec.preopen(scratch, GUEST_OUTPUT_DIR, DirAccess::ReadOnly);
            spec.args
                .extend([input, format!("{GUEST_OUTPUT_DIR}/output"), answer]);
        }
    }
    Ok(spec)
}

/// A run spec with the program's own argv, environment and directories (`/src`, the
/// toolchain's).
pub(crate) fn base_spec(runnable: &Runnable) -> RunSpec {
    let mut spec = RunSpec::new().args(runnable.args.iter().cloned());
    spec.env = runnable.env.clone();
    for (host, guest) in &runnable.dirs {
        spec = spec.preopen(host.clone(), guest.clone(), DirAccess::ReadOnly);
    }
    spec
}

fn split(path: &Path) -> std::io::Result<(&Path, String)> {
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => Ok((dir, name.to_string_lossy().into_owned())),
        _ => Err(std::io::Error::other(format!(
            "{} is not a file path",
            path.display()
        ))),
    }
}

/// What the validator's run means.
pub(crate) fn interpret(interface: Interface, outcome: &Outcome, scratch: &Path) -> Check {
    let code = match &outcome.status {
        Status::Exited(code) => *code,
        other => {
            return Check::Broken {
                message: format!(
                    "the validator failed: {}{}",
                    describe(other),
                    validator_stderr(outcome)
                ),
            };
        }
    };
    match interface {
        Interface::Kattis => kattis(code, outcome, scratch),
        Interface::Testlib => testlib(code, outcome),
    }
}

fn kattis(code: i32, outcome: &Outcome, feedback: &Path) -> Check {
    let judge_message = read_message(&feedback.join("judgemessage.txt"));
    let team_message = read_message(&feedback.join("teammessage.txt"));
    let message = [judge_message, team_message]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
    let score = read_message(&feedback.join("score.txt"));
    let multiplier = read_message(&feedback.join("score_multiplier.txt"));
    match code {
        KATTIS_ACCEPT => {
            let score = match (score, multiplier) {
                (Some(_), Some(_)) => {
                    return Check::Broken {
                        message: "the validator wrote both score.txt and score_multiplier.txt"
                            .into(),
                    };
                }
                (Some(text), None) => match parse_score(&text) {
                    Some(value) => Some(Score::Absolute(value)),
                    None => {
                        return Check::Broken {
                            message: format!("score.txt is not a non-negative number: {text:?}"),
                        };
                    }
                },
                (None, Some(text)) => match parse_score(&text) {
                    Some(value) if value <= 1.0 => Some(Score::Multiplier(value)),
                    _ => {
                        return Check::Broken {
                            message: format!(
                                "score_multiplier.txt is not a number in [0, 1]: {text:?}"
                            ),
                        };
                    }
                },
                (None, None) => None,
            };
            Check::Accepted { score, message }
        }
        KATTIS_WRONG => Check::Wrong {
            message: if message.is_empty() {
                "wrong answer".into()
            } else {
                message
            },
        },
        other => Check::Broken {
            message: format!(
                "the validator exited with code {other} (42 = accepted, 43 = wrong answer){}",
                validator_stderr(outcome)
            ),
        },
    }
}

/// testlib's exit codes: 0 ok, 1 wrong answer, 2 presentation error, 3 fail (the checker's own
/// failure), 4 dirt, 7 points, 8 unexpected end of file, 16 + n partially.
fn testlib(code: i32, outcome: &Outcome) -> Check {
    let message = String::from_utf8_lossy(&outcome.stderr).trim().to_owned();
    let message = truncate(message);
    match code {
        0 => Check::Accepted {
            score: None,
            message,
        },
        1 | 2 | 4 | 8 => Check::Wrong { message },
        3 => Check::Broken {
            message: format!("the checker failed: {message}"),
        },
        7 => match points(&message) {
            Some(points) => Check::Accepted {
                score: Some(Score::Absolute(points)),
                message,
            },
            None => Check::Broken {
                message: format!("the checker gave points but no number: {message}"),
            },
        },
        partial @ 16..=116 => Check::Accepted {
            score: Some(Score::Multiplier(f64::from(partial - 16) / 100.0)),
            message,
        },
        other => Check::Broken {
            message: format!("the checker exited with code {other}: {message}"),
        },
    }
}

/// testlib's `quitp` writes `points <value> <message>`.
fn points(message: &str) -> Option<f64> {
    let rest = message.strip_prefix("points")?.trim_start();
    let value = rest.split_whitespace().next()?;
    parse_score(value)
}

fn parse_score(text: &str) -> Option<f64> {
    let value: f64 = text.trim().parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value)
}

fn read_message(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes).trim().to_owned();
    (!text.is_empty()).then(|| truncate(text))
}

fn truncate(mut text: String) -> String {
    if text.len() > MESSAGE_BYTES {
        let mut end = MESSAGE_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(" [...]");
    }
    text
}

/// The last `max_bytes` (at most) of what the run wrote on stderr, trimmed; `None` if nothing.
pub(crate) fn stderr_tail(outcome: &Outcome, max_bytes: usize) -> Option<String> {
    let text = String::from_utf8_lossy(&outcome.stderr);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut start = text.len().saturating_sub(max_bytes);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    Some(text[start..].to_owned())
}

/// A validator's stderr, to append to a message about its failure.
fn validator_stderr(outcome: &Outcome) -> String {
    stderr_tail(outcome, 1000)
        .map(|tail| format!("; stderr: {tail}"))
        .unwrap_or_default()
}

/// A status in words, for messages.
pub(crate) fn describe(status: &Status) -> String {
    match status {
        Status::Exited(code) => format!("exit code {code}"),
        Status::FuelExhausted => "ran out of time (fuel)".into(),
        Status::WallTimeExceeded => "wall-clock limit exceeded".into(),
        Status::MemoryExceeded => "memory limit exceeded".into(),
        Status::OutputExceeded => "output limit exceeded".into(),
        Status::Deadlocked => "waited for the submission, which was waiting for it".into(),
        Status::Trap { kind, message } => format!("{kind}: {message}"),
    }
}

/// The limits a validator runs under.
pub(crate) fn validator_limits(
    fuel: u64,
    wall: Duration,
    memory_bytes: u64,
    output_bytes: u64,
) -> Limits {
    Limits {
        fuel,
        wall_time: wall,
        memory_bytes,
        stdout_bytes: usize::try_from(output_bytes).unwrap_or(usize::MAX),
        stderr_bytes: usize::try_from(output_bytes).unwrap_or(usize::MAX),
        ..Limits::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn testlib_points_are_read_from_the_message() {
        assert_eq!(points("points 0.5 half right"), Some(0.5));
        assert_eq!(points("points 12"), Some(12.0));
        assert_eq!(points("ok"), None);
        assert_eq!(points("points -1"), None);
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        let text = "é".repeat(MESSAGE_BYTES);
        let cut = truncate(text);
        assert!(cut.len() <= MESSAGE_BYTES + 6);
        assert!(cut.ends_with("[...]"));
    }
}
