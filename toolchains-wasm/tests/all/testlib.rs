//! testlib.h, as problem packages use it: checkers run as `checker input output answer` with
//! the files in a preopened read-only directory, interactors talk over stdin/stdout. Exit codes
//! and messages are testlib's own: _ok 0, _wa 1, _pe 2, _fail 3, _points 7, _unexpected_eof 8
//! (when enabled), _pc(n) n.

use std::path::Path;

use xcode_runtime::{DirAccess, Outcome, RunSpec, Status};
use xcode_toolchains::Program;

use crate::{launch, prepare, ready, stderr, stdout};

/// wcmp: the token sequences of output and answer must be equal.
const WCMP: &str = r#"#include "testlib.h"
using namespace std;
int main(int argc, char *argv[]) {
    setName("compare sequences of tokens");
    registerTestlibCmd(argc, argv);
    int n = 0;
    string j, p;
    while (!ans.seekEof() && !ouf.seekEof()) {
        n++;
        ans.readWordTo(j);
        ouf.readWordTo(p);
        if (j != p)
            quitf(_wa, "%d%s words differ - expected: '%s', found: '%s'", n,
                  englishEnding(n).c_str(), compress(j).c_str(), compress(p).c_str());
    }
    if (ans.seekEof() && ouf.seekEof())
        quitf(_ok, "%d tokens", n);
    if (ans.seekEof())
        quitf(_wa, "Participant output contains extra tokens");
    quitf(_wa, "Unexpected EOF in the participants output");
}
"#;

/// Reals with an absolute or relative error of 1e-6.
const DOUBLES: &str = r#"#include <testlib.h>
int main(int argc, char *argv[]) {
    registerTestlibCmd(argc, argv);
    int n = inf.readInt(1, 100, "n");
    for (int i = 1; i <= n; i++) {
        double expected = ans.readDouble();
        double found = ouf.readDouble();
        if (!doubleCompare(expected, found, 1e-6))
            quitf(_wa, "%d%s numbers differ - expected: '%.7f', found: '%.7f'", i,
                  englishEnding(i).c_str(), expected, found);
    }
    quitf(_ok, "%d numbers", n);
}
"#;

/// One integer in [1, 10] that must equal the answer; the input says how to score it.
const SCORED: &str = r#"#include "testlib.h"
#include <string>
int main(int argc, char *argv[]) {
    registerTestlibCmd(argc, argv);
    std::string mode = inf.readToken();
    long long big = inf.readLong();
    ensuref(big > 0, "the input's number must be positive, got %lld", big);
    int x = ouf.readInt(1, 10, "x");
    int expected = ans.readInt();
    if (mode == "points")
        quitp(x == expected ? 1.0 : 0.5, "x = %d", x);
    if (mode == "partial")
        quitf(_pc(x * 10), "x = %d", x);
    if (x != expected)
        quitf(_wa, "expected %d, found %d", expected, x);
    quitf(_ok, "x = %d", x);
}
"#;

/// Guess the number: answers `<`, `>` or `=` to each guess; the answer file (optional) holds
/// the most queries allowed. Writes the number of queries to the output file.
const GUESS: &str = r#"#include "testlib.h"
#include <iostream>
int main(int argc, char *argv[]) {
    registerInteraction(argc, argv);
    int secret = inf.readInt(1, 100, "secret");
    int queries = 0;
    for (;;) {
        int guess = ouf.readInt(1, 100, "guess");
        queries++;
        if (guess == secret) {
            std::cout << "=" << std::endl;
            break;
        }
        std::cout << (guess < secret ? "<" : ">") << std::endl;
    }
    tout << queries << std::endl;
    if (argc >= 4) {
        int limit = ans.readInt();
        if (queries > limit)
            quitf(_wa, "%d queries, the limit is %d", queries, limit);
    }
    quitf(_ok, "found %d in %d queries", secret, queries);
}
"#;

fn compiled(source: &str) -> Program {
    ready("cpp", prepare("cpp", source))
}

/// Runs a checker on (input, output, answer), given in a read-only `/judge`.
fn check(checker: &Program, input: &str, output: &str, answer: &str) -> Outcome {
    let judge = tempfile::tempdir().expect("tempdir");
    write(judge.path(), "input", input);
    write(judge.path(), "output", output);
    write(judge.path(), "answer", answer);
    let spec = RunSpec::new()
        .args(["checker", "/judge/input", "/judge/output", "/judge/answer"])
        .preopen(judge.path(), "/judge", DirAccess::ReadOnly);
    launch("cpp", checker.clone(), spec)
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write a judge file");
}

#[track_caller]
fn verdict(outcome: &Outcome, code: i32, message: &str) {
    assert_eq!(
        outcome.status,
        Status::Exited(code),
        "stderr {:?}",
        stderr(outcome)
    );
    assert!(
        stderr(outcome).contains(message),
        "{message:?} not in {:?}",
        stderr(outcome)
    );
}

#[test]
fn a_token_checker_accepts_and_rejects() {
    let wcmp = compiled(WCMP);
    let answer = "1 2\nthree\n";
    verdict(
        &check(&wcmp, "", "1  2 three\n\n", answer),
        0,
        "ok 3 tokens",
    );
    verdict(
        &check(&wcmp, "", "1 3 three\n", answer),
        1,
        "wrong answer 2nd words differ - expected: '2', found: '3'",
    );
    verdict(
        &check(&wcmp, "", "1 2\n", answer),
        1,
        "Unexpected EOF in the participants output",
    );
    verdict(
        &check(&wcmp, "", "1 2 three four\n", answer),
        1,
        "extra tokens",
    );
    // A checker run without its files fails (testlib's _fail), naming the usage.
    let outcome = launch("cpp", wcmp, RunSpec::new().args(["checker"]));
    verdict(
        &outcome,
        3,
        "Program must be run with the following arguments",
    );
}

#[test]
fn a_real_checker_compares_with_tolerance() {
    let doubles = compiled(DOUBLES);
    let answer = "3.14159265\n1000000\n";
    verdict(
        &check(&doubles, "2\n", "3.1415929 1000000.5\n", answer),
        0,
        "ok 2 numbers",
    );
    verdict(
        &check(&doubles, "2\n", "3.1416 1000000\n", answer),
        1,
        "1st numbers differ",
    );
    verdict(
        &check(&doubles, "2\n", "3.14159265 pi\n", answer),
        2,
        "wrong output format Expected double",
    );
}

#[test]
fn format_errors_points_and_failures_keep_testlibs_exit_codes() {
    let scored = compiled(SCORED);
    let ok = "exact 5\n";
    verdict(&check(&scored, ok, "7\n", "7\n"), 0, "ok x = 7");
    verdict(&check(&scored, ok, "6\n", "7\n"), 1, "expected 7, found 6");
    // Out of range is a wrong answer; not a number, an overflow (std::stoll aborted without
    // exceptions; the patched header says _pe), missing output or trailing output are
    // presentation errors.
    verdict(
        &check(&scored, ok, "11\n", "7\n"),
        1,
        "[name=x] equals to 11, violates the range [1, 10]",
    );
    verdict(&check(&scored, ok, "seven\n", "7\n"), 2, "Expected integer");
    let overflow = "99999999999999999999";
    verdict(
        &check(&scored, ok, &format!("{overflow}\n"), "7\n"),
        2,
        &format!("Expected integer, but \"{overflow}\" found"),
    );
    // The same in the input is the checker's failure (testlib's rule for inf and ans).
    verdict(
        &check(&scored, &format!("exact {overflow}\n"), "7\n", "7\n"),
        3,
        &format!("FAIL Expected integer, but \"{overflow}\" found"),
    );
    verdict(&check(&scored, ok, "", "7\n"), 2, "Unexpected end of file");
    verdict(
        &check(&scored, ok, "7 8\n", "7\n"),
        2,
        "Extra information in the output file",
    );
    verdict(
        &check(&scored, "exact -3\n", "7\n", "7\n"),
        3,
        "FAIL the input's number must be positive, got -3",
    );
    let points = check(&scored, "points 1\n", "6\n", "7\n");
    verdict(&points, 7, "points 0.5 x = 6");
    verdict(
        &check(&scored, "points 1\n", "7\n", "7\n"),
        7,
        "points 1.0 x = 7",
    );
    // _pc(n) is the result _partially + n (16 + n); its exit code is PC_BASE_EXIT_CODE + n,
    // and the base is 0 unless TESTSYS is defined.
    verdict(
        &check(&scored, "partial 1\n", "3\n", "7\n"),
        30,
        "partially correct (30) x = 3",
    );
}

#[test]
fn unexpected_eof_has_its_own_code_when_enabled() {
    let source = format!("#define ENABLE_UNEXPECTED_EOF\n{SCORED}");
    let scored = compiled(&source);
    verdict(&check(&scored, "exact 1\n", "", "7\n"), 8, "unexpected eof");
}

#[test]
fn an_interactor_reads_the_contestant_on_stdin() {
    let guess = compiled(GUESS);
    let judge = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    write(judge.path(), "input", "37\n");
    write(judge.path(), "answer", "3\n");
    let run = |args: &[&str], stdin: &str| {
        let spec = RunSpec::new()
            .args(args.iter().copied())
            .stdin(stdin.as_bytes().to_vec())
            .preopen(judge.path(), "/judge", DirAccess::ReadOnly)
            .preopen(out.path(), "/out", DirAccess::ReadWrite);
        launch("cpp", guess.clone(), spec)
    };
    let with_answer = ["interactor", "/judge/input", "/out/tout", "/judge/answer"];
    let outcome = run(&with_answer, "50\n25\n37\n");
    verdict(&outcome, 0, "ok found 37 in 3 queries");
    assert_eq!(stdout(&outcome), ">\n<\n=\n");
    let tout = std::fs::read_to_string(out.path().join("tout")).expect("tout written");
    assert_eq!(tout, "3\n");

    let outcome = run(&with_answer, "1\n2\n3\n37\n");
    verdict(&outcome, 1, "4 queries, the limit is 3");
    // The answer file is optional; a contestant who stops early is a presentation error.
    let outcome = run(&with_answer[..3], "1\n2\n3\n37\n");
    verdict(&outcome, 0, "in 4 queries");
    let outcome = run(&with_answer[..3], "50\n");
    verdict(&outcome, 2, "Unexpected end of file");
    assert_eq!(stdout(&outcome), ">\n");
    let outcome = run(&with_answer[..3], "500\n");
    verdict(
        &outcome,
        1,
        "[name=guess] equals to 500, violates the range",
    );
}

#[test]
fn a_generator_and_a_validator_agree() {
    let generator = compiled(
        r#"#include "testlib.h"
int main(int argc, char *argv[]) {
    registerGen(argc, argv, 1);
    int n = opt<int>("n");
    println(n);
    std::vector<int> a(n);
    for (int &x : a)
        x = rnd.next(1, 100);
    println(a);
    println(rnd.next("[a-z]{5}"));
}
"#,
    );
    let validator = compiled(
        r#"#include "testlib.h"
int main(int argc, char *argv[]) {
    registerValidation(argc, argv);
    int n = inf.readInt(1, 100, "n");
    inf.readEoln();
    inf.readInts(n, 1, 100, "a");
    inf.readEoln();
    inf.readToken("[a-z]{5}", "s");
    inf.readEoln();
    inf.readEof();
}
"#,
    );
    let generate = |seed: &str| {
        let spec = RunSpec::new().args(["gen", "-n", "7", seed]);
        let outcome = launch("cpp", generator.clone(), spec);
        verdict(&outcome, 0, "");
        stdout(&outcome)
    };
    let test = generate("1");
    assert_eq!(test, generate("1"), "a seed gives one test");
    assert_ne!(test, generate("2"));
    let validate = |input: &str| {
        let spec = RunSpec::new()
            .args(["validator"])
            .stdin(input.as_bytes().to_vec());
        launch("cpp", validator.clone(), spec)
    };
    verdict(&validate(&test), 0, "");
    verdict(
        &validate(&test.replacen("7", "0", 1)),
        3,
        "FAIL Integer parameter [name=n] equals to 0",
    );
}
