//! The native package format (docs/problem-format.md): `problem.toml` says everything
//! explicitly (no inference, no inheritance), the files sit in fixed places. It is what
//! `xcode problem import` writes, so whatever a Kattis package meant is spelled out here.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::data::{self, RawGroup, RawItem, ScanOptions};
use super::program::{Lang, Languages};
use super::{
    Entry, Include, Kind, Package, PackageError, Result, io_message, statement_name, to_bytes,
};
use crate::problem::{
    Aggregation, CustomValidator, ExampleSubmission, Expected, Format, Group, GroupRules,
    Interface, Item, OnReject, Problem, ProblemLimits, Program, Statement, StatementKind, TestCase,
    Validator, VerdictMode,
};

const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "problem.toml";
const MIB: u64 = 1 << 20;
const KIB: u64 = 1 << 10;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(default, rename = "type")]
    kind: ProblemType,
    #[serde(default)]
    interactive: bool,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    validator: ValidatorToml,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    groups: BTreeMap<String, GroupToml>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    tests: BTreeMap<String, TestToml>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    submissions: BTreeMap<String, SubmissionToml>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ProblemType {
    #[default]
    PassFail,
    Scoring,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Limits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time_limit_ms: Option<u64>,
    ac_to_time_limit: Option<f64>,
    time_limit_to_tle: Option<f64>,
    time_resolution_ms: Option<u64>,
    memory_mib: Option<Amount>,
    output_mib: Option<Amount>,
    code_kib: Option<Amount>,
    compilation_time_ms: Option<u64>,
    validation_time_ms: Option<u64>,
    validation_memory_mib: Option<Amount>,
    validation_output_mib: Option<Amount>,
}

/// A size in MiB or KiB: whole, or fractional when the bytes are not a whole number of units.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(untagged)]
enum Amount {
    Whole(u64),
    Fraction(f64),
}

impl Amount {
    fn from_bytes(bytes: u64, unit: u64) -> Self {
        if bytes.is_multiple_of(unit) {
            Self::Whole(bytes / unit)
        } else {
            Self::Fraction(bytes as f64 / unit as f64)
        }
    }

    fn bytes(self, unit: u64) -> u64 {
        match self {
            Self::Whole(amount) => amount.saturating_mul(unit),
            Self::Fraction(amount) => to_bytes(amount, unit),
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidatorToml {
    #[serde(default, rename = "type")]
    kind: ValidatorKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    interface: Option<InterfaceToml>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    main: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    files: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wasm: Option<String>,
    #[serde(default)]
    flags: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ValidatorKind {
    #[default]
    Default,
    Custom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum InterfaceToml {
    Kattis,
    Testlib,
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupToml {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aggregation: Option<AggregationToml>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_reject: Option<OnRejectToml>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verdict: Option<VerdictToml>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    accept_if_any_accepted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ignore_sample: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    accept_score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reject_score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    require_pass: Option<Vec<String>>,
    /// Defaults for the group's own tests (not its subgroups').
    #[serde(default, skip_serializing_if = "Option::is_none")]
    test_validator_flags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    test_args: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    test_max_score: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum AggregationToml {
    PassFail,
    Sum,
    Min,
    Max,
    Avg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum OnRejectToml {
    Break,
    Continue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum VerdictToml {
    WorstError,
    FirstError,
    AlwaysAccept,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestToml {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    validator_flags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    args: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_score: Option<f64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmissionToml {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    score: Option<ScoreToml>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(untagged)]
enum ScoreToml {
    Exact(f64),
    Range([f64; 2]),
}

/// `language = "none"`: a submission in no language we run.
const NO_LANGUAGE: &str = "none";

// ----- reading -----

pub(super) fn load(dir: &Path) -> Result<Problem> {
    let mut package = Package::open(dir)?;
    let languages = Languages::builtin()?;
    let path = dir.join(MANIFEST);
    let entry = package
        .entry(&path)?
        .ok_or_else(|| package.error(&path, "does not exist"))?;
    let text = package.read_text(&entry)?;
    let mut manifest: Manifest = toml::from_str(&text).map_err(|err| {
        let line = err
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        let message = err.message().trim().to_owned();
        match line {
            Some(line) => package.error_at(&path, line, message),
            None => package.error(&path, message),
        }
    })?;
    if manifest.format_version != FORMAT_VERSION {
        return Err(package.error(
            &path,
            format!(
                "format_version {} is not one this judge reads (it reads {FORMAT_VERSION})",
                manifest.format_version
            ),
        ));
    }
    let limits = limits_from(&manifest.limits);
    let validator = validator_from(&mut package, &languages, &manifest)?;
    if manifest.interactive && matches!(validator, Validator::Default { .. }) {
        return Err(package.error(&path, "an interactive problem needs a custom validator"));
    }
    let data = tests_from(&mut package, &mut manifest)?;
    let statements = statements_from(&package)?;
    let submissions = submissions_from(&mut package, &languages, &mut manifest)?;
    let include = include_from(&package, &languages)?;
    let name = package.short_name();
    Ok(Problem {
        dir: package.root.clone(),
        format: Format::Native,
        title: manifest.title.clone().unwrap_or_else(|| name.clone()),
        name,
        scoring: manifest.kind == ProblemType::Scoring,
        interactive: manifest.interactive,
        limits,
        validator,
        data,
        statements,
        submissions,
        include,
        warnings: package.warnings,
    })
}

fn limits_from(toml: &Limits) -> ProblemLimits {
    let default = ProblemLimits::default();
    let bytes = |amount: Option<Amount>, unit, default| amount.map_or(default, |a| a.bytes(unit));
    ProblemLimits {
        time_limit_ms: toml.time_limit_ms,
        ac_to_time_limit: toml.ac_to_time_limit.unwrap_or(default.ac_to_time_limit),
        time_limit_to_tle: toml.time_limit_to_tle.unwrap_or(default.time_limit_to_tle),
        time_resolution_ms: toml
            .time_resolution_ms
            .unwrap_or(default.time_resolution_ms),
        memory_bytes: bytes(toml.memory_mib, MIB, default.memory_bytes),
        output_bytes: bytes(toml.output_mib, MIB, default.output_bytes),
        code_bytes: bytes(toml.code_kib, KIB, default.code_bytes),
        compilation_time_ms: toml
            .compilation_time_ms
            .unwrap_or(default.compilation_time_ms),
        validation_time_ms: toml
            .validation_time_ms
            .unwrap_or(default.validation_time_ms),
        validation_memory_bytes: bytes(
            toml.validation_memory_mib,
            MIB,
            default.validation_memory_bytes,
        ),
        validation_output_bytes: bytes(
            toml.validation_output_mib,
            MIB,
            default.validation_output_bytes,
        ),
    }
}

fn validator_from(
    package: &mut Package,
    languages: &Languages,
    manifest: &Manifest,
) -> Result<Validator> {
    let toml = &manifest.validator;
    let manifest_path = package.dir.join(MANIFEST);
    let dir = package.dir.join("validator");
    if toml.kind == ValidatorKind::Default {
        let custom_keys = toml.interface.is_some()
            || toml.language.is_some()
            || toml.main.is_some()
            || !toml.files.is_empty()
            || toml.wasm.is_some();
        if custom_keys {
            return Err(package.error(
                &manifest_path,
                "validator: interface, language, main, files and wasm are for type = \"custom\"",
            ));
        }
        if !package.list(&dir)?.is_empty() {
            package.warn(&dir, "ignored: the validator is the default one");
        }
        return Ok(Validator::Default {
            flags: toml.flags.clone(),
        });
    }
    let file = |package: &Package, name: &str| -> Result<Entry> {
        if name.is_empty() || name.contains('/') || name.starts_with('.') {
            return Err(package.error(
                &manifest_path,
                format!("validator: `{name}` is not a plain file name in validator/"),
            ));
        }
        let path = dir.join(name);
        match package.entry(&path)? {
            Some(entry) if entry.kind == Kind::File => Ok(entry),
            Some(_) => Err(package.error(&path, "not a regular file")),
            None => Err(package.error(&path, "does not exist (named in problem.toml)")),
        }
    };
    let (program, main) = match (&toml.wasm, &toml.language, &toml.main) {
        (Some(module), None, None) if toml.files.is_empty() => {
            let entry = file(package, module)?;
            (
                Program::Wasm {
                    module: entry.real.clone(),
                },
                entry,
            )
        }
        (None, Some(language), Some(main)) => {
            if !languages.contains(language) {
                return Err(package.error(
                    &manifest_path,
                    format!("validator: unknown language `{language}`"),
                ));
            }
            let main = file(package, main)?;
            let mut files = Vec::new();
            for name in &toml.files {
                files.push((name.clone(), file(package, name)?.real));
            }
            (
                Program::Source {
                    language: language.clone(),
                    main: main.real.clone(),
                    files,
                },
                main,
            )
        }
        _ => {
            return Err(package.error(
                &manifest_path,
                "validator: a custom validator has either `wasm`, or `language` and `main` \
                 (and `files`)",
            ));
        }
    };
    let listed: Vec<&str> = toml
        .files
        .iter()
        .map(String::as_str)
        .chain(toml.wasm.as_deref())
        .chain(toml.main.as_deref())
        .collect();
    for entry in package.list(&dir)? {
        if !listed.contains(&entry.name.as_str()) {
            package.warn(
                &entry.path,
                "not listed in problem.toml's validator (unused)",
            );
        }
    }
    Ok(Validator::Custom(CustomValidator {
        origin: package.rel(&main.path).display().to_string(),
        program,
        interface: match toml.interface {
            Some(InterfaceToml::Testlib) => Interface::Testlib,
            Some(InterfaceToml::Kattis) | None => Interface::Kattis,
        },
        flags: toml.flags.clone(),
    }))
}

fn tests_from(package: &mut Package, manifest: &mut Manifest) -> Result<Group> {
    let path = package.dir.join("tests");
    let dir = package
        .dir_entry(&path)?
        .ok_or_else(|| package.error(&path, "missing: there is no test data"))?;
    let options = ScanOptions {
        answer_optional: false,
    };
    let data::Root {
        group: raw,
        other_dirs,
        stray_tests,
    } = data::scan_root(package, &dir, options)?;
    if let Some(test) = stray_tests.first() {
        return Err(package.error(
            &test.path,
            "a test directly in tests/: tests go in tests/sample/ or tests/secret/",
        ));
    }
    if let Some(other) = other_dirs.first() {
        return Err(package.error(
            &other.path,
            "only sample/ and secret/ may be directly in tests/",
        ));
    }
    let secret = raw.items.iter().find_map(|item| match item {
        RawItem::Group(group) if group.name == "secret" => Some(group),
        _ => None,
    });
    match secret {
        None => return Err(package.error(&path.join("secret"), "missing")),
        Some(secret) if secret.count_tests() == 0 => {
            return Err(package.error(&secret.dir.path, "no test cases"));
        }
        Some(_) => {}
    }
    let group = group_from(package, raw, manifest)?;
    let manifest_path = package.dir.join(MANIFEST);
    if let Some(name) = manifest.groups.keys().next() {
        return Err(package.error(
            &manifest_path,
            format!("[groups.\"{name}\"]: no such group in tests/"),
        ));
    }
    if let Some(name) = manifest.tests.keys().next() {
        return Err(package.error(
            &manifest_path,
            format!("[tests.\"{name}\"]: no such test in tests/"),
        ));
    }
    Ok(group)
}

fn group_from(package: &mut Package, raw: RawGroup, manifest: &mut Manifest) -> Result<Group> {
    let toml = manifest.groups.remove(&raw.name).unwrap_or_default();
    let default = GroupRules::default();
    let rules = GroupRules {
        aggregation: toml.aggregation.map_or(default.aggregation, Into::into),
        max_score: toml.max_score,
        on_reject: toml.on_reject.map_or(default.on_reject, Into::into),
        verdict: toml.verdict.map_or(default.verdict, Into::into),
        accept_if_any_accepted: toml
            .accept_if_any_accepted
            .unwrap_or(default.accept_if_any_accepted),
        ignore_sample: toml.ignore_sample.unwrap_or(default.ignore_sample),
        accept_score: toml.accept_score.unwrap_or(default.accept_score),
        reject_score: toml.reject_score.unwrap_or(default.reject_score),
        require_pass: toml.require_pass.clone().unwrap_or_default(),
    };
    let mut items = Vec::new();
    for item in raw.items {
        items.push(match item {
            RawItem::Group(group) => Item::Group(group_from(package, group, manifest)?),
            RawItem::Test(test) => {
                if let Some(yaml) = &test.yaml {
                    package.warn(
                        &yaml.path,
                        "ignored: a test's settings go in problem.toml's [tests]",
                    );
                }
                let overrides = manifest.tests.remove(&test.name).unwrap_or_default();
                let text = |entry: &Option<Entry>| -> Result<Option<String>> {
                    entry
                        .as_ref()
                        .map(|entry| Ok(package.read_text(entry)?.trim_end().to_owned()))
                        .transpose()
                };
                Item::Test(TestCase {
                    sample: test.name.starts_with("sample/"),
                    description: text(&test.desc)?,
                    hint: text(&test.hint)?,
                    name: test.name,
                    input: test.input.real,
                    answer: test.answer.map(|answer| answer.real).unwrap_or_default(),
                    validator_flags: overrides
                        .validator_flags
                        .or_else(|| toml.test_validator_flags.clone())
                        .unwrap_or_default(),
                    args: overrides
                        .args
                        .or_else(|| toml.test_args.clone())
                        .unwrap_or_default(),
                    max_score: overrides.max_score.or(toml.test_max_score),
                })
            }
        });
    }
    Ok(Group {
        name: raw.name,
        rules,
        items,
    })
}

fn statements_from(package: &Package) -> Result<Vec<Statement>> {
    let mut statements = Vec::new();
    for entry in package.list(&package.dir.join("statement"))? {
        if entry.kind != Kind::File {
            continue;
        }
        if let Some((language, kind)) = statement_name(&entry.name) {
            statements.push(Statement {
                language,
                kind,
                path: entry.real,
            });
        }
    }
    Ok(statements)
}

fn submissions_from(
    package: &mut Package,
    languages: &Languages,
    manifest: &mut Manifest,
) -> Result<Vec<ExampleSubmission>> {
    let root = package.dir.join("submissions");
    let mut submissions = Vec::new();
    for dir in package.list(&root)? {
        if dir.kind != Kind::Dir {
            package.warn(&dir.path, "not a directory of submissions (ignored)");
            continue;
        }
        for entry in package.list(&dir.path)? {
            let name = format!("{}/{}", dir.name, entry.name);
            let toml = manifest.submissions.remove(&name).unwrap_or_default();
            let language = match toml.language.as_deref() {
                Some(NO_LANGUAGE) => None,
                Some(id) if languages.contains(id) => Some(id.to_owned()),
                Some(id) => {
                    package.warn(&entry.path, format!("unknown language `{id}`"));
                    None
                }
                None => detect_language(package, languages, &entry)?,
            };
            submissions.push(ExampleSubmission {
                name,
                path: entry.real,
                expected: Expected::from_dir(&dir.name),
                language,
                score: toml.score.map(|score| match score {
                    ScoreToml::Exact(score) => (score, score),
                    ScoreToml::Range([low, high]) => (low, high),
                }),
            });
        }
    }
    if let Some(name) = manifest.submissions.keys().next() {
        return Err(package.error(
            &package.dir.join(MANIFEST),
            format!("[submissions.\"{name}\"]: no such submission"),
        ));
    }
    Ok(submissions)
}

fn detect_language(
    package: &Package,
    languages: &Languages,
    entry: &Entry,
) -> Result<Option<String>> {
    let main = match entry.kind {
        Kind::File => entry.clone(),
        Kind::Dir => {
            let files: Vec<Entry> = package
                .list(&entry.path)?
                .into_iter()
                .filter(|file| file.kind == Kind::File)
                .collect();
            match super::program::choose_main(languages, &files) {
                Ok(main) => files[main].clone(),
                Err(_) => return Ok(None),
            }
        }
        Kind::Other => return Ok(None),
    };
    Ok(match languages.of(&main) {
        Lang::Supported(id) => Some(id),
        _ => None,
    })
}

fn include_from(package: &Package, languages: &Languages) -> Result<Include> {
    let mut include = Vec::new();
    for dir in package.list(&package.dir.join("include"))? {
        if dir.kind != Kind::Dir || !languages.contains(&dir.name) {
            return Err(package.error(
                &dir.path,
                "include/ holds one directory per language id (include/cpp/)",
            ));
        }
        let files = package
            .files_under(&dir)?
            .into_iter()
            .map(|(name, entry)| (name, entry.real))
            .collect();
        include.push((dir.name.clone(), files));
    }
    Ok(include)
}

// ----- writing -----

pub(super) fn write(problem: &Problem, out: &Path) -> Result<()> {
    let error = |path: &Path, message: String| PackageError {
        path: path.to_owned(),
        message,
    };
    if out.exists() {
        let mut entries = fs::read_dir(out).map_err(|err| error(out, io_message(&err)))?;
        if entries.next().is_some() {
            return Err(error(out, "exists and is not empty".to_owned()));
        }
    }
    let writer = Writer {
        problem,
        out: out.to_owned(),
    };
    writer.write()
}

#[derive(Debug)]
struct Writer<'a> {
    problem: &'a Problem,
    out: PathBuf,
}

impl Writer<'_> {
    fn error(&self, path: &Path, message: impl Into<String>) -> PackageError {
        PackageError {
            path: path.strip_prefix(&self.out).unwrap_or(path).to_owned(),
            message: message.into(),
        }
    }

    /// Copies file `from` (of the problem) to `to` (relative to the output).
    fn copy(&self, from: &Path, to: &Path) -> Result<()> {
        let target = self.out.join(to);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|err| self.error(parent, io_message(&err)))?;
        }
        if from == Path::new(super::EMPTY_ANSWER) {
            return fs::write(&target, b"").map_err(|err| self.error(&target, io_message(&err)));
        }
        fs::copy(from, &target).map_err(|err| {
            self.error(
                &target,
                format!("copying {}: {}", from.display(), io_message(&err)),
            )
        })?;
        Ok(())
    }

    /// Copies directory `from` recursively, refusing links that leave the problem.
    fn copy_dir(&self, from: &Path, to: &Path, skip: &dyn Fn(&str) -> bool) -> Result<()> {
        let reader = fs::read_dir(from).map_err(|err| self.error(from, io_message(&err)))?;
        let mut names: Vec<_> = reader
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name())
            .collect();
        names.sort();
        fs::create_dir_all(self.out.join(to))
            .map_err(|err| self.error(&self.out.join(to), io_message(&err)))?;
        for name in names {
            let Some(text) = name.to_str() else { continue };
            if text.starts_with('.') || skip(text) {
                continue;
            }
            let path = from.join(&name);
            let real =
                fs::canonicalize(&path).map_err(|err| self.error(&path, io_message(&err)))?;
            if !real.starts_with(&self.problem.dir) {
                return Err(self.error(&path, "a link that leads outside the problem"));
            }
            if real.is_dir() {
                self.copy_dir(&real, &to.join(text), &|_| false)?;
            } else if real.is_file() {
                self.copy(&real, &to.join(text))?;
            }
        }
        Ok(())
    }

    fn write(&self) -> Result<()> {
        let problem = self.problem;
        fs::create_dir_all(&self.out).map_err(|err| self.error(&self.out, io_message(&err)))?;
        let mut manifest = Manifest {
            format_version: FORMAT_VERSION,
            title: Some(problem.title.clone()),
            kind: if problem.scoring {
                ProblemType::Scoring
            } else {
                ProblemType::PassFail
            },
            interactive: problem.interactive,
            limits: limits_to(&problem.limits),
            validator: self.validator()?,
            groups: BTreeMap::new(),
            tests: BTreeMap::new(),
            submissions: BTreeMap::new(),
        };
        self.group(&problem.data, &mut manifest)?;
        self.statements()?;
        self.submissions(&mut manifest)?;
        for (language, files) in &problem.include {
            for (name, path) in files {
                self.copy(path, &Path::new("include").join(language).join(name))?;
            }
        }
        let text = toml::to_string(&manifest)
            .map_err(|err| self.error(Path::new(MANIFEST), err.to_string()))?;
        let header = format!(
            "# A native Xcode problem package (docs/problem-format.md),\n# written by `xcode \
             problem import` from a {} package.\n\n",
            problem.format.as_str()
        );
        let path = self.out.join(MANIFEST);
        fs::write(&path, header + &text).map_err(|err| self.error(&path, io_message(&err)))
    }

    fn validator(&self) -> Result<ValidatorToml> {
        let custom = match &self.problem.validator {
            Validator::Default { flags } => {
                return Ok(ValidatorToml {
                    flags: flags.clone(),
                    ..ValidatorToml::default()
                });
            }
            Validator::Custom(custom) => custom,
        };
        let mut toml = ValidatorToml {
            kind: ValidatorKind::Custom,
            interface: Some(match custom.interface {
                Interface::Kattis => InterfaceToml::Kattis,
                Interface::Testlib => InterfaceToml::Testlib,
            }),
            flags: custom.flags.clone(),
            ..ValidatorToml::default()
        };
        let dir = Path::new("validator");
        match &custom.program {
            Program::Wasm { module } => {
                let name = file_name(module);
                self.copy(module, &dir.join(&name))?;
                toml.wasm = Some(name);
            }
            Program::Source {
                language,
                main,
                files,
            } => {
                let name = file_name(main);
                self.copy(main, &dir.join(&name))?;
                toml.language = Some(language.clone());
                toml.main = Some(name);
                for (name, path) in files {
                    self.copy(path, &dir.join(name))?;
                    toml.files.push(name.clone());
                }
            }
        }
        Ok(toml)
    }

    fn group(&self, group: &Group, manifest: &mut Manifest) -> Result<()> {
        let dir = Path::new("tests").join(&group.name);
        fs::create_dir_all(self.out.join(&dir))
            .map_err(|err| self.error(&self.out.join(&dir), io_message(&err)))?;
        let mut toml = rules_to(&group.rules);
        let tests: Vec<&TestCase> = group
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Test(test) => Some(test),
                Item::Group(_) => None,
            })
            .collect();
        toml.test_validator_flags =
            common(&tests, |test| &test.validator_flags).filter(|flags| !flags.is_empty());
        toml.test_args = common(&tests, |test| &test.args).filter(|args| !args.is_empty());
        toml.test_max_score = common(&tests, |test| &test.max_score).flatten();
        for item in &group.items {
            match item {
                Item::Group(sub) => self.group(sub, manifest)?,
                Item::Test(test) => {
                    self.test(test)?;
                    let own = TestToml {
                        validator_flags: (test.validator_flags
                            != toml.test_validator_flags.clone().unwrap_or_default())
                        .then(|| test.validator_flags.clone()),
                        args: (test.args != toml.test_args.clone().unwrap_or_default())
                            .then(|| test.args.clone()),
                        max_score: if test.max_score != toml.test_max_score {
                            test.max_score
                        } else {
                            None
                        },
                    };
                    if own.validator_flags.is_some()
                        || own.args.is_some()
                        || own.max_score.is_some()
                    {
                        manifest.tests.insert(test.name.clone(), own);
                    }
                }
            }
        }
        if toml != GroupToml::default() {
            manifest.groups.insert(group.name.clone(), toml);
        }
        Ok(())
    }

    fn test(&self, test: &TestCase) -> Result<()> {
        let base = Path::new("tests").join(&test.name);
        let with = |extension: &str| {
            let mut path = base.clone().into_os_string();
            path.push(extension);
            PathBuf::from(path)
        };
        self.copy(&test.input, &with(".in"))?;
        self.copy(&test.answer, &with(".ans"))?;
        for (text, extension) in [(&test.description, ".desc"), (&test.hint, ".hint")] {
            if let Some(text) = text {
                let path = self.out.join(with(extension));
                fs::write(&path, format!("{text}\n"))
                    .map_err(|err| self.error(&path, io_message(&err)))?;
            }
        }
        Ok(())
    }

    /// The statements, as `statement/problem.<lang>.<ext>`, with the files beside them
    /// (images) they may refer to.
    fn statements(&self) -> Result<()> {
        let dir = Path::new("statement");
        let mut copied = Vec::new();
        for statement in &self.problem.statements {
            if let Some(parent) = statement.path.parent()
                && !copied.contains(&parent)
            {
                copied.push(parent);
                self.copy_dir(parent, dir, &|name| statement_name(name).is_some())?;
            }
        }
        for statement in &self.problem.statements {
            let extension = match statement.kind {
                StatementKind::Markdown => "md",
                StatementKind::Latex => "tex",
                StatementKind::Pdf => "pdf",
            };
            let name = format!("problem.{}.{extension}", statement.language);
            self.copy(&statement.path, &dir.join(name))?;
        }
        Ok(())
    }

    fn submissions(&self, manifest: &mut Manifest) -> Result<()> {
        let languages = Languages::builtin()?;
        for submission in &self.problem.submissions {
            let to = Path::new("submissions").join(&submission.name);
            if submission.path.is_dir() {
                self.copy_dir(&submission.path, &to, &|_| false)?;
            } else {
                self.copy(&submission.path, &to)?;
            }
            let detected = {
                let package = Package::open(&self.out)?;
                let path = self.out.join(&to);
                match package.entry(&path)? {
                    Some(entry) => detect_language(&package, &languages, &entry)?,
                    None => None,
                }
            };
            let language = match (&submission.language, detected) {
                (Some(language), detected) if detected.as_ref() == Some(language) => None,
                (Some(language), _) => Some(language.clone()),
                (None, Some(_)) => Some(NO_LANGUAGE.to_owned()),
                (None, None) => None,
            };
            let score = submission.score.map(|(low, high)| {
                if low == high {
                    ScoreToml::Exact(low)
                } else {
                    ScoreToml::Range([low, high])
                }
            });
            if language.is_some() || score.is_some() {
                manifest
                    .submissions
                    .insert(submission.name.clone(), SubmissionToml { language, score });
            }
        }
        Ok(())
    }
}

/// The value every test shares, if they all do (and there is at least one).
fn common<'a, T: PartialEq + Clone + 'a>(
    tests: &[&'a TestCase],
    field: impl Fn(&'a TestCase) -> &'a T,
) -> Option<T> {
    let first = field(tests.first()?);
    tests
        .iter()
        .all(|test| field(test) == first)
        .then(|| first.clone())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn limits_to(limits: &ProblemLimits) -> Limits {
    Limits {
        time_limit_ms: limits.time_limit_ms,
        ac_to_time_limit: Some(limits.ac_to_time_limit),
        time_limit_to_tle: Some(limits.time_limit_to_tle),
        time_resolution_ms: Some(limits.time_resolution_ms),
        memory_mib: Some(Amount::from_bytes(limits.memory_bytes, MIB)),
        output_mib: Some(Amount::from_bytes(limits.output_bytes, MIB)),
        code_kib: Some(Amount::from_bytes(limits.code_bytes, KIB)),
        compilation_time_ms: Some(limits.compilation_time_ms),
        validation_time_ms: Some(limits.validation_time_ms),
        validation_memory_mib: Some(Amount::from_bytes(limits.validation_memory_bytes, MIB)),
        validation_output_mib: Some(Amount::from_bytes(limits.validation_output_bytes, MIB)),
    }
}

/// The rules that differ from the defaults.
fn rules_to(rules: &GroupRules) -> GroupToml {
    let default = GroupRules::default();
    let differs = |same: bool| !same;
    GroupToml {
        aggregation: differs(rules.aggregation == default.aggregation)
            .then(|| rules.aggregation.into()),
        max_score: rules.max_score,
        on_reject: differs(rules.on_reject == default.on_reject).then(|| rules.on_reject.into()),
        verdict: differs(rules.verdict == default.verdict).then(|| rules.verdict.into()),
        accept_if_any_accepted: differs(
            rules.accept_if_any_accepted == default.accept_if_any_accepted,
        )
        .then_some(rules.accept_if_any_accepted),
        ignore_sample: differs(rules.ignore_sample == default.ignore_sample)
            .then_some(rules.ignore_sample),
        accept_score: differs(rules.accept_score == default.accept_score)
            .then_some(rules.accept_score),
        reject_score: differs(rules.reject_score == default.reject_score)
            .then_some(rules.reject_score),
        require_pass: differs(rules.require_pass.is_empty()).then(|| rules.require_pass.clone()),
        test_validator_flags: None,
        test_args: None,
        test_max_score: None,
    }
}

impl From<AggregationToml> for Aggregation {
    fn from(value: AggregationToml) -> Self {
        match value {
            AggregationToml::PassFail => Self::PassFail,
            AggregationToml::Sum => Self::Sum,
            AggregationToml::Min => Self::Min,
            AggregationToml::Max => Self::Max,
            AggregationToml::Avg => Self::Avg,
        }
    }
}

impl From<Aggregation> for AggregationToml {
    fn from(value: Aggregation) -> Self {
        match value {
            Aggregation::PassFail => Self::PassFail,
            Aggregation::Sum => Self::Sum,
            Aggregation::Min => Self::Min,
            Aggregation::Max => Self::Max,
            Aggregation::Avg => Self::Avg,
        }
    }
}

impl From<OnRejectToml> for OnReject {
    fn from(value: OnRejectToml) -> Self {
        match value {
            OnRejectToml::Break => Self::Break,
            OnRejectToml::Continue => Self::Continue,
        }
    }
}

impl From<OnReject> for OnRejectToml {
    fn from(value: OnReject) -> Self {
        match value {
            OnReject::Break => Self::Break,
            OnReject::Continue => Self::Continue,
        }
    }
}

impl From<VerdictToml> for VerdictMode {
    fn from(value: VerdictToml) -> Self {
        match value {
            VerdictToml::WorstError => Self::WorstError,
            VerdictToml::FirstError => Self::FirstError,
            VerdictToml::AlwaysAccept => Self::AlwaysAccept,
        }
    }
}

impl From<VerdictMode> for VerdictToml {
    fn from(value: VerdictMode) -> Self {
        match value {
            VerdictMode::WorstError => Self::WorstError,
            VerdictMode::FirstError => Self::FirstError,
            VerdictMode::AlwaysAccept => Self::AlwaysAccept,
        }
    }
}
