//! Interactive problems: the validator and the submission run at once, in two sandboxes on two
//! threads, the validator's stdout wired to the submission's stdin and back.
//!
//! The verdict, as the Kattis tools (problemtools, DOMjudge) give it:
//! 1. the validator failed (crashed, exceeded its limits, waited forever, exited with a code
//!    other than 42/43): internal error, whatever the submission did;
//! 2. the validator rejected (exit 43) before the submission ended: wrong answer, whatever the
//!    submission did next (it usually fails, having lost its peer);
//! 3. the submission failed (time, memory, output, crash, non-zero exit): that verdict;
//! 4. the validator rejected: wrong answer; it accepted and the submission exited 0: accepted.
//!
//! A submission that waits forever hits its wall-clock limit first (the validator's is longer):
//! time limit exceeded. "First" is the order in which the two guests stopped, taken before
//! either's pipes close, so a run that ended because its peer did always comes second.

use std::time::Duration;

use xcode_runtime::{Outcome, Status, Stdin, pipe, watch_for_deadlock};

use crate::check::{self, Check, KATTIS_WRONG, Score};
use crate::engine::{Context, failure};
use crate::problem::{Interface, TestCase};
use crate::verdict::Verdict;

/// Extra wall time the validator gets over the submission, so that a submission waiting
/// forever is the one that times out.
const VALIDATOR_GRACE: Duration = Duration::from_secs(2);

pub(crate) fn run(
    context: &Context<'_>,
    test: &TestCase,
) -> (Verdict, Option<Outcome>, String, Option<Score>) {
    let Some(validator) = context.validator else {
        return (
            Verdict::InternalError,
            None,
            "an interactive problem needs a custom validator".into(),
            None,
        );
    };
    if validator.interface != Interface::Kattis {
        return (
            Verdict::InternalError,
            None,
            "interactive validators use the Kattis interface".into(),
            None,
        );
    }
    let scratch = match tempfile::Builder::new().prefix("xcode-interact.").tempdir() {
        Ok(dir) => dir,
        Err(err) => {
            return (
                Verdict::InternalError,
                None,
                format!("cannot create a feedback directory: {err}"),
                None,
            );
        }
    };
    let mut run = context.validator_run(validator, test);
    run.limits.wall_time = run
        .limits
        .wall_time
        .max(context.limits.wall_time + VALIDATOR_GRACE);
    let validator_spec = match check::validator_spec(&run, test, scratch.path()) {
        Ok(spec) => spec,
        Err(err) => return (Verdict::InternalError, None, err.to_string(), None),
    };
    let (to_submission, from_validator) = pipe();
    let (to_validator, from_submission) = pipe();
    // A submission waiting for the validator while the validator waits for it (it did not
    // flush, or read too much) is stopped at once, not at the wall-clock net: TLE.
    watch_for_deadlock(&to_validator, &from_validator);
    let validator_spec = validator_spec
        .stdin(Stdin::Pipe(from_submission))
        .stdout_pipe(to_submission);
    let mut submission_spec = check::base_spec(context.submission)
        .stdin(Stdin::Pipe(from_validator))
        .stdout_pipe(to_validator)
        .limits(context.limits.clone())
        .deterministic(0);
    submission_spec.args.extend(test.args.iter().cloned());

    let runtime = context.engine.runtime();
    let (validator_result, submission_result) = std::thread::scope(|scope| {
        let validator_thread =
            scope.spawn(|| runtime.run(&validator.runnable.module, validator_spec));
        let submission = runtime.run(&context.submission.module, submission_spec);
        let validator = validator_thread.join().unwrap_or_else(|_| {
            Err(xcode_runtime::Error::Engine(
                "validator thread panicked".into(),
            ))
        });
        (validator, submission)
    });
    let (validator_outcome, submission_outcome) = match (validator_result, submission_result) {
        (Ok(validator), Ok(submission)) => (validator, submission),
        (Err(err), _) | (_, Err(err)) => {
            return (
                Verdict::InternalError,
                None,
                format!("sandbox: {err}"),
                None,
            );
        }
    };
    // Each guest's stop instant is taken before its pipes close, so the run that ended because
    // its peer did always comes second.
    let validator_first = validator_outcome.ended_at < submission_outcome.ended_at;
    let checked = check::interpret(Interface::Kattis, &validator_outcome, scratch.path());
    let (verdict, message, said) = decide(
        &checked,
        validator_first && validator_outcome.status == Status::Exited(KATTIS_WRONG),
        failure(&submission_outcome, context.problem.limits.memory_bytes),
    );
    (verdict, Some(submission_outcome), message, said)
}

/// The rules in the module's documentation.
fn decide(
    checked: &Check,
    validator_rejected_first: bool,
    submission_failed: Option<(Verdict, String)>,
) -> (Verdict, String, Option<Score>) {
    if let Check::Broken { message } = checked {
        return (Verdict::InternalError, message.clone(), None);
    }
    if validator_rejected_first && let Check::Wrong { message } = checked {
        return (Verdict::WrongAnswer, message.clone(), None);
    }
    if let Some((verdict, message)) = submission_failed {
        return (verdict, message, None);
    }
    match checked {
        Check::Broken { message } => (Verdict::InternalError, message.clone(), None),
        Check::Wrong { message } => (Verdict::WrongAnswer, message.clone(), None),
        Check::Accepted { score, message } => (Verdict::Accepted, message.clone(), *score),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrong() -> Check {
        Check::Wrong {
            message: "too many guesses".into(),
        }
    }

    #[test]
    fn the_validators_early_rejection_wins_over_the_failure_that_follows() {
        let failed = Some((Verdict::RuntimeError, "exit code 1".into()));
        assert_eq!(
            decide(&wrong(), true, failed.clone()).0,
            Verdict::WrongAnswer
        );
        assert_eq!(decide(&wrong(), false, failed).0, Verdict::RuntimeError);
    }

    #[test]
    fn a_broken_validator_is_the_judges_fault_whatever_the_submission_did() {
        let broken = Check::Broken {
            message: "exit code 1".into(),
        };
        assert_eq!(decide(&broken, false, None).0, Verdict::InternalError);
        let timed_out = Some((Verdict::TimeLimitExceeded, String::new()));
        assert_eq!(decide(&broken, false, timed_out).0, Verdict::InternalError);
    }

    #[test]
    fn acceptance_needs_both() {
        let accepted = Check::Accepted {
            score: None,
            message: String::new(),
        };
        assert_eq!(decide(&accepted, false, None).0, Verdict::Accepted);
        assert_eq!(
            decide(
                &accepted,
                false,
                Some((Verdict::RuntimeError, String::new()))
            )
            .0,
            Verdict::RuntimeError
        );
        assert_eq!(decide(&wrong(), false, None).0, Verdict::WrongAnswer);
    }
}
