//! C++ beyond the shared checks: exceptions (libc++ built with wasm exception handling, the
//! engine running `try_table`/`throw`), the precompiled `bits/stdc++.h` and what happens to a
//! program it would break.

use xcode_runtime::{Limits, Status};
use xcode_toolchains::JailLimits;

use super::{assert_exited, compile_error, run, run_with, stderr, stdout};

#[test]
fn exceptions_are_caught_as_in_native_cpp() {
    let source = r#"#include <bits/stdc++.h>
using namespace std;
struct Tracked { string name; ~Tracked() { cout << "destroyed " << name << "\n"; } };
int parse(const string &s) { return stoi(s); }
int main() {
    try { parse("abc"); } catch (const invalid_argument &e) { cout << "invalid_argument\n"; }
    try { parse("99999999999999"); } catch (const out_of_range &e) { cout << "out_of_range\n"; }
    vector<int> v(3);
    try { v.at(5) = 1; } catch (const out_of_range &e) { cout << "at\n"; }
    try {
        try { Tracked t{"inner"}; throw runtime_error("first"); }
        catch (const runtime_error &) { cout << "caught, rethrowing\n"; throw; }
    } catch (const exception &e) { cout << "outer " << e.what() << "\n"; }
    exception_ptr saved;
    try { throw 42; } catch (...) { saved = current_exception(); }
    try { rethrow_exception(saved); } catch (int x) { cout << "exception_ptr " << x << "\n"; }
    try { vector<char> huge(size_t(1) << 30); cout << huge.size() << "\n"; }
    catch (const bad_alloc &) { cout << "bad_alloc\n"; }
    try { throw string("a string"); } catch (const string &s) { cout << s << "\n"; }
    long long total = 0;
    for (int i = 0; i < 100000; i++) {
        try { if (i % 2) throw i; total += i; } catch (int x) { total -= x; }
    }
    cout << total << "\n";
}
"#;
    let outcome = run("cpp", source, "");
    assert_exited(&outcome, "cpp");
    assert_eq!(
        stdout(&outcome),
        "invalid_argument\nout_of_range\nat\ndestroyed inner\ncaught, rethrowing\n\
         outer first\nexception_ptr 42\nbad_alloc\na string\n-50000\n"
    );
}

#[test]
fn an_uncaught_exception_is_a_runtime_error_with_its_message() {
    let source = r#"#include <stdexcept>
#include <cstdio>
void deep(int n) { if (n == 0) throw std::out_of_range("index 7 out of range"); deep(n - 1); }
int main() { std::puts("before"); deep(100); std::puts("after"); }
"#;
    let outcome = run("cpp", source, "");
    assert!(
        matches!(outcome.status, Status::Trap { .. } | Status::Exited(1..)),
        "{:?}",
        outcome.status
    );
    assert_eq!(stdout(&outcome), "before\n");
    let message = stderr(&outcome);
    assert!(
        message.contains("uncaught exception") && message.contains("index 7 out of range"),
        "{message}"
    );
    // Thrown while a global is constructed, before `main`: the same.
    let global = r#"#include <string>
#include <stdexcept>
struct Config { int value = std::stoi(std::string("not a number")); } config;
int main() { return config.value; }
"#;
    let outcome = run("cpp", global, "");
    assert!(
        stderr(&outcome).contains("uncaught exception") && stderr(&outcome).contains("stoi"),
        "{:?}: {}",
        outcome.status,
        stderr(&outcome)
    );
}

#[test]
fn exceptions_in_a_loop_neither_leak_nor_escape_the_fuel_limit() {
    // Every iteration throws and catches: the exception objects must be freed (else the
    // memory limit ends the run) and a throwing loop must still run out of fuel.
    let source = r#"#include <stdexcept>
int main() { volatile long n = 0; for (;;) { try { throw std::runtime_error("x"); } catch (const std::exception &) { n = n + 1; } } }
"#;
    let outcome = run_with(
        "cpp",
        source,
        "",
        Limits {
            fuel: 100_000_000,
            // The 64 MiB stack is part of linear memory.
            memory_bytes: 160 << 20,
            ..Limits::default()
        },
    );
    assert_eq!(
        outcome.status,
        Status::FuelExhausted,
        "{}",
        stderr(&outcome)
    );
}

#[test]
fn a_program_that_clashes_with_the_precompiled_header_still_compiles() {
    // With `using namespace std`, a global `count` is ambiguous once <algorithm> is seen:
    // <cstdio> alone does not bring it, the force-included bits/stdc++.h does.
    let source = r#"#include <cstdio>
using namespace std;
int count = 5;
int main() { printf("%d\n", count); }
"#;
    let outcome = run("cpp", source, "");
    assert_exited(&outcome, "cpp");
    assert_eq!(stdout(&outcome), "5\n");
}

#[test]
fn a_real_compile_error_reports_the_programs_own_error() {
    let compiled = compile_error(
        "cpp",
        "int main() { undeclared_name = 1; }\n",
        &JailLimits::default(),
    );
    assert!(
        compiled.output.contains("undeclared_name"),
        "{}",
        compiled.output
    );
}
