//! Programs of several files (`prepare_files`): a validator's header beside its source, a
//! Python helper module. Names are checked, and the files are part of the cache key.

use xcode_runtime::RunSpec;
use xcode_toolchains::{Error, JailLimits, MAX_SOURCE_BYTES, Prepared};

use crate::{assert_exited, ensure, launch, prepare_files, ready, stdout};

fn run_files(lang: &str, source: &str, files: &[(&str, &str)], stdin: &str) -> String {
    let program = ready(lang, prepare_files(lang, source, files));
    let spec = RunSpec::new()
        .args(program.args.clone())
        .stdin(stdin.as_bytes().to_vec());
    let outcome = launch(lang, program, spec);
    assert_exited(&outcome, lang);
    stdout(&outcome)
}

const VALIDATE_CPP: &str = "#include <cstdio>\n#include \"validate.h\"\nint main() { int x; std::scanf(\"%d\", &x); std::printf(\"%d\\n\", twice(x)); }\n";

#[test]
fn a_cpp_program_includes_a_header_beside_it() {
    let header = "#pragma once\ninline int twice(int x) { return 2 * x; }\n";
    let output = run_files("cpp", VALIDATE_CPP, &[("validate.h", header)], "21\n");
    assert_eq!(output, "42\n");
}

#[test]
fn a_python_program_imports_a_module_beside_it() {
    let main =
        "import helper\nfrom helper import SCALE\nprint(helper.scale(int(input())), SCALE)\n";
    let helper = "SCALE = 3\ndef scale(x):\n    return SCALE * x\n";
    let output = run_files("python3", main, &[("helper.py", helper)], "14\n");
    assert_eq!(output, "42 3\n");
}

#[test]
fn the_files_are_kept_beside_the_source() {
    let main = "import helper\n";
    let prepared = prepare_files("python3", main, &[("helper.py", "X = 1\n")]);
    let dir = ready("python3", prepared)
        .src_dir
        .expect("python runs from /src");
    assert_eq!(
        std::fs::read_to_string(dir.join("helper.py")).expect("kept"),
        "X = 1\n"
    );
    let header = "inline int twice(int x) { return 2 * x; }\n";
    let program = ready(
        "cpp",
        prepare_files("cpp", VALIDATE_CPP, &[("validate.h", header)]),
    );
    let dir = program.module.parent().expect("the compiled dir");
    assert!(dir.join("validate.h").is_file());
    assert!(dir.join("main.cpp").is_file());
}

#[test]
fn bad_file_names_are_refused() {
    let toolchains = &ensure("cpp").toolchains;
    let bad: &[(&[&str], &str)] = &[
        (&[""], "empty"),
        (&["a/b.h"], "slash"),
        (&["../x.h"], "slash"),
        (&["/etc/passwd"], "slash"),
        (&[".."], "dot"),
        (&["."], "dot"),
        (&[".ready"], "dot"),
        (&["a\\b.h"], "slash"),
        (&["nul\0.h"], "NUL"),
        (&["main.cpp"], "main source"),
        (&["main.wasm"], "output"),
        (&["x.h", "x.h"], "twice"),
    ];
    for (names, reason) in bad {
        let files: Vec<(String, Vec<u8>)> = names
            .iter()
            .map(|name| (name.to_string(), b"int x;\n".to_vec()))
            .collect();
        let err = toolchains
            .prepare_files(
                "cpp",
                VALIDATE_CPP.as_bytes(),
                &files,
                &JailLimits::default(),
            )
            .expect_err("a bad name");
        let message = err.to_string();
        assert!(
            matches!(err, Error::FileName { .. }),
            "{names:?}: {message}"
        );
        assert!(message.contains(reason), "{names:?}: {message}");
    }
    let err = ensure("python3")
        .toolchains
        .prepare_files(
            "python3",
            b"print(1)\n",
            &[("main.py".into(), b"print(2)\n".to_vec())],
            &JailLimits::default(),
        )
        .expect_err("the source's own name");
    assert!(matches!(err, Error::FileName { .. }), "{err}");
}

#[test]
fn the_cache_key_covers_the_files() {
    let one = "inline int twice(int x) { return 2 * x; }\n";
    let other = "inline int twice(int x) { return x + x; }\n";
    let first = ready(
        "cpp",
        prepare_files("cpp", VALIDATE_CPP, &[("validate.h", one)]),
    );
    let changed = ready(
        "cpp",
        prepare_files("cpp", VALIDATE_CPP, &[("validate.h", other)]),
    );
    assert_ne!(
        first.module, changed.module,
        "another header, another build"
    );
    let renamed = prepare_files(
        "cpp",
        "#include \"check.h\"\nint main() { return twice(0); }\n",
        &[("check.h", one)],
    );
    assert_ne!(ready("cpp", renamed).module, first.module);
    let again = prepare_files("cpp", VALIDATE_CPP, &[("validate.h", one)]);
    let Prepared::Ready {
        program,
        compile: Some(compile),
    } = again
    else {
        panic!("compiles");
    };
    assert!(compile.cached, "the same files again are a cache hit");
    assert_eq!(program.module, first.module);
    // The order files are listed in does not matter; an unused extra file does.
    let listed = |files: &[(&str, &str)]| ready("cpp", prepare_files("cpp", VALIDATE_CPP, files));
    let ab = listed(&[("validate.h", one), ("notes.txt", "x")]);
    let ba = listed(&[("notes.txt", "x"), ("validate.h", one)]);
    assert_eq!(ab.module, ba.module);
    assert_ne!(ab.module, first.module);
    // A name and contents are not interchangeable: moving bytes between them is another key.
    let shifted = listed(&[("validate.h", one), ("notes.tx", "tx")]);
    assert_ne!(shifted.module, ab.module);
}

#[test]
fn the_size_limit_covers_all_the_files_together() {
    let half = "/".repeat(MAX_SOURCE_BYTES / 2);
    let files = [("a.h", half.as_str()), ("b.h", half.as_str())];
    match prepare_files("cpp", "int main() {}\n", &files) {
        Prepared::CompileError(compiled) => {
            assert!(compiled.output.contains("limit"), "{}", compiled.output);
            assert!(!compiled.cached);
        }
        Prepared::Ready { .. } => panic!("over the limit together"),
    }
}
