//! `xcode judge` and `xcode problem`: the example packages verify, the JSON has the documented
//! shape, bad input exits 2 with a message naming the file.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::Scratch;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/problems")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every example package: every submission gets what its directory says, in every language.
#[test]
fn the_example_packages_verify() {
    let scratch = Scratch::new();
    for problem in ["hello", "circlearea", "guess", "subtasks"] {
        let dir = examples().join(problem);
        let output = scratch.run(&["problem", "verify", dir.to_str().expect("utf-8")], b"");
        let text = stdout(&output);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{problem}:\n{text}\n{}",
            stderr(&output)
        );
        assert!(!text.contains("MISMATCH"), "{problem}:\n{text}");
        assert!(
            !text.lines().any(|line| line.starts_with("skipped")),
            "{problem}: every language is installed in CI\n{text}"
        );
    }
}

#[test]
fn judge_json_has_the_documented_shape() {
    let scratch = Scratch::new();
    let dir = examples().join("subtasks");
    let source = dir.join("submissions/partially_accepted/int32_sum.cpp");
    let output = scratch.run(
        &[
            "judge",
            "--problem",
            dir.to_str().expect("utf-8"),
            source.to_str().expect("utf-8"),
            "--json",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(report["verdict"], "WA");
    let (score, max) = (
        report["score"].as_f64().expect("score"),
        report["max_score"].as_f64().expect("max_score"),
    );
    assert!(score > 0.0 && score < max, "{report}");
    assert!(report["compile_output"].is_string());
    let tests = report["tests"].as_array().expect("tests");
    assert!(!tests.is_empty());
    for test in tests {
        for key in [
            "name",
            "group",
            "verdict",
            "time_ms",
            "memory_bytes",
            "fuel",
        ] {
            assert!(test.get(key).is_some(), "{key} missing in {test}");
        }
    }
}

#[test]
fn judge_prints_a_table_and_exits_0_whatever_the_verdict() {
    let scratch = Scratch::new();
    let dir = examples().join("hello");
    let source = scratch.file("wrong.c", "int main(void) { return 0; }\n");
    let output = scratch.run(
        &[
            "judge",
            "--problem",
            dir.to_str().expect("utf-8"),
            source.to_str().expect("utf-8"),
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("sample/1"), "{text}");
    assert!(text.contains("verdict: WA"), "{text}");
}

#[test]
fn bad_input_is_a_clear_error() {
    let scratch = Scratch::new();
    let source = scratch.file("main.c", "int main(void) { return 0; }\n");
    let source = source.to_str().expect("utf-8");

    // Not a package.
    let output = scratch.run(&["judge", "--problem", "/nonexistent", source], b"");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("/nonexistent"),
        "{}",
        stderr(&output)
    );

    // Malformed problem.yaml.
    let bad = scratch.path().join("bad");
    std::fs::create_dir_all(bad.join("data/secret")).expect("dirs");
    std::fs::write(bad.join("problem.yaml"), "name: [unclosed\n").expect("write");
    std::fs::write(bad.join("data/secret/1.in"), "1\n").expect("write");
    std::fs::write(bad.join("data/secret/1.ans"), "1\n").expect("write");
    let output = scratch.run(
        &["judge", "--problem", bad.to_str().expect("utf-8"), source],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("problem.yaml"),
        "{}",
        stderr(&output)
    );

    // A missing answer file.
    std::fs::write(bad.join("problem.yaml"), "name: Bad\n").expect("write");
    std::fs::remove_file(bad.join("data/secret/1.ans")).expect("remove");
    let output = scratch.run(
        &["judge", "--problem", bad.to_str().expect("utf-8"), source],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("1.in"), "{}", stderr(&output));

    // A symlink out of the package.
    std::fs::write(bad.join("data/secret/1.ans"), "1\n").expect("write");
    std::os::unix::fs::symlink("/etc/passwd", bad.join("data/secret/2.in")).expect("symlink");
    std::fs::write(bad.join("data/secret/2.ans"), "1\n").expect("write");
    let output = scratch.run(
        &["judge", "--problem", bad.to_str().expect("utf-8"), source],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("2.in"), "{}", stderr(&output));
    std::fs::remove_file(bad.join("data/secret/2.in")).expect("remove");
    std::fs::remove_file(bad.join("data/secret/2.ans")).expect("remove");

    // An unknown language.
    let output = scratch.run(
        &[
            "judge",
            "--problem",
            bad.to_str().expect("utf-8"),
            source,
            "--lang",
            "cobol",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cobol"), "{}", stderr(&output));

    // A custom validator that is missing.
    std::fs::write(bad.join("problem.yaml"), "name: Bad\nvalidation: custom\n").expect("write");
    let output = scratch.run(
        &["judge", "--problem", bad.to_str().expect("utf-8"), source],
        b"",
    );
    assert_ne!(output.status.code(), Some(0), "{}", stdout(&output));
    let said = format!("{}{}", stderr(&output), stdout(&output));
    assert!(said.contains("validator"), "{said}");
}

#[test]
fn import_writes_a_native_package_that_judges_the_same() {
    let scratch = Scratch::new();
    let out = scratch.path().join("native");
    let dir = examples().join("circlearea");
    let output = scratch.run(
        &[
            "problem",
            "import",
            dir.to_str().expect("utf-8"),
            out.to_str().expect("utf-8"),
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(out.join("problem.toml").is_file());
    let output = scratch.run(&["problem", "verify", out.to_str().expect("utf-8")], b"");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
}
