//! Java beyond the shared checks: how the program's class is found (any name, a package, no
//! `main`), the compiler's messages, exceptions and exit codes as the JVM prints them, the
//! usual input and output classes, and a sandbox that has no host files and no network (the
//! jailed compiler's own test is in jail.rs).

use xcode_runtime::Status;
use xcode_toolchains::JailLimits;

use super::{assert_exited, compile_error, run, stderr, stdout};

#[test]
fn the_class_with_main_runs_whatever_it_is_called_and_in_any_package() {
    let source = r#"package contest.round1;

import java.util.*;

class Helper {
    static String greet(String name) { return "hi " + name; }
}

public class Solution {
    public static void main(String[] args) {
        System.out.println(Helper.greet("ada") + " from " + Solution.class.getName());
    }
}
"#;
    let outcome = run("java", source, "");
    assert_exited(&outcome, "java");
    assert_eq!(stdout(&outcome), "hi ada from contest.round1.Solution\n");

    // No public class: the one with `main` still runs (as Codeforces accepts).
    let source = "class Other {}\n\nclass Program {\n    public static void main(String[] args) {\n        System.out.println(\"package-private\");\n    }\n}\n";
    let outcome = run("java", source, "");
    assert_exited(&outcome, "java");
    assert_eq!(stdout(&outcome), "package-private\n");
}

#[test]
fn compile_errors_name_the_line_and_a_missing_main_is_one() {
    let limits = JailLimits::default();
    let compiled = compile_error(
        "java",
        "public class Main {\n    public static void main(String[] args) {\n        int x = \"text\";\n        System.out.println(y);\n    }\n}\n",
        &limits,
    );
    assert!(
        compiled
            .output
            .contains("Main.java:3: error: incompatible types"),
        "{}",
        compiled.output
    );
    assert!(
        compiled
            .output
            .contains("Main.java:4: error: cannot find symbol"),
        "{}",
        compiled.output
    );
    let compiled = compile_error(
        "java",
        "public class Main {\n    static void main() {}\n}\n",
        &limits,
    );
    assert!(
        compiled
            .output
            .contains("public static void main(String[] args)"),
        "{}",
        compiled.output
    );
}

#[test]
fn exceptions_and_exit_codes_are_the_jvms() {
    let source = r#"public class Main {
    static int parse(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("cannot parse " + s, e);
        }
    }

    public static void main(String[] args) {
        System.out.println("before");
        System.out.println(parse("x1"));
    }
}
"#;
    let outcome = run("java", source, "");
    assert_eq!(outcome.status, Status::Exited(1), "{}", stderr(&outcome));
    assert_eq!(stdout(&outcome), "before\n");
    let err = stderr(&outcome);
    assert!(
        err.starts_with(
            "Exception in thread \"main\" java.lang.IllegalStateException: cannot parse x1\n"
        ),
        "{err}"
    );
    assert!(err.contains("\tat Main.parse(Main.java:6)"), "{err}");
    assert!(
        err.contains("Caused by: java.lang.NumberFormatException: For input string: \"x1\""),
        "{err}"
    );

    for (body, message) in [
        (
            "int[] a = new int[2];\n        a[2] = 1;",
            "java.lang.ArrayIndexOutOfBoundsException",
        ),
        (
            "String s = null;\n        s.length();",
            "java.lang.NullPointerException",
        ),
        (
            "int zero = args.length;\n        System.out.println(1 / zero);",
            "java.lang.ArithmeticException: / by zero",
        ),
        (
            "Object o = \"s\";\n        Integer i = (Integer) o;",
            "java.lang.ClassCastException",
        ),
    ] {
        let source = format!(
            "public class Main {{\n    public static void main(String[] args) {{\n        {body}\n    }}\n}}\n"
        );
        let outcome = run("java", &source, "");
        assert_eq!(
            outcome.status,
            Status::Exited(1),
            "{body}: {}",
            stderr(&outcome)
        );
        assert!(
            stderr(&outcome).contains(message),
            "{body}: {}",
            stderr(&outcome)
        );
    }

    let exit = "public class Main {\n    public static void main(String[] args) {\n        System.out.print(\"partial\");\n        System.exit(3);\n    }\n}\n";
    let outcome = run("java", exit, "");
    assert_eq!(outcome.status, Status::Exited(3), "{}", stderr(&outcome));
    assert_eq!(stdout(&outcome), "partial");
}

#[test]
fn scanner_printwriter_and_collections_work() {
    let source = r#"import java.io.*;
import java.util.*;
import java.util.stream.*;

public class Main {
    record Point(int x, int y) {}

    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        int n = in.nextInt();
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < n; i++) points.add(new Point(in.nextInt(), in.nextInt()));
        String word = in.next();
        double d = in.nextDouble();
        points.sort(Comparator.comparingInt(Point::x).thenComparing(Point::y, Comparator.reverseOrder()));
        Map<Integer, Long> byX = points.stream().collect(Collectors.groupingBy(Point::x, TreeMap::new, Collectors.counting()));
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out)));
        out.println(points);
        out.println(byX);
        out.printf("%s %.3f %d%n", word.toUpperCase(), d * 2, Long.MAX_VALUE);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3; i++) sb.append(i).append(' ');
        out.println(sb.toString().trim());
        out.flush();
    }
}
"#;
    let outcome = run("java", source, "3\n2 5\n1 1\n2 7\nword 1.25\n");
    assert_exited(&outcome, "java");
    assert_eq!(
        stdout(&outcome),
        "[Point[x=1, y=1], Point[x=2, y=7], Point[x=2, y=5]]\n{1=1, 2=2}\nWORD 2.500 9223372036854775807\n0 1 2\n"
    );
}

#[test]
fn programs_cannot_read_host_files_write_the_class_library_or_open_sockets() {
    let source = r#"import java.io.*;
import java.net.*;
import java.nio.file.*;

public class Main {
    static void attempt(String what, Runnable action) {
        try {
            action.run();
            System.out.println(what + ": allowed");
        } catch (Throwable e) {
            System.out.println(what + ": refused");
        }
    }

    public static void main(String[] args) {
        attempt("read /etc/passwd", () -> {
            try { System.out.println(Files.readString(Path.of("/etc/passwd"))); } catch (IOException e) { throw new UncheckedIOException(e); }
        });
        attempt("write /jdk", () -> {
            try { Files.writeString(Path.of("/jdk/owned"), "x"); } catch (IOException e) { throw new UncheckedIOException(e); }
        });
        attempt("write /src", () -> {
            try { Files.writeString(Path.of("/src/owned"), "x"); } catch (IOException e) { throw new UncheckedIOException(e); }
        });
        attempt("connect", () -> {
            try (Socket socket = new Socket("127.0.0.1", 5432)) { } catch (IOException e) { throw new UncheckedIOException(e); }
        });
    }
}
"#;
    let outcome = run("java", source, "");
    assert_exited(&outcome, "java");
    assert_eq!(
        stdout(&outcome),
        "read /etc/passwd: refused\nwrite /jdk: refused\nwrite /src: refused\nconnect: refused\n"
    );
}
