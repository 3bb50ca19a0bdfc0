//! No compile can read a host file, hang, or flood: each hostile source ends in a compile
//! error (or a limit), and the error never carries host file contents.

use std::time::Duration;

use xcode_toolchains::{Jail, JailLimits, JailStatus, Prepared};

use crate::{compile_error, ensure};

/// A line every Debian /etc/passwd has.
const PASSWD: &str = "root:x:0:0";

fn quick() -> JailLimits {
    JailLimits {
        wall_time: Duration::from_secs(10),
        ..JailLimits::default()
    }
}

#[track_caller]
fn refused(lang: &str, source: &str) -> String {
    let compiled = compile_error(lang, source, &quick());
    assert!(
        !compiled.output.contains(PASSWD),
        "{lang} leaked /etc/passwd:\n{}",
        compiled.output
    );
    compiled.output
}

#[test]
fn c_cannot_include_host_files() {
    let output = refused(
        "c",
        "#include \"/etc/passwd\"\nint main(void) { return 0; }\n",
    );
    assert!(output.contains("not found"), "{output}");
    refused(
        "c",
        "#include </etc/passwd>\nint main(void) { return 0; }\n",
    );
    // Host headers are not there either: only wasi-libc's.
    let output = refused(
        "c",
        "#include \"/usr/include/stdio.h\"\nint main(void) { return 0; }\n",
    );
    assert!(output.contains("not found"), "{output}");
}

#[test]
fn cpp_cannot_embed_host_files() {
    refused(
        "cpp",
        "const char data[] = {\n#embed \"/etc/passwd\"\n};\nint main() { return data[0]; }\n",
    );
    refused(
        "cpp",
        "#include \"../../../../../../etc/passwd\"\nint main() {}\n",
    );
}

#[test]
fn rust_cannot_include_host_files() {
    let output = refused(
        "rust",
        "fn main() { print!(\"{}\", include_str!(\"/etc/passwd\")); }\n",
    );
    assert!(output.contains("couldn't read"), "{output}");
    refused(
        "rust",
        "fn main() { print!(\"{:?}\", include_bytes!(\"../../../../etc/passwd\")); }\n",
    );
    refused(
        "rust",
        "#[path = \"/etc/passwd\"]\nmod leak;\nfn main() {}\n",
    );
}

#[test]
fn go_cannot_embed_host_files() {
    refused(
        "go",
        "package main\n\nimport (\n\t_ \"embed\"\n\t\"fmt\"\n)\n\n//go:embed /etc/passwd\nvar leak string\n\nfunc main() { fmt.Print(leak) }\n",
    );
    refused(
        "go",
        "package main\n\nimport (\n\t_ \"embed\"\n\t\"fmt\"\n)\n\n//go:embed ../../../../etc/passwd\nvar leak string\n\nfunc main() { fmt.Print(leak) }\n",
    );
}

#[test]
fn zig_cannot_embed_host_files() {
    refused(
        "zig",
        "const std = @import(\"std\");\nconst leak = @embedFile(\"/etc/passwd\");\npub fn main() void { std.debug.print(\"{s}\", .{leak}); }\n",
    );
}

/// Kotlin and Java sources cannot name a file to read, so the jail itself is checked: the JVM
/// compiler (kotlinc, javac), run as submissions run it, is handed /etc/passwd and a link to it
/// as sources; it cannot see them, and says so with `not_found`.
fn jvm_compiler_cannot_read_host_files(lang: &str, source: &str, not_found: &str) {
    let harness = ensure(lang);
    let language = harness.toolchains.language(lang).expect("a language");
    let step = language.compile.as_ref().expect("it compiles");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(source), "class Main {}\n").expect("write");
    let link = format!("Leak.{}", source.rsplit('.').next().unwrap_or("src"));
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join(&link)).expect("symlink");
    let jail = Jail {
        host_paths: language.jail.clone(),
        mounts: vec![(
            harness.toolchains.home().join("toolchains").join(lang),
            "/toolchain".into(),
        )],
        box_dir: dir.path().to_path_buf(),
        env: step.env.clone(),
        limits: JailLimits {
            wall_time: Duration::from_secs(60),
            ..JailLimits::default()
        },
    };
    for leak in ["/etc/passwd", link.as_str(), "../../../../etc/passwd"] {
        let command: Vec<String> = step
            .command
            .iter()
            .map(|arg| {
                if arg == source {
                    leak.to_owned()
                } else {
                    arg.clone()
                }
            })
            .collect();
        let outcome = jail.run(&command).expect("jail runs");
        let output = String::from_utf8_lossy(&outcome.output);
        assert_ne!(outcome.status, JailStatus::Exited(0), "{leak}: {output}");
        assert!(!output.contains(PASSWD), "{lang} leaked {leak}:\n{output}");
        assert!(output.contains(not_found), "{leak}: {output}");
    }
}

#[test]
fn kotlin_compiler_cannot_read_host_files() {
    jvm_compiler_cannot_read_host_files("kotlin", "main.kt", "not found");
}

#[test]
fn javac_cannot_read_host_files() {
    jvm_compiler_cannot_read_host_files("java", "Main.java", "NoSuchFileException");
}

#[test]
fn an_include_loop_is_a_compile_error() {
    let output = refused("c", "#include \"main.c\"\nint main(void) { return 0; }\n");
    assert!(
        output.contains("nested too deeply") || output.contains("error"),
        "{output}"
    );
}

#[test]
fn a_template_bomb_ends_in_an_error_or_the_time_limit() {
    let source = r#"
template <int N> struct Fib { static constexpr long long value = Fib<N - 1>::value + Fib<N - 2>::value; };
template <> struct Fib<1> { static constexpr long long value = 1; };
template <> struct Fib<0> { static constexpr long long value = 0; };
template <int N, int M> struct Grid { static constexpr int value = Grid<N - 1, M>::value + Grid<N, M - 1>::value; };
template <int M> struct Grid<0, M> { static constexpr int value = 1; };
template <int N> struct Grid<N, 0> { static constexpr int value = 1; };
int main() { return Fib<100000>::value + Grid<2000, 2000>::value; }
"#;
    let limits = JailLimits {
        wall_time: Duration::from_secs(5),
        ..JailLimits::default()
    };
    let started = std::time::Instant::now();
    let compiled = compile_error("cpp", source, &limits);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert!(!compiled.output.is_empty());
}

#[test]
fn gigantic_diagnostics_are_capped() {
    // Every line is an error; the output cap (or clang's error limit) keeps what we store small.
    let mut source = String::from("int main(void) {\n");
    for i in 0..20_000 {
        source.push_str(&format!("  undefined_{i}();\n"));
    }
    source.push_str("}\n");
    let limits = JailLimits {
        output_bytes: 16 << 10,
        ..quick()
    };
    let compiled = compile_error("c", &source, &limits);
    assert!(
        compiled.output.len() < 20 << 10,
        "{} bytes kept",
        compiled.output.len()
    );
}

#[test]
fn symlinks_in_the_box_do_not_reach_the_host() {
    let harness = ensure("c");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("main.c"),
        "#include \"leak.h\"\nint main(void) { return 0; }\n",
    )
    .expect("write");
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("leak.h")).expect("symlink");
    let toolchain = harness.toolchains.home().join("toolchains/c");
    let jail = Jail {
        host_paths: harness.toolchains.language("c").expect("c").jail.clone(),
        mounts: vec![(toolchain, "/toolchain".into())],
        box_dir: dir.path().to_path_buf(),
        env: Default::default(),
        limits: quick(),
    };
    let command: Vec<String> = [
        "/usr/lib/llvm-22/bin/clang",
        "--target=wasm32-wasip1",
        "--sysroot=/toolchain/sysroot",
        "-o",
        "main.wasm",
        "main.c",
    ]
    .map(String::from)
    .into();
    let outcome = jail.run(&command).expect("jail runs");
    let output = String::from_utf8_lossy(&outcome.output);
    assert_ne!(outcome.status, JailStatus::Exited(0), "{output}");
    assert!(!output.contains(PASSWD), "{output}");
}

#[test]
fn the_jail_has_no_network_and_a_wall_clock_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let jail = Jail {
        host_paths: vec!["/usr".into()],
        mounts: Vec::new(),
        box_dir: dir.path().to_path_buf(),
        env: Default::default(),
        limits: JailLimits {
            wall_time: Duration::from_millis(500),
            ..JailLimits::default()
        },
    };
    let sh = |script: &str| vec!["/usr/bin/bash".to_string(), "-c".into(), script.into()];
    let outcome = jail
        .run(&sh("ls /etc/passwd; cat /proc/net/dev | wc -l; echo done"))
        .expect("runs");
    let output = String::from_utf8_lossy(&outcome.output);
    assert!(output.contains("No such file"), "{output}");
    // Only the loopback interface: two header lines and `lo`.
    assert!(output.contains("\n3\n"), "{output}");
    let started = std::time::Instant::now();
    let outcome = jail.run(&sh("while :; do :; done")).expect("runs");
    assert_eq!(outcome.status, JailStatus::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(5));
    let outcome = jail.run(&sh("yes | head -c 10000000")).expect("runs");
    assert!(outcome.output_truncated);
    assert_eq!(outcome.output.len(), JailLimits::default().output_bytes);

    // The file-size limit: obeyed below it, the writer killed by SIGXFSZ above it.
    let small_files = Jail {
        limits: JailLimits {
            file_bytes: 1 << 20,
            ..jail.limits.clone()
        },
        ..jail.clone()
    };
    let outcome = small_files
        .run(&sh("head -c 100000 /dev/zero > ok"))
        .expect("runs");
    assert_eq!(outcome.status, JailStatus::Exited(0));
    let outcome = small_files
        .run(&sh("exec head -c 10000000 /dev/zero > big"))
        .expect("runs");
    assert_eq!(outcome.status, JailStatus::Signaled(25), "SIGXFSZ");
}

/// A compiler that leaves links in its box (to host files) gets nothing followed: no output
/// read through a link, no host file's times touched, no link kept for the run.
#[test]
fn links_a_compiler_leaves_are_never_followed() {
    use xcode_toolchains::{InstallOptions, Manifest, Toolchains};

    let manifest = |script: &str| {
        Manifest::parse(&format!(
            r#"
            [artifacts]
            [languages.evil]
            name = "Evil"
            version = "1"
            source = "main.evil"
            jail = ["/usr"]
            [languages.evil.compile]
            command = ["/usr/bin/sh", "-c", "{script}"]
            output = "main.wasm"
            keep = [".class"]
            [languages.evil.run]
            module = "{{output}}/main.wasm"
            args = ["main"]
            "#
        ))
        .expect("manifest")
    };
    let home = tempfile::tempdir().expect("tempdir");
    let passwd_times = std::fs::metadata("/etc/passwd")
        .and_then(|meta| meta.modified())
        .ok();

    // The evil compiler runs `script`, on `source`.
    let prepare = |script: &str, source: &[u8]| {
        let toolchains =
            Toolchains::with_manifest(manifest(script), home.path(), home.path().join("modules"));
        toolchains
            .install(&["evil".into()], &InstallOptions::default(), &mut |_| {})
            .expect("nothing to install");
        toolchains
            .prepare("evil", source, &quick())
            .expect("prepares")
    };

    match prepare("ln -s /etc/passwd main.wasm", b"x") {
        Prepared::CompileError(compiled) => {
            assert!(
                compiled.output.contains("produced no main.wasm"),
                "{}",
                compiled.output
            )
        }
        Prepared::Ready { .. } => panic!("a link is not a compiled module"),
    }

    let Prepared::Ready { program, .. } = prepare(
        "rm main.evil && ln -s /etc/passwd main.evil && echo module > main.wasm",
        b"y",
    ) else {
        panic!("the output is a regular file");
    };
    let dir = program.module.parent().expect("a directory");
    assert!(!dir.join("main.evil").exists(), "the link was kept");

    // Files kept by suffix (Java's classes), in the box and in directories made there: links,
    // FIFOs and other files go, whatever they are called; a link to a directory is not entered.
    let Prepared::Ready { program, .. } = prepare(
        "mkdir -p a/b && echo c > A.class && echo c > a/b/B.class && echo x > a/b/notes.txt \
         && ln -s /etc/passwd a/Leak.class && ln -s /etc a/b/etc.class && mkfifo a/F.class \
         && ln -s /etc Link && echo module > main.wasm",
        b"z",
    ) else {
        panic!("the output is a regular file");
    };
    let dir = program.module.parent().expect("a directory");
    let mut left = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).expect("list").flatten() {
            let kind = entry.file_type().expect("type");
            let relative = entry.path().strip_prefix(dir).expect("under").to_owned();
            if kind.is_dir() {
                stack.push(entry.path());
            }
            left.push((
                relative.display().to_string(),
                kind.is_file() || kind.is_dir(),
            ));
        }
    }
    left.sort();
    let expected: Vec<(String, bool)> = [
        ".messages",
        ".ready",
        "A.class",
        "a",
        "a/b",
        "a/b/B.class",
        "main.evil",
        "main.wasm",
    ]
    .iter()
    .map(|name| ((*name).to_owned(), true))
    .collect();
    assert_eq!(left, expected);
    assert_eq!(
        std::fs::metadata(dir.join("a/b/B.class"))
            .and_then(|meta| meta.modified())
            .ok(),
        std::fs::metadata(dir.join("main.wasm"))
            .and_then(|meta| meta.modified())
            .ok(),
        "kept files in directories get the pinned times too"
    );
    assert_eq!(
        std::fs::metadata("/etc/passwd")
            .and_then(|meta| meta.modified())
            .ok(),
        passwd_times,
        "a host file's times changed"
    );
}

#[test]
fn typescript_type_stripping_reads_no_imports() {
    // esbuild only transforms the one file: an import of a host path stays an import, which
    // the sandbox then cannot satisfy.
    let source = "import leak from '/etc/passwd';\nconsole.log(String(leak));\n";
    let Prepared::Ready { program, .. } = crate::prepare("typescript", source) else {
        panic!("type stripping accepts it");
    };
    let dir = program.src_dir.expect("TypeScript runs from its box");
    let js = std::fs::read_to_string(dir.join("main.js")).expect("esbuild wrote main.js");
    assert!(!js.contains(PASSWD), "{js}");
    let outcome = crate::run("typescript", source, "");
    assert_ne!(outcome.status, xcode_runtime::Status::Exited(0));
    assert!(!crate::stdout(&outcome).contains(PASSWD));
}
