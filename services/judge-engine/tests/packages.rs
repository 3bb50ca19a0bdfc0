//! Problem packages read into `Problem`: ICPC/Kattis (legacy and 2023-07) built in temporary
//! directories, the native format, and `write_native` round trips.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xcode_judge_engine::package::{self, EMPTY_ANSWER, PackageError};
use xcode_judge_engine::problem::{
    Aggregation, Expected, Format, Group, Interface, Item, OnReject, Problem, Program,
    StatementKind, TestCase, Validator, VerdictMode,
};

/// A package in a temporary directory: `files` are (path, contents).
fn package(files: &[(&str, &str)]) -> Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new().prefix("pkg").tempdir()?;
    write(dir.path(), files)?;
    Ok(dir)
}

fn write(root: &Path, files: &[(&str, &str)]) -> Result<()> {
    for (path, contents) in files {
        let path = root.join(path);
        fs::create_dir_all(path.parent().context("a parent")?)?;
        fs::write(&path, contents)?;
    }
    Ok(())
}

fn load(dir: &Path) -> Result<Problem> {
    package::load(dir).map_err(|err| anyhow::anyhow!("{err}"))
}

fn load_err(dir: &Path) -> PackageError {
    match package::load(dir) {
        Ok(problem) => panic!("loaded, expected an error: {:#?}", problem.warnings),
        Err(err) => err,
    }
}

fn group<'a>(root: &'a Group, name: &str) -> &'a Group {
    fn find<'a>(group: &'a Group, name: &str) -> Option<&'a Group> {
        if group.name == name {
            return Some(group);
        }
        group.items.iter().find_map(|item| match item {
            Item::Group(sub) => find(sub, name),
            Item::Test(_) => None,
        })
    }
    find(root, name).unwrap_or_else(|| panic!("no group {name}"))
}

fn test<'a>(problem: &'a Problem, name: &str) -> &'a TestCase {
    problem
        .tests()
        .into_iter()
        .find(|test| test.name == name)
        .unwrap_or_else(|| panic!("no test {name}"))
}

fn item_names(group: &Group) -> Vec<String> {
    group
        .items
        .iter()
        .map(|item| match item {
            Item::Test(test) => test.name.clone(),
            Item::Group(sub) => format!("{}/", sub.name),
        })
        .collect()
}

fn test_names(problem: &Problem) -> Vec<String> {
    problem
        .tests()
        .iter()
        .map(|test| test.name.clone())
        .collect()
}

fn has_warning(problem: &Problem, needle: &str) -> bool {
    problem
        .warnings
        .iter()
        .any(|warning| warning.contains(needle))
}

// ----- legacy -----

const LEGACY_SCORING: &[(&str, &str)] = &[
    (
        "problem.yaml",
        "name: Echo\ntype: scoring\nsource: Kattis\nlimits:\n  memory: 512\n  time_multiplier: 3\n\
         validator_flags: case_sensitive\ngrading:\n  show_test_data_groups: true\nfancy: 1\n",
    ),
    (
        "problem_statement/problem.en.tex",
        "\\problemname{Echo}\nSay it back.\n",
    ),
    ("data/sample/1.in", "a\n"),
    ("data/sample/1.ans", "a\n"),
    ("data/sample/testdata.yaml", "accept_score: 0\nrange: 0 0\n"),
    (
        "data/secret/testdata.yaml",
        "on_reject: continue\ngrader_flags: first_error min\nrange: 0 50\n\
         output_validator_flags: float_tolerance 1e-6\nunheard_of: 3\n",
    ),
    ("data/secret/a.in", "1\n"),
    ("data/secret/a.ans", "1\n"),
    ("data/secret/a.desc", "the smallest case\n"),
    ("data/secret/h.in", "2\n"),
    ("data/secret/h.ans", "2\n"),
    ("data/secret/g1/01.in", "3\n"),
    ("data/secret/g1/01.ans", "3\n"),
    (
        "data/secret/g2/testdata.yaml",
        "accept_score: 2\ngrader_flags: sum\n",
    ),
    ("data/secret/g2/01.in", "4\n"),
    ("data/secret/g2/01.ans", "4\n"),
    ("data/secret/g2/deeper/x.in", "5\n"),
    ("data/secret/g2/deeper/x.ans", "5\n"),
];

#[test]
fn legacy_scoring_groups_inherit_testdata_yaml() -> Result<()> {
    let dir = package(LEGACY_SCORING)?;
    let problem = load(dir.path())?;
    assert_eq!(problem.format, Format::KattisLegacy);
    assert_eq!(problem.title, "Echo");
    assert!(problem.scoring && !problem.interactive);
    assert_eq!(problem.limits.memory_bytes, 512 << 20);
    assert_eq!(problem.limits.ac_to_time_limit, 3.0);
    assert_eq!(problem.limits.time_limit_to_tle, 2.0, "legacy default");
    assert_eq!(problem.limits.time_limit_ms, None);
    assert_eq!(
        problem.validator,
        Validator::Default {
            flags: vec!["case_sensitive".into()]
        }
    );

    // Groups and tests interleaved in lexicographic order.
    let secret = group(&problem.data, "secret");
    assert_eq!(
        item_names(secret),
        ["secret/a", "secret/g1/", "secret/g2/", "secret/h"]
    );
    assert_eq!(item_names(&problem.data), ["sample/", "secret/"]);
    assert_eq!(secret.rules.on_reject, OnReject::Continue);
    assert_eq!(secret.rules.verdict, VerdictMode::FirstError);
    assert_eq!(secret.rules.aggregation, Aggregation::Min);
    assert_eq!(secret.rules.max_score, Some(50.0));

    // g1 has no testdata.yaml: secret's applies.
    let g1 = group(&problem.data, "secret/g1");
    assert_eq!(g1.rules, secret.rules);
    // g2 has its own: the keys it sets win, the others are inherited (as problemtools does).
    let g2 = group(&problem.data, "secret/g2");
    assert_eq!(g2.rules.aggregation, Aggregation::Sum);
    assert_eq!(g2.rules.accept_score, 2.0);
    assert_eq!(g2.rules.on_reject, OnReject::Continue);
    assert_eq!(
        group(&problem.data, "secret/g2/deeper").rules.accept_score,
        2.0
    );

    let sample = group(&problem.data, "sample");
    assert_eq!(sample.rules.accept_score, 0.0);
    assert_eq!(sample.rules.max_score, Some(0.0));
    assert_eq!(sample.rules.aggregation, Aggregation::Sum);

    let deep = test(&problem, "secret/g2/deeper/x");
    assert_eq!(deep.validator_flags, ["float_tolerance", "1e-6"]);
    assert!(test(&problem, "sample/1").sample);
    assert!(!deep.sample);
    assert!(test(&problem, "sample/1").validator_flags.is_empty());
    assert_eq!(
        test(&problem, "secret/a").description.as_deref(),
        Some("the smallest case")
    );
    assert!(deep.input.is_absolute() && deep.input.starts_with(&problem.dir));

    assert!(has_warning(
        &problem,
        "problem.yaml: line 10: unknown key `fancy`"
    ));
    assert!(has_warning(
        &problem,
        "data/secret/testdata.yaml: line 5: unknown key `unheard_of`"
    ));
    Ok(())
}

#[test]
fn legacy_pass_fail_is_pass_fail_everywhere() -> Result<()> {
    let dir = package(&[
        ("problem.yaml", "name: Hello\n"),
        ("data/secret/testdata.yaml", "on_reject: continue\n"),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", "Hello World!\n"),
        ("data/secret/g/2.in", ""),
        ("data/secret/g/2.ans", "Hello World!\n"),
    ])?;
    let problem = load(dir.path())?;
    assert!(!problem.scoring);
    assert_eq!(problem.limits.ac_to_time_limit, 5.0);
    assert_eq!(problem.limits.time_limit_to_tle, 2.0);
    for name in ["", "secret", "secret/g"] {
        let rules = &group(&problem.data, name).rules;
        assert_eq!(rules.aggregation, Aggregation::PassFail, "{name}");
        assert_eq!(rules.max_score, None, "{name}");
    }
    assert_eq!(
        group(&problem.data, "secret/g").rules.on_reject,
        OnReject::Continue
    );
    assert_eq!(test_names(&problem), ["secret/1", "secret/g/2"]);
    Ok(())
}

#[test]
fn legacy_problem_level_grading_and_ignore_sample() -> Result<()> {
    let dir = package(&[
        (
            "problem.yaml",
            "type: scoring\ngrading:\n  accept_score: 5\n  on_reject: grade\n",
        ),
        ("data/testdata.yaml", "grader_flags: ignore_sample\n"),
        ("data/sample/1.in", ""),
        ("data/sample/1.ans", ""),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", ""),
    ])?;
    let problem = load(dir.path())?;
    assert!(problem.data.rules.ignore_sample);
    assert!(!group(&problem.data, "secret").rules.ignore_sample);
    assert_eq!(group(&problem.data, "secret").rules.accept_score, 5.0);
    assert_eq!(
        group(&problem.data, "sample").rules.on_reject,
        OnReject::Continue
    );
    Ok(())
}

// ----- 2023-07 -----

const SCORING_2023: &[(&str, &str)] = &[
    (
        "problem.yaml",
        "problem_format_version: 2023-07-draft\nname:\n  en: Subtasks\n  sv: Deluppgifter\n\
         uuid: 5ca6ba5b-36d1-4e5d-9bd6-5b4e3c1ca2a7\ntype: scoring\nlimits:\n  time_limit: 1.5\n\
         \x20 memory: 256\n",
    ),
    ("statement/problem.en.md", "# Subtasks\n"),
    ("statement/problem.sv.md", "# Deluppgifter\n"),
    ("data/sample/1.in", "1\n"),
    ("data/sample/1.ans", "1\n"),
    (
        "data/secret/test_group.yaml",
        "output_validator_args: [float_tolerance, '1e-6']\n",
    ),
    ("data/secret/t01.in", "1\n"),
    ("data/secret/t01.ans", "1\n"),
    ("data/secret/t02.in", "2\n"),
    ("data/secret/t02.ans", "2\n"),
    (
        "data/secret/t02.yaml",
        "args: [--fast]\noutput_validator_args: [case_sensitive]\nhint: think\n",
    ),
    ("data/secret/g1/test_group.yaml", "scoring:\n  score: 30\n"),
    ("data/secret/g1/1.in", "1\n"),
    ("data/secret/g1/1.ans", "1\n"),
    ("data/secret/g1/2.in", "2\n"),
    ("data/secret/g1/2.ans", "2\n"),
    (
        "data/secret/g2/test_group.yaml",
        "scoring:\n  aggregation: sum\n  require_pass: secret/g1\n",
    ),
    ("data/secret/g2/1.in", "1\n"),
    ("data/secret/g2/1.ans", "1\n"),
    ("data/secret/g2/2.in", "2\n"),
    ("data/secret/g2/2.ans", "2\n"),
    ("data/secret/g2/3.in", "3\n"),
    ("data/secret/g2/3.ans", "3\n"),
    ("data/secret/g2/4.in", "4\n"),
    ("data/secret/g2/4.ans", "4\n"),
    ("data/secret/g3/1.in", "1\n"),
    ("data/secret/g3/1.ans", "1\n"),
    ("data/secret/g3/inner/1.in", "1\n"),
    ("data/secret/g3/inner/1.ans", "1\n"),
    (
        "data/secret/g4/test_group.yaml",
        "scoring:\n  aggregation: min\n  score: 10\n",
    ),
    ("data/secret/g4/1.in", "1\n"),
    ("data/secret/g4/1.ans", "1\n"),
    ("data/secret/g4/2.in", "2\n"),
    ("data/secret/g4/2.ans", "2\n"),
    (
        "output_validator/validate.cc",
        "#include \"validate.h\"\nint main(int argc, char **argv) { return 42; }\n",
    ),
    ("output_validator/validate.h", "#pragma once\n"),
    ("submissions/accepted/sol.py", "print(input())\n"),
    ("submissions/partially_accepted/part.cpp", "int main() {}\n"),
    (
        "submissions/submissions.yaml",
        "partially_accepted/part.cpp:\n  score: [40, 60]\n",
    ),
    ("include/cpp/helper.h", "// helper\n"),
    ("include/default/README", "shared\n"),
];

#[test]
fn scoring_2023_infers_maximum_scores() -> Result<()> {
    let dir = package(SCORING_2023)?;
    let problem = load(dir.path())?;
    assert_eq!(problem.format, Format::Kattis2023);
    assert_eq!(problem.title, "Subtasks");
    assert!(problem.scoring);
    assert_eq!(problem.limits.time_limit_ms, Some(1500));
    assert_eq!(problem.limits.memory_bytes, 256 << 20);
    assert_eq!(problem.limits.ac_to_time_limit, 2.0, "2023 default");
    assert_eq!(problem.limits.time_limit_to_tle, 1.5, "2023 default");

    // The submission's score is secret's: the root ignores the samples.
    assert!(problem.data.rules.ignore_sample);
    assert_eq!(problem.data.rules.max_score, Some(100.0));
    let secret = group(&problem.data, "secret");
    assert_eq!(secret.rules.aggregation, Aggregation::Sum);
    assert_eq!(secret.rules.max_score, Some(100.0));
    // secret: T = 2 tests, A = 2 subgroups without a score (g2, g3), S = 30 + 10:
    // (100 - 40) / (2 + 2) = 15.
    assert_eq!(test(&problem, "secret/t01").max_score, Some(15.0));
    let g1 = group(&problem.data, "secret/g1");
    assert_eq!(
        g1.rules.aggregation,
        Aggregation::PassFail,
        "subgroup default"
    );
    assert_eq!(g1.rules.max_score, Some(30.0));
    assert_eq!(test(&problem, "secret/g1/1").max_score, None);
    let g2 = group(&problem.data, "secret/g2");
    assert_eq!(g2.rules.aggregation, Aggregation::Sum);
    assert_eq!(g2.rules.max_score, Some(15.0));
    assert_eq!(g2.rules.on_reject, OnReject::Continue);
    assert_eq!(g2.rules.require_pass, ["secret/g1"]);
    assert_eq!(test(&problem, "secret/g2/3").max_score, Some(3.75));
    let g3 = group(&problem.data, "secret/g3");
    assert_eq!(g3.rules.max_score, Some(15.0));
    assert_eq!(
        group(&problem.data, "secret/g3/inner").rules.max_score,
        None
    );
    let g4 = group(&problem.data, "secret/g4");
    assert_eq!(g4.rules.aggregation, Aggregation::Min);
    assert_eq!(g4.rules.max_score, Some(10.0));
    assert_eq!(test(&problem, "secret/g4/2").max_score, Some(10.0));
    // Samples are judged, not scored.
    let sample = group(&problem.data, "sample");
    assert_eq!(sample.rules.aggregation, Aggregation::PassFail);
    assert_eq!(sample.rules.max_score, None);

    // output_validator_args inherited; a test's own .yaml overrides.
    assert_eq!(
        test(&problem, "secret/g2/1").validator_flags,
        ["float_tolerance", "1e-6"]
    );
    let t02 = test(&problem, "secret/t02");
    assert_eq!(t02.validator_flags, ["case_sensitive"]);
    assert_eq!(t02.args, ["--fast"]);
    assert_eq!(t02.hint.as_deref(), Some("think"));

    let Validator::Custom(custom) = &problem.validator else {
        panic!("a custom validator: {:?}", problem.validator);
    };
    assert_eq!(custom.interface, Interface::Kattis);
    assert_eq!(custom.origin, "output_validator/validate.cc");
    let Program::Source {
        language,
        main,
        files,
    } = &custom.program
    else {
        panic!("source");
    };
    assert_eq!(language, "cpp");
    assert!(main.ends_with("output_validator/validate.cc"));
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, "validate.h");

    let statements: Vec<(&str, StatementKind)> = problem
        .statements
        .iter()
        .map(|s| (s.language.as_str(), s.kind))
        .collect();
    assert_eq!(
        statements,
        [
            ("en", StatementKind::Markdown),
            ("sv", StatementKind::Markdown)
        ]
    );

    let part = problem
        .submissions
        .iter()
        .find(|s| s.name == "partially_accepted/part.cpp")
        .context("submission")?;
    assert_eq!(part.expected, Expected::PartiallyAccepted);
    assert_eq!(part.score, Some((40.0, 60.0)));
    assert_eq!(part.language.as_deref(), Some("cpp"));

    let include: Vec<(&str, Vec<&str>)> = problem
        .include
        .iter()
        .map(|(language, files)| {
            (
                language.as_str(),
                files.iter().map(|(name, _)| name.as_str()).collect(),
            )
        })
        .collect();
    assert!(include.contains(&("cpp", vec!["helper.h"])), "{include:?}");
    assert!(
        include.contains(&("python3", vec!["README"])),
        "{include:?}"
    );
    Ok(())
}

#[test]
fn scoring_2023_unbounded_and_overfull() -> Result<()> {
    let dir = package(&[
        (
            "problem.yaml",
            "problem_format_version: 2023-07-draft\nname: U\ntype: scoring\n",
        ),
        (
            "data/secret/test_group.yaml",
            "scoring:\n  score: unbounded\n",
        ),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", ""),
        (
            "data/secret/g/test_group.yaml",
            "scoring:\n  aggregation: min\n",
        ),
        ("data/secret/g/1.in", ""),
        ("data/secret/g/1.ans", ""),
        ("output_validator/v.py", "print()\n"),
    ])?;
    let problem = load(dir.path())?;
    assert_eq!(group(&problem.data, "secret").rules.max_score, None);
    assert_eq!(group(&problem.data, "secret/g").rules.max_score, None);
    assert_eq!(test(&problem, "secret/g/1").max_score, None);

    let dir = package(&[
        (
            "problem.yaml",
            "problem_format_version: 2023-07-draft\nname: O\ntype: scoring\n",
        ),
        ("data/secret/test_group.yaml", "scoring:\n  score: 50\n"),
        ("data/secret/a/test_group.yaml", "scoring:\n  score: 40\n"),
        ("data/secret/a/1.in", ""),
        ("data/secret/a/1.ans", ""),
        ("data/secret/b/test_group.yaml", "scoring:\n  score: 20\n"),
        ("data/secret/b/1.in", ""),
        ("data/secret/b/1.ans", ""),
    ])?;
    let err = load_err(dir.path());
    assert_eq!(err.path, Path::new("data/secret"));
    assert!(err.message.contains("add up to 60"), "{err}");
    Ok(())
}

#[test]
fn pass_fail_2023() -> Result<()> {
    let dir = package(&[
        (
            "problem.yaml",
            "problem_format_version: '2023-07'\nname: P\nlimits:\n  time_multipliers:\n    \
             ac_to_time_limit: 3\n  time_resolution: 0.5\n",
        ),
        ("data/sample/1.in", ""),
        ("data/sample/1.ans", ""),
        ("data/secret/test_group.yaml", "scoring:\n  score: 10\n"),
        ("data/secret/g/1.in", ""),
        ("data/secret/g/1.ans", ""),
        ("data/invalid_input/1.in", ""),
    ])?;
    let problem = load(dir.path())?;
    assert!(!problem.scoring);
    assert_eq!(problem.limits.ac_to_time_limit, 3.0);
    assert_eq!(problem.limits.time_limit_to_tle, 1.5);
    assert_eq!(problem.limits.time_resolution_ms, 500);
    for name in ["", "sample", "secret", "secret/g"] {
        let rules = &group(&problem.data, name).rules;
        assert_eq!(rules.aggregation, Aggregation::PassFail);
        assert_eq!(rules.max_score, None);
        assert!(!rules.ignore_sample);
    }
    assert_eq!(item_names(&problem.data), ["sample/", "secret/"]);
    assert!(has_warning(&problem, "`scoring` on a pass-fail problem"));
    Ok(())
}

#[test]
fn later_versions_and_unknown_versions() -> Result<()> {
    let minimal = |version: &str| -> Result<tempfile::TempDir> {
        package(&[
            (
                "problem.yaml",
                &format!("problem_format_version: {version}\nname: V\n"),
            ),
            ("data/secret/1.in", ""),
            ("data/secret/1.ans", ""),
        ])
    };
    for version in [
        "2023-07-draft",
        "2023-07",
        "2025-09",
        "2025-09-draft",
        "draft",
    ] {
        let dir = minimal(version)?;
        assert_eq!(load(dir.path())?.format, Format::Kattis2023, "{version}");
    }
    for version in ["legacy", "legacy-icpc"] {
        let dir = minimal(version)?;
        assert_eq!(load(dir.path())?.format, Format::KattisLegacy, "{version}");
    }
    let dir = minimal("2019-01")?;
    let err = load_err(dir.path());
    assert_eq!(
        err.to_string(),
        "problem.yaml: line 1: unknown problem_format_version `2019-01`"
    );
    Ok(())
}

// ----- errors: files, YAML, symbolic links -----

#[test]
fn missing_answer_names_the_file() -> Result<()> {
    let dir = package(&[
        ("problem.yaml", "name: M\n"),
        ("data/secret/01.in", ""),
        ("data/secret/01.ans", ""),
        ("data/secret/03.in", ""),
    ])?;
    let err = load_err(dir.path());
    assert_eq!(err.path, Path::new("data/secret/03.in"));
    assert_eq!(err.to_string(), "data/secret/03.in: no matching 03.ans");
    Ok(())
}

#[test]
fn interactive_missing_answer_is_empty() -> Result<()> {
    let dir = package(&[
        (
            "problem.yaml",
            "name: Guess\nvalidation: custom interactive\nvalidator_flags: [2, 3]\n",
        ),
        ("data/sample/1.interaction", "<1\n>2\n"),
        ("data/secret/01.in", "5\n"),
        ("output_validators/guess/guess.py", "print(1)\n"),
    ])?;
    let problem = load(dir.path())?;
    assert!(problem.interactive);
    let only = test(&problem, "secret/01");
    assert_eq!(only.answer, Path::new(EMPTY_ANSWER));
    assert!(has_warning(
        &problem,
        "data/secret/01.in: no matching 01.ans"
    ));
    assert!(problem.data.items.iter().all(|item| match item {
        Item::Group(g) => g.name != "sample" || g.items.is_empty(),
        Item::Test(_) => false,
    }));
    let Validator::Custom(custom) = &problem.validator else {
        panic!("custom");
    };
    assert_eq!(custom.flags, ["2", "3"]);
    Ok(())
}

#[test]
fn malformed_yaml_names_file_and_line() -> Result<()> {
    let dir = package(&[
        (
            "problem.yaml",
            "name: Broken\nlimits:\n  memory: [1, 2\nvalidation: default\n",
        ),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", ""),
    ])?;
    let err = load_err(dir.path());
    assert_eq!(err.path, Path::new("problem.yaml"));
    assert!(err.message.starts_with("line "), "{err}");
    assert!(err.message.contains("malformed YAML"), "{err}");

    let dir = package(&[
        (
            "problem.yaml",
            "name: Typo\nsource: Somewhere\nlicense: cc0\nvalidation: costum\n",
        ),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", ""),
    ])?;
    assert_eq!(
        load_err(dir.path()).to_string(),
        "problem.yaml: line 4: unknown validation mode `costum`"
    );

    let dir = package(&[
        ("problem.yaml", "name: T\n"),
        ("data/secret/testdata.yaml", "on_reject: maybe\n"),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", ""),
    ])?;
    assert_eq!(
        load_err(dir.path()).to_string(),
        "data/secret/testdata.yaml: line 1: on_reject must be break or continue"
    );
    Ok(())
}

#[test]
fn symlinks_inside_are_followed() -> Result<()> {
    let dir = package(&[
        ("problem.yaml", "name: Links\n"),
        ("data/sample/1.in", "7\n"),
        ("data/sample/1.ans", "7\n"),
        ("shared/big.in", "8\n"),
        ("shared/big.ans", "8\n"),
    ])?;
    let secret = dir.path().join("data/secret");
    fs::create_dir_all(&secret)?;
    std::os::unix::fs::symlink("../sample/1.in", secret.join("1.in"))?;
    std::os::unix::fs::symlink("../sample/1.ans", secret.join("1.ans"))?;
    std::os::unix::fs::symlink("../../shared", secret.join("g"))?;
    let problem = load(dir.path())?;
    let linked = test(&problem, "secret/1");
    assert_eq!(
        linked.input,
        fs::canonicalize(dir.path().join("data/sample/1.in"))?
    );
    let through_dir = test(&problem, "secret/g/big");
    assert_eq!(
        through_dir.answer,
        fs::canonicalize(dir.path().join("shared/big.ans"))?
    );
    Ok(())
}

#[test]
fn symlinks_outside_are_errors() -> Result<()> {
    let outside = tempfile::tempdir()?;
    fs::write(outside.path().join("x.in"), "1\n")?;
    let dir = package(&[
        ("problem.yaml", "name: Escape\n"),
        ("data/secret/x.ans", "1\n"),
    ])?;
    let target = outside.path().join("x.in");
    std::os::unix::fs::symlink(&target, dir.path().join("data/secret/x.in"))?;
    let err = load_err(dir.path());
    assert_eq!(err.path, Path::new("data/secret/x.in"));
    assert!(err.message.contains("leads outside the package"), "{err}");
    assert!(err.message.contains(&target.display().to_string()), "{err}");

    // A directory link that leaves, and one that loops.
    let dir = package(&[("problem.yaml", "name: Escape\n"), ("data/secret/1.in", "")])?;
    fs::write(dir.path().join("data/secret/1.ans"), "")?;
    std::os::unix::fs::symlink(outside.path(), dir.path().join("data/secret/away"))?;
    let err = load_err(dir.path());
    assert_eq!(err.path, Path::new("data/secret/away"));

    let dir = package(&[
        ("problem.yaml", "name: Loop\n"),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", ""),
    ])?;
    std::os::unix::fs::symlink("..", dir.path().join("data/secret/again"))?;
    let err = load_err(dir.path());
    assert_eq!(err.path, Path::new("data/secret/again"));
    assert!(err.message.contains("loops"), "{err}");
    Ok(())
}

#[test]
fn huge_test_files_are_refused_without_reading_them() -> Result<()> {
    let dir = package(&[("problem.yaml", "name: Huge\n"), ("data/secret/1.ans", "")])?;
    let file = fs::File::create(dir.path().join("data/secret/1.in"))?;
    file.set_len(package::MAX_TEST_FILE_BYTES + 1)?; // sparse: no disk used
    let err = load_err(dir.path());
    assert_eq!(err.path, Path::new("data/secret/1.in"));
    assert!(err.message.contains("512 MiB"), "{err}");
    Ok(())
}

#[test]
fn unsupported_features_are_errors() -> Result<()> {
    let base = [("data/secret/1.in", ""), ("data/secret/1.ans", "")];
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[(
                "problem.yaml",
                "problem_format_version: 2023-07-draft\nname: M\ntype: [pass-fail, multi-pass]\n",
            )],
            "problem.yaml: line 3: multi-pass problems are not supported",
        ),
        (
            &[(
                "problem.yaml",
                "problem_format_version: 2023-07-draft\nname: S\ntype: submit-answer\n",
            )],
            "problem.yaml: line 3: submit-answer problems are not supported",
        ),
        (
            &[("problem.yaml", "type: pvp\nvalidation: custom\n")],
            "problem.yaml: line 1: unknown problem type `pvp`",
        ),
        (
            &[
                ("problem.yaml", "type: scoring\n"),
                ("data/secret/testdata.yaml", "grading: custom\n"),
            ],
            "data/secret/testdata.yaml: line 1: custom graders are not supported",
        ),
        (
            &[
                ("problem.yaml", "type: scoring\n"),
                ("data/testdata.yaml", "grader_flags: plurality_wins\n"),
            ],
            "data/testdata.yaml: line 1: unknown grader flag `plurality_wins` (custom graders are \
             not supported)",
        ),
        (
            &[("problem.yaml", "name: G\n"), ("graders/g.py", "print()\n")],
            "graders: custom graders are not supported",
        ),
        (
            &[("problem.yaml", "name: F\n"), ("data/secret/1.files/x", "")],
            "data/secret/1.files: `.files` directories (test input given as files) are not \
             supported",
        ),
        (
            &[
                ("problem.yaml", "name: C\nvalidation: custom\n"),
                ("output_validators/v/build", "#!/bin/sh\n"),
                ("output_validators/v/v.c", "int main() {}\n"),
            ],
            "output_validators/v/build: `build`/`run` scripts are not supported",
        ),
    ];
    for (files, expected) in cases {
        let mut all = base.to_vec();
        all.extend_from_slice(files);
        let dir = package(&all)?;
        let err = load_err(dir.path()).to_string();
        assert!(err.starts_with(expected), "{err}\nexpected: {expected}");
    }
    Ok(())
}

// ----- validators -----

fn validator_of(files: &[(&str, &str)]) -> Result<Validator> {
    let mut all = vec![
        (
            "problem.yaml",
            "name: V\nvalidation: custom\nvalidator_flags: x\n",
        ),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", ""),
    ];
    all.extend_from_slice(files);
    let dir = package(&all)?;
    Ok(load(dir.path())?.validator)
}

fn custom(validator: Validator) -> (Program, Interface, String) {
    match validator {
        Validator::Custom(custom) => {
            assert_eq!(custom.flags, ["x"]);
            (custom.program, custom.interface, custom.origin)
        }
        other => panic!("custom validator expected: {other:?}"),
    }
}

fn source_of(program: &Program) -> (&str, String, Vec<&str>) {
    match program {
        Program::Source {
            language,
            main,
            files,
        } => (
            language.as_str(),
            main.file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default(),
            files.iter().map(|(name, _)| name.as_str()).collect(),
        ),
        Program::Wasm { .. } => panic!("source expected"),
    }
}

#[test]
fn validator_kattis_directory_with_header() -> Result<()> {
    let (program, interface, origin) = custom(validator_of(&[
        ("output_validators/checker/validate.h", "bool check();\n"),
        (
            "output_validators/checker/validate.cc",
            "#include \"validate.h\"\nint main(int argc, char** argv) { return 42; }\n",
        ),
        (
            "output_validators/checker/util.cc",
            "#include \"validate.h\"\nbool check() { return true; }\n",
        ),
    ])?);
    assert_eq!(interface, Interface::Kattis);
    assert_eq!(origin, "output_validators/checker/validate.cc");
    assert_eq!(
        source_of(&program),
        ("cpp", "validate.cc".into(), vec!["util.cc", "validate.h"])
    );
    Ok(())
}

#[test]
fn validator_testlib() -> Result<()> {
    let (program, interface, _) = custom(validator_of(&[
        (
            "output_validators/checker.cpp",
            "#include \"testlib.h\"\nint main(int argc, char* argv[]) {\n  registerTestlibCmd(argc, argv);\n}\n",
        ),
        ("output_validators/testlib.h", "// testlib\n"),
    ])?);
    assert_eq!(interface, Interface::Testlib);
    assert_eq!(
        source_of(&program),
        ("cpp", "checker.cpp".into(), vec!["testlib.h"])
    );
    Ok(())
}

#[test]
fn validator_wasm_and_python() -> Result<()> {
    let (program, interface, origin) =
        custom(validator_of(&[("output_validators/check.wasm", "\0asm")])?);
    assert!(matches!(program, Program::Wasm { module } if module.ends_with("check.wasm")));
    assert_eq!(interface, Interface::Kattis);
    assert_eq!(origin, "output_validators/check.wasm");

    let (program, _, _) = custom(validator_of(&[(
        "output_validators/validate.py",
        "import sys\n",
    )])?);
    assert_eq!(
        source_of(&program),
        ("python3", "validate.py".into(), vec![])
    );

    let (program, _, _) = custom(validator_of(&[
        ("output_validators/v/__main__.py", "from . import rules\n"),
        ("output_validators/v/rules.py", "X = 1\n"),
    ])?);
    assert_eq!(
        source_of(&program),
        ("python3", "__main__.py".into(), vec!["rules.py"])
    );

    let err = validator_of(&[(
        "output_validators/old.py",
        "#!/usr/bin/env python2\nprint 'x'\n",
    )])
    .expect_err("python 2");
    assert!(
        err.to_string()
            .contains("Python 2 is not a supported language"),
        "{err}"
    );

    let err = validator_of(&[
        ("output_validators/a.py", "1\n"),
        ("output_validators/b/b.py", "1\n"),
    ])
    .expect_err("two validators");
    assert!(
        err.to_string().contains("several output validators"),
        "{err}"
    );
    Ok(())
}

#[test]
fn custom_validation_without_validator_is_an_error() -> Result<()> {
    let dir = package(&[
        (
            "problem.yaml",
            "name: C\nsource: X\nvalidation: custom score\ntype: scoring\n",
        ),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", ""),
    ])?;
    let err = load_err(dir.path());
    assert_eq!(
        err.to_string(),
        "problem.yaml: line 3: `validation: custom` needs an output validator, and \
         output_validators/ has none"
    );

    let dir = package(&[
        (
            "problem.yaml",
            "problem_format_version: 2023-07-draft\nname: I\ntype: interactive\n",
        ),
        ("data/secret/1.in", ""),
    ])?;
    let err = load_err(dir.path());
    assert!(
        err.message
            .contains("an interactive problem needs an output validator"),
        "{err}"
    );
    Ok(())
}

// ----- time limits, statements, submissions -----

#[test]
fn time_limit_from_domjudge_files() -> Result<()> {
    let base = [
        ("problem.yaml", "name: T\n"),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", ""),
    ];
    let mut files = base.to_vec();
    files.push((".timelimit", "2.5\n"));
    let dir = package(&files)?;
    assert_eq!(load(dir.path())?.limits.time_limit_ms, Some(2500));

    let mut files = base.to_vec();
    files.push((
        "domjudge-problem.ini",
        "probid='T'\ntimelimit='3'\nname='Tee'\n",
    ));
    let dir = package(&files)?;
    let problem = load(dir.path())?;
    assert_eq!(problem.limits.time_limit_ms, Some(3000));
    assert_eq!(problem.title, "T");

    let dir = package(&[
        (
            "problem.yaml",
            "problem_format_version: 2023-07-draft\nlimits:\n  time_limit: 1\n",
        ),
        (".timelimit", "4"),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", ""),
    ])?;
    let problem = load(dir.path())?;
    assert_eq!(
        problem.limits.time_limit_ms,
        Some(1000),
        "problem.yaml wins"
    );
    assert!(has_warning(&problem, ".timelimit: ignored"));

    let mut files = base.to_vec();
    files.push((".timelimit", "soon"));
    let dir = package(&files)?;
    assert_eq!(
        load_err(dir.path()).to_string(),
        ".timelimit: `soon` is not a time limit in seconds"
    );
    Ok(())
}

#[test]
fn title_falls_back_to_statement_then_directory() -> Result<()> {
    let dir = package(&[
        ("problem.yaml", "source: Somewhere\n"),
        (
            "problem_statement/problem.tex",
            "\\problemname{From \\LaTeX{}}\n",
        ),
        ("problem_statement/problem.sv.pdf", ""),
        ("problem_statement/figure.png", ""),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", ""),
    ])?;
    let problem = load(dir.path())?;
    assert_eq!(problem.title, "From \\LaTeX{}");
    let statements: Vec<(&str, StatementKind)> = problem
        .statements
        .iter()
        .map(|s| (s.language.as_str(), s.kind))
        .collect();
    assert_eq!(
        statements,
        [("sv", StatementKind::Pdf), ("en", StatementKind::Latex)]
    );

    let dir = package(&[
        ("problem.yaml", "license: cc0\n"),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", ""),
    ])?;
    let problem = load(dir.path())?;
    let dir_name = dir
        .path()
        .file_name()
        .context("a name")?
        .to_string_lossy()
        .into_owned();
    assert_eq!(problem.title, dir_name);
    assert_eq!(problem.name, dir_name);
    Ok(())
}

#[test]
fn submission_languages() -> Result<()> {
    let dir = package(&[
        (
            "problem.yaml",
            "problem_format_version: 2023-07-draft\nname: S\n",
        ),
        ("data/secret/1.in", ""),
        ("data/secret/1.ans", ""),
        ("submissions/accepted/sol.py", "print(1)\n"),
        ("submissions/accepted/Sol.java", "class Sol {}\n"),
        (
            "submissions/accepted/py2.py",
            "#!/usr/bin/python2\nprint 1\n",
        ),
        ("submissions/accepted/multi/__main__.py", "import helper\n"),
        ("submissions/accepted/multi/helper.py", "X = 1\n"),
        ("submissions/accepted/script.txt", "puts 1\n"),
        ("submissions/slow_accepted/sol.rs", "fn main() {}\n"),
        ("submissions/time_limit_exceeded/slow.cc", "int main() {}\n"),
        (
            "submissions/submissions.yaml",
            "accepted/script.txt:\n  language: ruby\n  permitted: [AC]\nnobody/*:\n  score: 1\n",
        ),
    ])?;
    let problem = load(dir.path())?;
    let languages: Vec<(&str, Option<&str>, &Expected)> = problem
        .submissions
        .iter()
        .map(|s| (s.name.as_str(), s.language.as_deref(), &s.expected))
        .collect();
    assert_eq!(
        languages,
        [
            ("accepted/Sol.java", Some("java"), &Expected::Accepted),
            ("accepted/multi", Some("python3"), &Expected::Accepted),
            ("accepted/py2.py", None, &Expected::Accepted),
            ("accepted/script.txt", Some("ruby"), &Expected::Accepted),
            ("accepted/sol.py", Some("python3"), &Expected::Accepted),
            (
                "slow_accepted/sol.rs",
                Some("rust"),
                &Expected::Other("slow_accepted".into())
            ),
            (
                "time_limit_exceeded/slow.cc",
                Some("cpp"),
                &Expected::TimeLimitExceeded
            ),
        ]
    );
    assert!(has_warning(&problem, "`permitted` is not checked"));
    assert!(has_warning(&problem, "`nobody/*` matches no submission"));
    Ok(())
}

/// Shaped like problemtools' `examples/different`: a legacy package with a C++ validator
/// directory, submissions in many languages, old-style input validators and a visualizer.
#[test]
fn problemtools_style_package() -> Result<()> {
    let dir = package(&[
        (
            "problem.yaml",
            "# problem.yaml\n\nname: A Different Problem\nsource: Kattis\nlicense: cc by-sa\n\
             validation: custom\nlimits:\n  time_safety_margin: 4\n",
        ),
        (
            "problem_statement/problem.en.tex",
            "\\problemname{A Different Problem}\n",
        ),
        (
            "problem_statement/problem.sv.md",
            "# Ett annorlunda problem\n",
        ),
        ("data/sample/1.in", "10 12\n"),
        ("data/sample/1.ans", "2\n"),
        ("data/secret/01.in", "1 2\n"),
        ("data/secret/01.ans", "1\n"),
        ("data/secret/01.desc", "small\n"),
        ("data/secret/02_extreme_cases.in", "0 1000000000000000\n"),
        ("data/secret/02_extreme_cases.ans", "1000000000000000\n"),
        (
            "input_format_validators/different.ctd",
            "INT(0,10^15) SPACE INT(0,10^15) NEWLINE\n",
        ),
        ("input_format_validators/validate.py", "import sys\n"),
        (
            "output_validators/different_validator/validate.cc",
            "#include \"validate.h\"\nint main(int argc, char **argv) {\n  init_io(argc, argv);\n}\n",
        ),
        (
            "output_validators/different_validator/validate.h",
            "void init_io(int, char**);\n",
        ),
        ("output_visualizer/outputvisualizer.py", "print()\n"),
        (
            "submissions/accepted/Different.java",
            "class Different {}\n",
        ),
        ("submissions/accepted/different.c", "int main() {}\n"),
        ("submissions/accepted/different.cc", "int main() {}\n"),
        ("submissions/accepted/different.hs", "main = pure ()\n"),
        ("submissions/accepted/different.js", "console.log(1)\n"),
        (
            "submissions/accepted/different_py2.py",
            "#! /usr/bin/env python2\nprint 1\n",
        ),
        (
            "submissions/accepted/different_py3.py",
            "#! /usr/bin/env python3\nprint(1)\n",
        ),
        (
            "submissions/accepted/prolog/different.pl",
            ":- initialization(main).\n",
        ),
        ("submissions/slow_accepted/different_slow.py", "print(1)\n"),
    ])?;
    let problem = load(dir.path())?;
    assert_eq!(problem.title, "A Different Problem");
    assert_eq!(problem.limits.time_limit_to_tle, 4.0);
    assert_eq!(problem.limits.ac_to_time_limit, 5.0);
    let (program, interface, origin) = custom_any(&problem.validator);
    assert_eq!(interface, Interface::Kattis);
    assert_eq!(origin, "output_validators/different_validator/validate.cc");
    assert_eq!(
        source_of(&program),
        ("cpp", "validate.cc".into(), vec!["validate.h"])
    );
    let languages: Vec<(&str, Option<&str>)> = problem
        .submissions
        .iter()
        .map(|s| (s.name.as_str(), s.language.as_deref()))
        .collect();
    assert_eq!(
        languages,
        [
            ("accepted/Different.java", Some("java")),
            ("accepted/different.c", Some("c")),
            ("accepted/different.cc", Some("cpp")),
            ("accepted/different.hs", None),
            ("accepted/different.js", Some("javascript")),
            ("accepted/different_py2.py", None),
            ("accepted/different_py3.py", Some("python3")),
            ("accepted/prolog", None),
            ("slow_accepted/different_slow.py", Some("python3")),
        ]
    );
    assert!(has_warning(
        &problem,
        "input_format_validators: input validators are not run"
    ));
    assert!(has_warning(
        &problem,
        "submissions/accepted/prolog: language unknown"
    ));
    assert_eq!(problem.statements.len(), 2);
    round_trip(&problem)?;
    Ok(())
}

fn custom_any(validator: &Validator) -> (Program, Interface, String) {
    match validator {
        Validator::Custom(custom) => (
            custom.program.clone(),
            custom.interface,
            custom.origin.clone(),
        ),
        other => panic!("custom validator expected: {other:?}"),
    }
}

// ----- native -----

/// A problem with its paths replaced by the files' contents, comparable across packages.
fn comparable(problem: &Problem) -> Result<String> {
    fn walk(group: &Group, out: &mut Vec<String>) -> Result<()> {
        out.push(format!("group {:?} {:?}", group.name, group.rules));
        for item in &group.items {
            match item {
                Item::Group(sub) => walk(sub, out)?,
                Item::Test(test) => out.push(format!(
                    "test {} in={:?} ans={:?} flags={:?} args={:?} max={:?} desc={:?} hint={:?} \
                     sample={}",
                    test.name,
                    fs::read(&test.input)?,
                    fs::read(&test.answer)?,
                    test.validator_flags,
                    test.args,
                    test.max_score,
                    test.description,
                    test.hint,
                    test.sample
                )),
            }
        }
        Ok(())
    }
    let mut out = vec![
        format!("title {}", problem.title),
        format!(
            "scoring {} interactive {}",
            problem.scoring, problem.interactive
        ),
        format!("limits {:?}", problem.limits),
    ];
    let contents = |path: &PathBuf| -> Result<String> {
        Ok(String::from_utf8_lossy(&fs::read(path)?).into_owned())
    };
    match &problem.validator {
        Validator::Default { flags } => out.push(format!("default validator {flags:?}")),
        Validator::Custom(custom) => {
            out.push(format!(
                "custom validator {:?} {:?}",
                custom.interface, custom.flags
            ));
            match &custom.program {
                Program::Wasm { module } => out.push(format!("wasm {}", contents(module)?)),
                Program::Source {
                    language,
                    main,
                    files,
                } => {
                    out.push(format!("source {language} {}", contents(main)?));
                    for (name, path) in files {
                        out.push(format!("file {name} {}", contents(path)?));
                    }
                }
            }
        }
    }
    walk(&problem.data, &mut out)?;
    for statement in &problem.statements {
        out.push(format!(
            "statement {} {:?} {}",
            statement.language,
            statement.kind,
            contents(&statement.path)?
        ));
    }
    for submission in &problem.submissions {
        out.push(format!(
            "submission {} {:?} {:?} {:?}",
            submission.name, submission.expected, submission.language, submission.score
        ));
    }
    for (language, files) in &problem.include {
        for (name, path) in files {
            out.push(format!("include {language} {name} {}", contents(path)?));
        }
    }
    Ok(out.join("\n"))
}

fn round_trip(original: &Problem) -> Result<Problem> {
    let out = tempfile::tempdir()?;
    let native_dir = out.path().join("native");
    package::write_native(original, &native_dir).map_err(|err| anyhow::anyhow!("{err}"))?;
    let native = load(&native_dir)?;
    assert_eq!(native.format, Format::Native);
    assert_eq!(comparable(&native)?, comparable(original)?);
    // Loading from a second copy keeps the files alive past `out`.
    let again = tempfile::tempdir()?;
    let copy = again.path().join("copy");
    package::write_native(&native, &copy).map_err(|err| anyhow::anyhow!("{err}"))?;
    let reloaded = load(&copy)?;
    assert_eq!(comparable(&reloaded)?, comparable(original)?);
    assert!(
        reloaded.warnings.is_empty(),
        "a written package reads without warnings: {:?}",
        reloaded.warnings
    );
    Ok(reloaded)
}

#[test]
fn native_round_trip_of_2023_scoring() -> Result<()> {
    let dir = package(SCORING_2023)?;
    let original = load(dir.path())?;
    round_trip(&original)?;
    Ok(())
}

#[test]
fn native_round_trip_of_legacy_and_interactive() -> Result<()> {
    let dir = package(LEGACY_SCORING)?;
    round_trip(&load(dir.path())?)?;

    let dir = package(&[
        (
            "problem.yaml",
            "name: Guess\nvalidation: custom interactive\nlimits:\n  memory: 1.5\n  code: 100\n",
        ),
        (".timelimit", "2"),
        ("data/secret/01.in", "5\n"),
        ("data/secret/02.in", "6\n"),
        ("data/secret/02.ans", "6\n"),
        ("data/secret/02.hint", "binary search\n"),
        (
            "output_validators/guess.cpp",
            "#include \"testlib.h\"\nint main(int c, char** v) { registerTestlibCmd(c, v); }\n",
        ),
        ("submissions/accepted/a.py", "#!/usr/bin/env python2\n"),
        ("submissions/wrong_answer/w.txt", "?"),
    ])?;
    let original = load(dir.path())?;
    assert_eq!(original.limits.memory_bytes, 3 << 19);
    let native = round_trip(&original)?;
    assert!(native.interactive);
    assert_eq!(native.limits.time_limit_ms, Some(2000));
    Ok(())
}

#[test]
fn native_package_by_hand() -> Result<()> {
    let dir = package(&[
        (
            "problem.toml",
            "format_version = 1\ntitle = \"Area\"\ntype = \"scoring\"\n\n[limits]\n\
             time_limit_ms = 1000\nmemory_mib = 64\n\n[validator]\ntype = \"custom\"\n\
             interface = \"testlib\"\nlanguage = \"cpp\"\nmain = \"check.cpp\"\n\
             files = [\"testlib.h\"]\n\n[groups.secret]\naggregation = \"sum\"\nmax_score = 100\n\
             on_reject = \"continue\"\ntest_max_score = 50\n\n[tests.\"secret/2\"]\nargs = [\"-v\"]\n",
        ),
        ("validator/check.cpp", "int main() {}\n"),
        ("validator/testlib.h", ""),
        ("tests/sample/1.in", "1\n"),
        ("tests/sample/1.ans", "3.14\n"),
        ("tests/secret/1.in", "1\n"),
        ("tests/secret/1.ans", "3.14\n"),
        ("tests/secret/1.desc", "unit circle\n"),
        ("tests/secret/2.in", "2\n"),
        ("tests/secret/2.ans", "12.56\n"),
        ("statement/problem.en.md", "# Area\n"),
        ("submissions/accepted/area.py", "print(3.14)\n"),
        ("include/python3/lib.py", "X = 1\n"),
    ])?;
    let problem = load(dir.path())?;
    assert_eq!(problem.format, Format::Native);
    assert_eq!(problem.title, "Area");
    assert!(problem.scoring);
    assert_eq!(problem.limits.time_limit_ms, Some(1000));
    assert_eq!(problem.limits.memory_bytes, 64 << 20);
    let secret = group(&problem.data, "secret");
    assert_eq!(secret.rules.aggregation, Aggregation::Sum);
    assert_eq!(secret.rules.max_score, Some(100.0));
    assert_eq!(test(&problem, "secret/1").max_score, Some(50.0));
    assert_eq!(test(&problem, "secret/2").args, ["-v"]);
    assert_eq!(
        test(&problem, "secret/1").description.as_deref(),
        Some("unit circle")
    );
    let (program, interface, origin) = match problem.validator.clone() {
        Validator::Custom(custom) => (custom.program, custom.interface, custom.origin),
        other => panic!("{other:?}"),
    };
    assert_eq!(interface, Interface::Testlib);
    assert_eq!(origin, "validator/check.cpp");
    assert_eq!(
        source_of(&program),
        ("cpp", "check.cpp".into(), vec!["testlib.h"])
    );
    assert_eq!(problem.submissions[0].language.as_deref(), Some("python3"));
    assert_eq!(problem.include[0].0, "python3");
    round_trip(&problem)?;

    // Strict: unknown keys and unknown groups are errors.
    fs::write(
        dir.path().join("problem.toml"),
        "format_version = 1\n\n[groups.\"secret/nope\"]\naggregation = \"sum\"\n",
    )?;
    assert!(
        load_err(dir.path())
            .to_string()
            .contains("[groups.\"secret/nope\"]: no such group")
    );
    fs::write(
        dir.path().join("problem.toml"),
        "format_version = 1\ntitle = \"x\"\ncolour = \"red\"\n",
    )?;
    let err = load_err(dir.path());
    assert_eq!(err.path, Path::new("problem.toml"));
    assert!(
        err.message.starts_with("line 3: unknown field `colour`"),
        "{err}"
    );
    Ok(())
}

#[test]
fn write_native_refuses_a_non_empty_directory() -> Result<()> {
    let dir = package(LEGACY_SCORING)?;
    let problem = load(dir.path())?;
    let out = tempfile::tempdir()?;
    fs::write(out.path().join("keep"), "")?;
    let err = package::write_native(&problem, out.path()).expect_err("not empty");
    assert!(err.message.contains("not empty"), "{err}");
    Ok(())
}

/// The example problems of the repository (`examples/problems/*`) load.
#[test]
fn example_problems_load() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/problems");
    let Ok(entries) = fs::read_dir(&root) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let problem = load(&path).with_context(|| path.display().to_string())?;
        assert!(!problem.tests().is_empty(), "{}", path.display());
        round_trip(&problem).with_context(|| format!("round trip of {}", path.display()))?;
    }
    Ok(())
}
