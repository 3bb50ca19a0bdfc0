//! `xcode run --lang` and `xcode toolchains`: programs in languages, as a contestant's tools
//! call them. The toolchains and the module cache are the machine's (`.ci/run` installs them
//! first; the first test here installs what it uses, which is a no-op then).

use std::process::{Command, Output};
use std::sync::Once;

use serde_json::Value;

use crate::{Scratch, output_of, parse_report};

fn xcode() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xcode"));
    command.env_remove("XCODE_CACHE_DIR");
    command
}

fn installed() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let output = xcode()
            .args(["toolchains", "install", "c", "python3", "typescript"])
            .output()
            .expect("xcode runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    });
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    installed();
    output_of(xcode().args(args), stdin)
}

fn json(args: &[&str], stdin: &[u8]) -> Value {
    let output = run(args, stdin);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    parse_report(&output.stdout)
}

#[test]
fn the_python_example_greets() {
    let output = run(
        &[
            "run",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/hello.py"),
        ],
        b"Ada\n",
    );
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), "Hello, Ada!\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("xcode: exited 0 | fuel "), "{stderr}");
}

#[test]
fn the_language_comes_from_the_flag_or_the_extension() {
    let scratch = Scratch::new();
    let source = scratch.file("solution.txt", "print(sum(map(int, input().split())))\n");
    let source = source.to_str().expect("utf-8 path");
    let report = json(&["run", "--json", "--lang", "python3", source], b"2 3\n");
    assert_eq!(report["status"], "exited");
    assert_eq!(report["stdout"], "5\n");
    assert!(
        report.get("compile_output").is_none(),
        "interpreters do not compile"
    );

    let output = run(&["run", source], b"");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot tell the language") && stderr.contains("--lang"),
        "{stderr}"
    );

    let output = run(&["run", "--lang", "cobol", source], b"");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown language `cobol`"));
}

#[test]
fn a_compile_error_is_a_status_with_the_compilers_message() {
    let scratch = Scratch::new();
    let source = scratch.file("main.c", "int main(void) { return missing; }\n");
    let source = source.to_str().expect("utf-8 path");
    let report = json(&["run", "--json", source], b"");
    assert_eq!(report["status"], "compile_error");
    let message = report["compile_output"].as_str().expect("compile_output");
    assert!(
        message.contains("main.c:1") && message.contains("missing"),
        "{message}"
    );

    let output = run(&["run", source], b"");
    assert!(
        output.status.success(),
        "a compile error is the program's failure, not xcode's"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("undeclared identifier 'missing'"),
        "{stderr}"
    );
    assert!(
        stderr
            .trim_end()
            .lines()
            .last()
            .is_some_and(|line| line.starts_with("xcode: compile error")),
        "{stderr}"
    );
}

#[test]
fn compiled_programs_report_the_compile_and_reuse_it() {
    let scratch = Scratch::new();
    let program = format!(
        "#include <stdio.h>\nint main(void) {{ puts(\"{}\"); return 3; }}\n",
        std::process::id()
    );
    let source = scratch.file("main.c", program);
    let source = source.to_str().expect("utf-8 path");
    let first = json(&["run", "--json", source], b"");
    assert_eq!(first["status"], "exited");
    assert_eq!(first["exit_code"], 3);
    assert_eq!(first["compile_output"], "");
    let second = json(&["run", "--json", source], b"");
    assert_eq!(second["compile_cached"], true);
    assert_eq!(second["stdout"], first["stdout"]);
}

#[test]
fn typescript_runs_with_arguments_after_the_program() {
    let scratch = Scratch::new();
    let source = scratch.file(
        "main.ts",
        "const args: string[] = process.argv.slice(2);\nconsole.log(args.join(','));\n",
    );
    let report = json(
        &[
            "run",
            "--json",
            source.to_str().expect("utf-8"),
            "--",
            "a",
            "b",
        ],
        b"",
    );
    assert_eq!(report["stdout"], "a,b\n", "{report}");
}

#[test]
fn toolchains_list_names_every_language() {
    installed();
    let output = xcode()
        .args(["toolchains", "list", "--json"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let rows: Value = serde_json::from_slice(&output.stdout).expect("one JSON array");
    let rows = rows.as_array().expect("array");
    assert!(rows.len() >= 10);
    let python = rows
        .iter()
        .find(|row| row["id"] == "python3")
        .expect("python3 listed");
    assert_eq!(python["state"], "installed");
    assert!(python["size_bytes"].as_u64().unwrap_or(0) > 1 << 20);

    let text = xcode().args(["toolchains", "list"]).output().expect("runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.starts_with("ID "), "{text}");
    assert!(
        text.contains("python3") && text.contains("installed"),
        "{text}"
    );
}

#[test]
fn installing_an_unknown_language_is_a_clear_error() {
    let output = xcode()
        .args(["toolchains", "install", "cobol"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown language `cobol`"), "{stderr}");
}
