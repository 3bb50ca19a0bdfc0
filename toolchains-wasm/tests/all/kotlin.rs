//! Kotlin beyond the shared checks: the `xcode.io` helpers, `main` called once through the
//! start file (and how it finds `main`), uncaught exceptions with their message, and the
//! compiler's own messages.

use xcode_runtime::Status;
use xcode_toolchains::JailLimits;

use super::{assert_exited, compile_error, run, stderr, stdout};

#[test]
fn input_helpers_read_tokens_numbers_and_lines() {
    let source = r#"import xcode.io.*

fun main() = output {
    val n = readInt()
    val longs = readLongs(n)
    println(longs.joinToString(","))
    println(readWord() + "|" + readDouble())
    println("[" + readLineOrNull() + "]")
    println("[" + readLineOrNull() + "]")
    println(readInts(2).sum())
    println(hasNext())
    println(readLineOrNull())
    printErr("to stderr")
}
"#;
    let input = "3\n-9223372036854775808 +17 9223372036854775807\nword 2.5 rest of line\r\nnext line\n 4 -5\n";
    let outcome = run("kotlin", source, input);
    assert_exited(&outcome, "kotlin");
    assert_eq!(
        stdout(&outcome),
        "-9223372036854775808,17,9223372036854775807\nword|2.5\n[ rest of line]\n[next line]\n-1\nfalse\nnull\n"
    );
    assert_eq!(stderr(&outcome), "to stderr\n");
}

#[test]
fn bad_numbers_are_errors_not_wrong_answers() {
    let read = "import xcode.io.*\n\nfun main() {\n    println(readInt())\n}\n";
    for (input, message) in [
        ("12x\n", "NumberFormatException"),
        ("9223372036854775808\n", "integer out of range"),
        ("2147483648\n", "integer out of range"),
        ("", "no more input"),
    ] {
        let outcome = run("kotlin", read, input);
        assert_eq!(outcome.status, Status::Exited(1), "{input:?}");
        assert!(
            stderr(&outcome).contains(message),
            "{input:?}: {}",
            stderr(&outcome)
        );
    }
}

#[test]
fn main_runs_once_after_the_programs_globals_and_output_is_flushed() {
    let source = r#"import xcode.io.*

val squares = IntArray(5) { it * it }
var calls = 0

fun main() = output {
    calls++
    println("calls $calls, square ${squares[3]}")
    repeat(100_000) { println(it) }
}
"#;
    let outcome = run("kotlin", source, "");
    assert_exited(&outcome, "kotlin");
    let out = stdout(&outcome);
    assert!(
        out.starts_with("calls 1, square 9\n0\n1\n"),
        "{}",
        &out[..40]
    );
    assert!(out.ends_with("\n99999\n"));
    assert_eq!(out.lines().count(), 100_001);
    assert_eq!(out.matches("calls").count(), 1);
}

#[test]
fn an_uncaught_exception_prints_its_type_message_and_cause() {
    let source = r#"package contest.solution

import xcode.io.*

class Broken(message: String, cause: Throwable) : RuntimeException(message, cause)

fun parse(s: String): Int = try {
    s.toInt()
} catch (e: NumberFormatException) {
    throw Broken("cannot parse '$s'", e)
}

fun main(args: Array<String>) = output {
    println("before")
    println(parse("x1"))
}
"#;
    let outcome = run("kotlin", source, "");
    assert_eq!(outcome.status, Status::Exited(1), "{}", stderr(&outcome));
    // Output printed before the exception is kept.
    assert_eq!(stdout(&outcome), "before\n");
    let err = stderr(&outcome);
    assert!(err.starts_with("Exception in thread \"main\" "), "{err}");
    assert!(err.contains("Broken: cannot parse 'x1'"), "{err}");
    assert!(err.contains("Caused by: NumberFormatException"), "{err}");

    for (source, message) in [
        (
            "fun main() {\n    listOf(1)[3]\n}\n",
            "IndexOutOfBoundsException",
        ),
        (
            "fun main() {\n    val m = mapOf(1 to 2)\n    println(m.getValue(5))\n}\n",
            "NoSuchElementException",
        ),
        (
            "fun main() {\n    println(1 / (readln().length - 1))\n}\n",
            "ArithmeticException",
        ),
        (
            "fun main() {\n    val s: String? = null\n    println(s!!.length)\n}\n",
            "NullPointerException",
        ),
    ] {
        let outcome = run("kotlin", source, "x\n");
        assert_eq!(
            outcome.status,
            Status::Exited(1),
            "{source}: {}",
            stderr(&outcome)
        );
        assert!(
            stderr(&outcome).contains(message),
            "{source}: {}",
            stderr(&outcome)
        );
    }
}

#[test]
fn programs_the_start_file_does_not_fit_run_as_written() {
    // Comments that look like other `main`s do not mislead the start file; a private `main`
    // it cannot call compiles without it (Kotlin's own start runs the program).
    let commented = "// fun main() is below\n/* fun main(args: Array<String>) */\nfun main() {\n    println(\"commented\")\n}\n";
    let outcome = run("kotlin", commented, "");
    assert_exited(&outcome, "kotlin");
    assert_eq!(stdout(&outcome), "commented\n");

    let private = "private fun main() {\n    println(\"private\")\n}\n";
    let outcome = run("kotlin", private, "");
    assert_exited(&outcome, "kotlin");
    assert_eq!(stdout(&outcome), "private\n");
}

#[test]
fn compile_errors_name_the_line_and_never_the_start_file() {
    let limits = JailLimits::default();
    let source = "fun main() {\n    val x: Int = \"text\"\n    println(y)\n}\n";
    let compiled = compile_error("kotlin", source, &limits);
    assert!(
        compiled.output.contains("main.kt:2:"),
        "{}",
        compiled.output
    );
    assert!(
        compiled.output.contains("main.kt:3:"),
        "{}",
        compiled.output
    );
    assert!(
        compiled.output.contains("unresolved reference 'y'"),
        "{}",
        compiled.output
    );
    assert!(
        !compiled.output.contains("xcode-start"),
        "{}",
        compiled.output
    );
    // `java.*` is not there: the common standard library only.
    let compiled = compile_error(
        "kotlin",
        "import java.util.Scanner\n\nfun main() {\n    println(Scanner(System.`in`).nextInt())\n}\n",
        &limits,
    );
    assert!(
        compiled.output.contains("unresolved reference"),
        "{}",
        compiled.output
    );
}
