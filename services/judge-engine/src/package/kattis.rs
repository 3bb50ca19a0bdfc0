//! ICPC/Kattis problem packages (`problem.yaml`): the `legacy` format and `2023-07` (and the
//! drafts around it), read as the reference tools read them. Packages we have never seen are
//! imported as they are: unknown keys and files are warnings; what would make judging wrong
//! (a grader, a multi-pass problem, a missing answer) is an error.

mod submissions;
mod testdata;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::program::{self, Found, Lang, Languages};
use super::yaml::{Key, Node, Value};
use super::{
    Entry, Include, Kind, Package, PackageError, Result, seconds_to_ms, statement_name, to_bytes,
};
use crate::problem::{
    CustomValidator, Format, Problem, ProblemLimits, Statement, StatementKind, Validator,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    Legacy,
    V2023,
}

pub(super) fn load(dir: &Path) -> Result<Problem> {
    let package = Package::open(dir)?;
    let languages = Languages::builtin()?;
    let mut loader = Loader {
        yaml_path: dir.join("problem.yaml"),
        package,
        languages,
        version: Version::Legacy,
    };
    loader.load()
}

#[derive(Debug)]
struct Loader {
    package: Package,
    languages: Languages,
    yaml_path: PathBuf,
    version: Version,
}

/// What `problem.yaml` says.
#[derive(Debug, Default)]
struct Meta {
    scoring: bool,
    interactive: bool,
    /// (language, name).
    names: Vec<(String, String)>,
    limits: ProblemLimits,
    /// Legacy `validation`: `Some(line)` when `custom`.
    custom_validation: Option<usize>,
    validator_flags: Vec<String>,
    /// Legacy problem-wide grading keys that override every `testdata.yaml`.
    grading_overrides: BTreeMap<String, Setting>,
}

/// A value from a YAML file, with the file it came from (messages name it).
#[derive(Debug, Clone)]
struct Setting {
    node: Node,
    file: PathBuf,
}

/// Reads a YAML map, remembering which keys were used so the rest can be warned about.
#[derive(Debug)]
struct Fields<'a> {
    file: PathBuf,
    entries: &'a [(Key, Node)],
    used: Vec<bool>,
}

impl<'a> Fields<'a> {
    fn of(package: &Package, file: &Path, node: &'a Node) -> Result<Self> {
        let entries = node.entries().ok_or_else(|| {
            package.error_at(
                file,
                node.line,
                format!("expected a map, found {}", node.kind()),
            )
        })?;
        Ok(Self {
            file: file.to_owned(),
            entries,
            used: vec![false; entries.len()],
        })
    }

    fn get(&mut self, key: &str) -> Option<&'a Node> {
        let index = self.entries.iter().position(|(k, _)| k.name == key)?;
        self.used[index] = true;
        Some(&self.entries[index].1)
    }

    /// Marks `keys` as known and not used.
    fn ignore(&mut self, keys: &[&str]) {
        for key in keys {
            self.get(key);
        }
    }

    /// The entries not used (yet).
    fn unused(&self) -> impl Iterator<Item = &'a (Key, Node)> {
        self.entries
            .iter()
            .zip(self.used.clone())
            .filter(|(_, used)| !used)
            .map(|(entry, _)| entry)
    }

    /// Warns about every key not used; `what` names the map (`limits`).
    fn finish(self, package: &mut Package, what: &str) {
        for (key, _) in self.unused() {
            let message = if what.is_empty() {
                format!("unknown key `{}` (ignored)", key.name)
            } else {
                format!("unknown key `{}` in {what} (ignored)", key.name)
            };
            package.warn_at(&self.file, key.line, message);
        }
    }
}

impl Loader {
    fn err(&self, file: &Path, node: &Node, message: impl AsRef<str>) -> PackageError {
        self.package.error_at(file, node.line, message)
    }

    fn load(&mut self) -> Result<Problem> {
        let yaml_entry = self
            .package
            .entry(&self.yaml_path)?
            .ok_or_else(|| self.package.error(&self.yaml_path, "does not exist"))?;
        let config = self.package.read_yaml(&yaml_entry)?;
        self.version = self.format_version(&config)?;
        let mut meta = self.meta(&config)?;
        self.time_limit_files(&mut meta)?;

        let (statements, statement_title) = self.statements()?;
        let title = meta
            .names
            .iter()
            .find(|(language, _)| language == "en")
            .or_else(|| meta.names.first())
            .map(|(_, name)| name.clone())
            .filter(|name| !name.trim().is_empty())
            .or(statement_title)
            .or_else(|| self.domjudge_ini().ok().flatten().and_then(|ini| ini.name))
            .unwrap_or_else(|| self.package.short_name());

        let validator = self.validator(&meta)?;
        let data = self.data(&meta)?;
        let submissions = self.submissions()?;
        let include = self.include()?;
        self.unsupported_parts()?;

        let format = match self.version {
            Version::Legacy => Format::KattisLegacy,
            Version::V2023 => Format::Kattis2023,
        };
        Ok(Problem {
            dir: self.package.root.clone(),
            format,
            name: self.package.short_name(),
            title,
            scoring: meta.scoring,
            interactive: meta.interactive,
            limits: meta.limits,
            validator,
            data,
            statements,
            submissions,
            include,
            warnings: std::mem::take(&mut self.package.warnings),
        })
    }

    fn format_version(&mut self, config: &Node) -> Result<Version> {
        let file = self.yaml_path.clone();
        let Some(entries) = config.entries() else {
            return Err(self.err(
                &file,
                config,
                format!("expected a map, found {}", config.kind()),
            ));
        };
        let Some((_, node)) = entries
            .iter()
            .find(|(key, _)| key.name == "problem_format_version")
        else {
            return Ok(Version::Legacy);
        };
        let text = node.scalar_text().unwrap_or_default();
        match text.as_str() {
            "legacy" | "legacy-icpc" => Ok(Version::Legacy),
            "2023-07-draft" | "2023-07" => Ok(Version::V2023),
            _ if is_later_version(&text) => {
                self.package.warn_at(
                    &file,
                    node.line,
                    format!("problem_format_version `{text}` read as 2023-07"),
                );
                Ok(Version::V2023)
            }
            _ => Err(self.err(
                &file,
                node,
                format!("unknown problem_format_version `{text}`"),
            )),
        }
    }

    fn meta(&mut self, config: &Node) -> Result<Meta> {
        let file = self.yaml_path.clone();
        let mut fields = Fields::of(&self.package, &file, config)?;
        fields.ignore(&[
            "problem_format_version",
            "uuid",
            "version",
            "author",
            "credits",
            "source",
            "source_url",
            "license",
            "rights_owner",
            "keywords",
            "embargo_until",
        ]);
        let mut meta = Meta {
            limits: ProblemLimits::default(),
            ..Meta::default()
        };
        if self.version == Version::Legacy {
            meta.limits.ac_to_time_limit = 5.0;
            meta.limits.time_limit_to_tle = 2.0;
        }

        if let Some(node) = fields.get("type") {
            self.problem_type(&file, node, &mut meta)?;
        }
        if let Some(node) = fields.get("name") {
            meta.names = self.names(&file, node)?;
        }
        if let Some(node) = fields.get("validation") {
            if self.version == Version::V2023 {
                self.package.warn_at(
                    &file,
                    node.line,
                    "`validation` is a legacy key: read as in the legacy format",
                );
            }
            self.validation(&file, node, &mut meta)?;
        }
        if let Some(node) = fields.get("validator_flags") {
            meta.validator_flags = node
                .words()
                .ok_or_else(|| self.err(&file, node, "validator_flags must be a string"))?;
        }
        if let Some(node) = fields.get("limits") {
            self.limits(&file, node, &mut meta.limits)?;
        }
        if let Some(node) = fields.get("grading") {
            self.grading(&file, node, &mut meta)?;
        }
        if let Some(node) = fields.get("languages") {
            let all = node.words().is_some_and(|words| words == ["all"]);
            if !all {
                self.package.warn_at(
                    &file,
                    node.line,
                    "`languages` is not enforced: every language may be used",
                );
            }
        }
        if let Some(node) = fields.get("constants")
            && node.entries().is_some_and(|entries| !entries.is_empty())
        {
            self.package.warn_at(
                &file,
                node.line,
                "`constants` are not substituted into programs or statements",
            );
        }
        if let Some(node) = fields.get("allow_file_writing")
            && node.boolean() == Some(true)
        {
            self.package.warn_at(
                &file,
                node.line,
                "`allow_file_writing` is not supported: submissions cannot write files",
            );
        }
        if let Some(node) = fields.get("libraries") {
            self.package
                .warn_at(&file, node.line, "`libraries` are not supported (ignored)");
        }
        fields.finish(&mut self.package, "");
        if meta.interactive && meta.custom_validation.is_none() && self.version == Version::Legacy {
            meta.custom_validation = Some(config.line);
        }
        Ok(meta)
    }

    fn problem_type(&mut self, file: &Path, node: &Node, meta: &mut Meta) -> Result<()> {
        let items: Vec<&Node> = match &node.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        if items.is_empty() {
            return Err(self.err(file, node, "`type` must not be empty"));
        }
        let mut pass_fail = false;
        for item in items {
            let word = item.scalar_text().unwrap_or_default();
            match word.as_str() {
                "pass-fail" => pass_fail = true,
                "scoring" => meta.scoring = true,
                "interactive" => meta.interactive = true,
                "multi-pass" => {
                    return Err(self.err(file, item, "multi-pass problems are not supported"));
                }
                "submit-answer" => {
                    return Err(self.err(file, item, "submit-answer problems are not supported"));
                }
                other => {
                    return Err(self.err(file, item, format!("unknown problem type `{other}`")));
                }
            }
        }
        if pass_fail && meta.scoring {
            return Err(self.err(file, node, "a problem cannot be both pass-fail and scoring"));
        }
        Ok(())
    }

    fn names(&self, file: &Path, node: &Node) -> Result<Vec<(String, String)>> {
        if let Some(name) = node.scalar_text() {
            return Ok(vec![("en".to_owned(), name)]);
        }
        let Some(entries) = node.entries() else {
            return Err(self.err(file, node, "`name` must be a string or a map of languages"));
        };
        entries
            .iter()
            .map(|(language, name)| {
                name.scalar_text()
                    .map(|name| (language.name.clone(), name))
                    .ok_or_else(|| self.err(file, name, "a name must be a string"))
            })
            .collect()
    }

    fn validation(&mut self, file: &Path, node: &Node, meta: &mut Meta) -> Result<()> {
        let words = node
            .words()
            .ok_or_else(|| self.err(file, node, "`validation` must be a string"))?;
        match words.first().map(String::as_str) {
            Some("default") | None => {
                if let Some(extra) = words.get(1) {
                    return Err(self.err(
                        file,
                        node,
                        format!("unknown validation mode `{extra}` (only `custom` takes options)"),
                    ));
                }
            }
            Some("custom") => {
                meta.custom_validation = Some(node.line);
                for word in &words[1..] {
                    match word.as_str() {
                        "interactive" => meta.interactive = true,
                        // The validator's score.txt: the judge reads it whenever it is there.
                        "score" => {
                            if !meta.scoring {
                                self.package.warn_at(
                                    file,
                                    node.line,
                                    "`custom score` on a pass-fail problem: scores are ignored",
                                );
                            }
                        }
                        other => {
                            return Err(self.err(
                                file,
                                node,
                                format!("unknown validation mode `{other}`"),
                            ));
                        }
                    }
                }
            }
            Some(other) => {
                return Err(self.err(file, node, format!("unknown validation mode `{other}`")));
            }
        }
        Ok(())
    }

    fn limits(&mut self, file: &Path, node: &Node, limits: &mut ProblemLimits) -> Result<()> {
        let mut fields = Fields::of(&self.package, file, node)?;
        let package = &self.package;
        let positive = |node: &Node, what: &str| -> Result<f64> {
            match node.number() {
                Some(value) if value > 0.0 && value.is_finite() => Ok(value),
                _ => Err(package.error_at(
                    file,
                    node.line,
                    format!("{what} must be a positive number"),
                )),
            }
        };
        let multiplier = |node: &Node, what: &str| -> Result<f64> {
            let value = positive(node, what)?;
            if value < 1.0 {
                return Err(package.error_at(
                    file,
                    node.line,
                    format!("{what} must be at least 1"),
                ));
            }
            Ok(value)
        };
        let mut unknown_in_multipliers = Vec::new();
        if let Some(node) = fields.get("time_multiplier") {
            limits.ac_to_time_limit = multiplier(node, "time_multiplier")?;
        }
        if let Some(node) = fields.get("time_safety_margin") {
            limits.time_limit_to_tle = multiplier(node, "time_safety_margin")?;
        }
        if let Some(node) = fields.get("time_multipliers") {
            let mut inner = Fields::of(&self.package, file, node)?;
            if let Some(node) = inner.get("ac_to_time_limit") {
                limits.ac_to_time_limit = multiplier(node, "ac_to_time_limit")?;
            }
            if let Some(node) = inner.get("time_limit_to_tle") {
                limits.time_limit_to_tle = multiplier(node, "time_limit_to_tle")?;
            }
            unknown_in_multipliers.extend(inner.unused().map(|(key, _)| key.clone()));
        }
        if let Some(node) = fields.get("time_limit") {
            limits.time_limit_ms = Some(seconds_to_ms(positive(node, "time_limit")?).max(1));
        }
        if let Some(node) = fields.get("time_resolution") {
            limits.time_resolution_ms = seconds_to_ms(positive(node, "time_resolution")?).max(1);
        }
        const MIB: u64 = 1 << 20;
        let sizes: [(&str, &mut u64, u64); 5] = [
            ("memory", &mut limits.memory_bytes, MIB),
            ("output", &mut limits.output_bytes, MIB),
            ("code", &mut limits.code_bytes, 1 << 10),
            (
                "validation_memory",
                &mut limits.validation_memory_bytes,
                MIB,
            ),
            (
                "validation_output",
                &mut limits.validation_output_bytes,
                MIB,
            ),
        ];
        for (key, slot, unit) in sizes {
            if let Some(node) = fields.get(key) {
                *slot = to_bytes(positive(node, key)?, unit);
            }
        }
        let times: [(&str, &mut u64); 2] = [
            ("compilation_time", &mut limits.compilation_time_ms),
            ("validation_time", &mut limits.validation_time_ms),
        ];
        for (key, slot) in times {
            if let Some(node) = fields.get(key) {
                *slot = seconds_to_ms(positive(node, key)?);
            }
        }
        // Compilers run jailed under the judge's own limits; multi-pass is refused by `type`.
        fields.ignore(&["compilation_memory", "validation_passes"]);
        fields.finish(&mut self.package, "limits");
        for key in unknown_in_multipliers {
            let message = format!("unknown key `{}` in time_multipliers (ignored)", key.name);
            self.package.warn_at(file, key.line, message);
        }
        Ok(())
    }

    fn grading(&mut self, file: &Path, node: &Node, meta: &mut Meta) -> Result<()> {
        let mut fields = Fields::of(&self.package, file, node)?;
        if let Some(node) = fields.get("objective")
            && node.scalar_text().as_deref() == Some("min")
        {
            self.package.warn_at(
                file,
                node.line,
                "`objective: min` is not supported: higher scores are better",
            );
        }
        fields.ignore(&["show_test_data_groups", "custom_scoring"]);
        // Older than `legacy`: these applied to every test group.
        for key in ["accept_score", "reject_score", "range", "on_reject"] {
            if let Some(node) = fields.get(key) {
                let mut node = node.clone();
                if key == "on_reject" {
                    let word = node.scalar_text().unwrap_or_default();
                    let mapped = match word.as_str() {
                        "first_error" => "break",
                        "grade" => "continue",
                        "worst_error" => continue,
                        _ => {
                            return Err(self.err(
                                file,
                                &node,
                                format!("unknown grading.on_reject `{word}`"),
                            ));
                        }
                    };
                    node.value = Value::Str(mapped.to_owned());
                }
                meta.grading_overrides.insert(
                    key.to_owned(),
                    Setting {
                        node,
                        file: file.to_owned(),
                    },
                );
            }
        }
        fields.finish(&mut self.package, "grading");
        Ok(())
    }

    /// DOMjudge's convention for an explicit time limit: `.timelimit` in the package root, or
    /// `timelimit` in `domjudge-problem.ini`; used when problem.yaml has none.
    fn time_limit_files(&mut self, meta: &mut Meta) -> Result<()> {
        let path = self.package.dir.join(".timelimit");
        let from_file = match self.package.entry(&path)? {
            Some(entry) => {
                let text = self.package.read_text(&entry)?;
                let seconds = super::yaml::parse_number(&text)
                    .filter(|value| *value > 0.0 && value.is_finite())
                    .ok_or_else(|| {
                        self.package.error(
                            &path,
                            format!("`{}` is not a time limit in seconds", text.trim()),
                        )
                    })?;
                Some((seconds_to_ms(seconds).max(1), path))
            }
            None => match self.domjudge_ini()? {
                Some(Ini {
                    time_limit_ms: Some(ms),
                    path,
                    ..
                }) => Some((ms, path)),
                _ => None,
            },
        };
        let Some((ms, path)) = from_file else {
            return Ok(());
        };
        match meta.limits.time_limit_ms {
            None => {
                meta.limits.time_limit_ms = Some(ms);
                self.package.warn(
                    &path,
                    format!("time limit {ms} ms (problem.yaml gives none)"),
                );
            }
            Some(given) if given != ms => self.package.warn(
                &path,
                format!("ignored: problem.yaml's time limit ({given} ms) wins over {ms} ms"),
            ),
            Some(_) => {}
        }
        Ok(())
    }

    fn domjudge_ini(&self) -> Result<Option<Ini>> {
        let path = self.package.dir.join("domjudge-problem.ini");
        let Some(entry) = self.package.entry(&path)? else {
            return Ok(None);
        };
        let text = self.package.read_text(&entry)?;
        let mut ini = Ini {
            path: path.clone(),
            time_limit_ms: None,
            name: None,
        };
        for (index, line) in text.lines().enumerate() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches(|c| c == '\'' || c == '"');
            match key.trim() {
                "timelimit" => {
                    let seconds = super::yaml::parse_number(value)
                        .filter(|value| *value > 0.0 && value.is_finite())
                        .ok_or_else(|| {
                            self.package.error_at(
                                &path,
                                index + 1,
                                format!("`{value}` is not a time limit in seconds"),
                            )
                        })?;
                    ini.time_limit_ms = Some(seconds_to_ms(seconds).max(1));
                }
                "name" if !value.is_empty() => ini.name = Some(value.to_owned()),
                _ => {}
            }
        }
        Ok(Some(ini))
    }

    fn statements(&mut self) -> Result<(Vec<Statement>, Option<String>)> {
        let mut statements = Vec::new();
        let mut title = None;
        for dir_name in ["statement", "problem_statement"] {
            let dir = self.package.dir.join(dir_name);
            for entry in self.package.list(&dir)? {
                if entry.kind != Kind::File {
                    continue;
                }
                let Some((language, kind)) = statement_name(&entry.name) else {
                    continue;
                };
                if kind == StatementKind::Latex && (title.is_none() || language == "en") {
                    let text = self.package.read_text(&entry)?;
                    if let Some(name) = latex_problem_name(&text) {
                        title = Some(name);
                    }
                }
                statements.push(Statement {
                    language,
                    kind,
                    path: entry.real,
                });
            }
        }
        Ok((statements, title))
    }

    fn validator(&mut self, meta: &Meta) -> Result<Validator> {
        let found = self.find_validator()?;
        let flags = meta.validator_flags.clone();
        let custom = match self.version {
            Version::Legacy => meta.custom_validation.is_some(),
            Version::V2023 => meta.interactive || found.is_some(),
        };
        match (custom, found) {
            (false, None) => Ok(Validator::Default { flags }),
            (false, Some(found)) => {
                self.package.warn(
                    &found.main.path,
                    "ignored: problem.yaml asks for the default validator",
                );
                Ok(Validator::Default { flags })
            }
            (true, Some(found)) => {
                let interface = program::interface(&found);
                Ok(Validator::Custom(CustomValidator {
                    origin: self.package.rel(&found.main.path).display().to_string(),
                    program: found.program,
                    interface,
                    flags,
                }))
            }
            (true, None) => {
                let dir = match self.version {
                    Version::Legacy => "output_validators/",
                    Version::V2023 => "output_validator/",
                };
                let why = if meta.interactive {
                    "an interactive problem"
                } else {
                    "`validation: custom`"
                };
                let message = format!("{why} needs an output validator, and {dir} has none");
                Err(match meta.custom_validation {
                    Some(line) => self.package.error_at(&self.yaml_path, line, message),
                    None => self.package.error(&self.yaml_path, message),
                })
            }
        }
    }

    /// The output validator: `output_validator/` (2023: the directory is the program) or
    /// `output_validators/` (legacy: each file or directory in it is a program; one only).
    fn find_validator(&mut self) -> Result<Option<Found>> {
        let mut dirs = Vec::new();
        for name in ["output_validator", "output_validators"] {
            if let Some(dir) = self.package.dir_entry(&self.package.dir.join(name))?
                && !self.package.list(&dir.path)?.is_empty()
            {
                dirs.push(dir);
            }
        }
        let dir = match dirs.as_slice() {
            [] => return Ok(None),
            [only] => only.clone(),
            [_, second, ..] => {
                return Err(self.package.error(
                    &second.path,
                    "both output_validator/ and output_validators/: which one is meant?",
                ));
            }
        };
        let entries = self.package.list(&dir.path)?;
        let subdirs: Vec<&Entry> = entries
            .iter()
            .filter(|entry| entry.kind == Kind::Dir && entry.name != "__pycache__")
            .collect();
        let programs: Vec<&Entry> = entries
            .iter()
            .filter(|entry| entry.kind == Kind::File && self.languages.of(entry) != Lang::Other)
            .collect();
        let found = match (subdirs.as_slice(), programs.as_slice()) {
            // Files, none a program (a `run` script, a `.jar`): say why.
            ([], []) => program::directory_program(&self.package, &self.languages, &dir)?,
            ([], [only]) if entries.len() == 1 => {
                program::file_program(&self.package, &self.languages, only)?
            }
            ([], _) => program::directory_program(&self.package, &self.languages, &dir)?,
            ([only], []) => program::directory_program(&self.package, &self.languages, only)?,
            _ => {
                let names: Vec<&str> = subdirs
                    .iter()
                    .chain(&programs)
                    .map(|entry| entry.name.as_str())
                    .collect();
                return Err(self.package.error(
                    &dir.path,
                    format!(
                        "several output validators ({}): only one is supported",
                        names.join(", ")
                    ),
                ));
            }
        };
        Ok(Some(found))
    }

    /// `include/<language>/` for our languages, `include/default/` for the others.
    fn include(&mut self) -> Result<Include> {
        let root = self.package.dir.join("include");
        let mut own: BTreeMap<String, Vec<(String, PathBuf)>> = BTreeMap::new();
        let mut default = None;
        for dir in self.package.list(&root)? {
            if dir.kind != Kind::Dir {
                continue;
            }
            let files: Vec<(String, PathBuf)> = self
                .package
                .files_under(&dir)?
                .into_iter()
                .map(|(name, entry)| (name, entry.real))
                .collect();
            if dir.name == "default" {
                default = Some(files);
            } else if let Some(id) = self.languages.kattis_code(&dir.name) {
                own.insert(id, files);
            } else {
                self.package
                    .warn(&dir.path, "not a language we run (ignored)");
            }
        }
        let ids: Vec<String> = self.languages.ids().map(str::to_owned).collect();
        Ok(ids
            .into_iter()
            .filter_map(|id| {
                let files = own.remove(&id).or_else(|| default.clone())?;
                Some((id, files))
            })
            .collect())
    }

    /// Parts of the format we do not run: an error where skipping them would judge wrongly.
    fn unsupported_parts(&mut self) -> Result<()> {
        let dir = self.package.dir.clone();
        if let Some(graders) = self.package.dir_entry(&dir.join("graders"))?
            && !self.package.list(&graders.path)?.is_empty()
        {
            return Err(self
                .package
                .error(&graders.path, "custom graders are not supported"));
        }
        for name in ["input_validators", "input_format_validators"] {
            if let Some(validators) = self.package.dir_entry(&dir.join(name))?
                && !self.package.list(&validators.path)?.is_empty()
            {
                self.package.warn(
                    &validators.path,
                    "input validators are not run: the test data is used as it is",
                );
            }
        }
        if let Some(validator) = self.package.dir_entry(&dir.join("static_validator"))?
            && !self.package.list(&validator.path)?.is_empty()
        {
            self.package.warn(
                &validator.path,
                "static validators are not run (no test group asks for one)",
            );
        }
        Ok(())
    }
}

#[derive(Debug)]
struct Ini {
    path: PathBuf,
    time_limit_ms: Option<u64>,
    name: Option<String>,
}

/// `YYYY-MM`, `YYYY-MM-draft` or `draft`, 2023 or later.
fn is_later_version(text: &str) -> bool {
    if text == "draft" {
        return true;
    }
    let date = text.strip_suffix("-draft").unwrap_or(text);
    let Some((year, month)) = date.split_once('-') else {
        return false;
    };
    year.len() == 4
        && month.len() == 2
        && year.parse::<u32>().is_ok_and(|year| year >= 2023)
        && month
            .parse::<u32>()
            .is_ok_and(|month| (1..=12).contains(&month))
}

/// The plain name a LaTeX statement gives: `%% plainproblemname: ...`, else the argument of
/// `\problemname{...}`.
fn latex_problem_name(text: &str) -> Option<String> {
    for line in text.lines() {
        if let Some(rest) = line.trim_start().strip_prefix("%%")
            && let Some(name) = rest.trim_start().strip_prefix("plainproblemname:")
        {
            return Some(name.trim().to_owned()).filter(|name| !name.is_empty());
        }
    }
    let start = text.find("\\problemname")? + "\\problemname".len();
    let rest = text[start..].trim_start();
    let rest = rest.strip_prefix('{')?;
    let mut depth = 1;
    for (index, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    let name = rest[..index].trim();
                    return (!name.is_empty()).then(|| name.to_owned());
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(is_later_version("2025-09"));
        assert!(is_later_version("2025-09-draft"));
        assert!(is_later_version("draft"));
        assert!(!is_later_version("2019-01"));
        assert!(!is_later_version("legacyish"));
    }

    #[test]
    fn latex_names() {
        assert_eq!(
            latex_problem_name("\\problemname{Hello {\\em World}}\n").as_deref(),
            Some("Hello {\\em World}")
        );
        assert_eq!(
            latex_problem_name("\\problemname{$x^2$}\n%% plainproblemname: x squared\n").as_deref(),
            Some("x squared")
        );
    }
}
