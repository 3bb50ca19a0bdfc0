//! The test data of a Kattis package: the tree of groups under `data/`, the legacy
//! `testdata.yaml` rules (inherited key by key, as problemtools does) and the 2023
//! `test_group.yaml` rules with the spec's maximum score inference.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::{Fields, Loader, Meta, Setting, Version};
use crate::package::data::{self, RawGroup, RawItem, RawTest, ScanOptions};
use crate::package::yaml::{Node, Value};
use crate::package::{EMPTY_ANSWER, Entry, Result};
use crate::problem::{Aggregation, Group, GroupRules, Item, OnReject, TestCase, VerdictMode};

impl Loader {
    pub(super) fn data(&mut self, meta: &Meta) -> Result<Group> {
        let path = self.package.dir.join("data");
        let dir = self
            .package
            .dir_entry(&path)?
            .ok_or_else(|| self.package.error(&path, "missing: there is no test data"))?;
        let options = ScanOptions {
            answer_optional: meta.interactive,
        };
        let data::Root {
            group: root,
            other_dirs,
            stray_tests,
        } = data::scan_root(&mut self.package, &dir, options)?;
        if let Some(test) = stray_tests.first() {
            return Err(self.package.error(
                &test.path,
                "a test directly in data/: tests go in data/sample/ or data/secret/",
            ));
        }
        for other in other_dirs {
            let message = match other.name.as_str() {
                "invalid_input" | "invalid_output" | "valid_output" => {
                    "validator test cases are not used for judging (ignored)"
                }
                _ => "not a test group: only sample/ and secret/ are judged (ignored)",
            };
            self.package.warn(&other.path, message);
        }
        let secret = root.items.iter().find_map(|item| match item {
            RawItem::Group(group) if group.name == "secret" => Some(group),
            _ => None,
        });
        match secret {
            None => return Err(self.package.error(&path.join("secret"), "missing")),
            Some(secret) if secret.count_tests() == 0 => {
                return Err(self.package.error(&secret.dir.path, "no test cases"));
            }
            Some(_) => {}
        }
        match self.version {
            Version::Legacy => {
                let inherited = BTreeMap::new();
                self.legacy_group(root, &inherited, meta)
            }
            Version::V2023 => self.group_2023_root(root, meta),
        }
    }

    /// A legacy group: its `testdata.yaml`, over the settings it inherits key by key (as
    /// problemtools merges them), under the problem-wide `grading` overrides.
    fn legacy_group(
        &mut self,
        raw: RawGroup,
        inherited: &BTreeMap<String, Setting>,
        meta: &Meta,
    ) -> Result<Group> {
        let mut settings = inherited.clone();
        if let Some(file) = self.group_config_file(&raw, &["testdata.yaml", "test_group.yaml"])? {
            let node = self.package.read_yaml(&file)?;
            let mut fields = Fields::of(&self.package, &file.path, &node)?;
            for key in LEGACY_GROUP_KEYS {
                if let Some(value) = fields.get(key) {
                    settings.insert(
                        (*key).to_owned(),
                        Setting {
                            node: value.clone(),
                            file: file.path.clone(),
                        },
                    );
                }
            }
            fields.finish(&mut self.package, "");
        }
        for (key, setting) in &meta.grading_overrides {
            settings.insert(key.clone(), setting.clone());
        }
        let is_root = raw.name.is_empty();
        let has_sample = raw
            .items
            .iter()
            .any(|item| matches!(item, RawItem::Group(group) if group.name == "sample"));
        let (rules, flags) = self.legacy_rules(&settings, meta, is_root && has_sample)?;
        if raw.items.is_empty() && !is_root {
            self.package.warn(&raw.dir.path, "an empty test group");
        }
        let mut items = Vec::new();
        for item in raw.items {
            items.push(match item {
                RawItem::Test(test) => {
                    Item::Test(self.test_case(*test, &flags, &Inherited::default())?)
                }
                RawItem::Group(group) => Item::Group(self.legacy_group(group, &settings, meta)?),
            });
        }
        Ok(Group {
            name: raw.name,
            rules,
            items,
        })
    }

    fn legacy_rules(
        &mut self,
        settings: &BTreeMap<String, Setting>,
        meta: &Meta,
        root_with_sample: bool,
    ) -> Result<(GroupRules, Vec<String>)> {
        let mut rules = GroupRules::default();
        let mut flags = Vec::new();
        if meta.scoring {
            rules.aggregation = Aggregation::Sum;
        }
        for (key, Setting { node, file }) in settings {
            match key.as_str() {
                "on_reject" => {
                    rules.on_reject = match node.scalar_text().as_deref() {
                        Some("break") => OnReject::Break,
                        Some("continue") => OnReject::Continue,
                        _ => {
                            return Err(self.err(
                                file,
                                node,
                                "on_reject must be break or continue",
                            ));
                        }
                    }
                }
                "grading" => match node.scalar_text().as_deref() {
                    Some("default") => {}
                    Some("custom") => {
                        return Err(self.err(file, node, "custom graders are not supported"));
                    }
                    _ => return Err(self.err(file, node, "grading must be default or custom")),
                },
                "grader_flags" => {
                    let words = node
                        .words()
                        .ok_or_else(|| self.err(file, node, "grader_flags must be a string"))?;
                    for word in words {
                        match word.as_str() {
                            "worst_error" => rules.verdict = VerdictMode::WorstError,
                            "first_error" => rules.verdict = VerdictMode::FirstError,
                            "always_accept" => rules.verdict = VerdictMode::AlwaysAccept,
                            "accept_if_any_accepted" => rules.accept_if_any_accepted = true,
                            "ignore_sample" => rules.ignore_sample = root_with_sample,
                            "sum" | "avg" | "min" | "max" if !meta.scoring => {}
                            "sum" => rules.aggregation = Aggregation::Sum,
                            "avg" => rules.aggregation = Aggregation::Avg,
                            "min" => rules.aggregation = Aggregation::Min,
                            "max" => rules.aggregation = Aggregation::Max,
                            other => {
                                return Err(self.err(
                                    file,
                                    node,
                                    format!(
                                        "unknown grader flag `{other}` (custom graders are not \
                                         supported)"
                                    ),
                                ));
                            }
                        }
                    }
                }
                "output_validator_flags" => {
                    flags = match node.entries() {
                        Some(_) => {
                            let mut fields = Fields::of(&self.package, file, node)?;
                            fields.ignore(&["name"]);
                            let words = fields.get("flags").and_then(Node::words);
                            fields.finish(&mut self.package, "output_validator_flags");
                            words.unwrap_or_default()
                        }
                        None => node.words().ok_or_else(|| {
                            self.err(file, node, "output_validator_flags must be a string")
                        })?,
                    }
                }
                "accept_score" | "reject_score" | "range" if !meta.scoring => {
                    self.package.warn_at(
                        file,
                        node.line,
                        format!("`{key}` on a pass-fail problem (ignored)"),
                    );
                }
                "accept_score" | "reject_score" => {
                    let score = node
                        .number()
                        .filter(|score| score.is_finite())
                        .ok_or_else(|| self.err(file, node, format!("{key} must be a number")))?;
                    if key == "accept_score" {
                        rules.accept_score = score;
                    } else {
                        rules.reject_score = score;
                    }
                }
                "range" => {
                    let bounds: Option<Vec<f64>> = node.words().and_then(|words| {
                        words
                            .iter()
                            .map(|word| crate::package::yaml::parse_number(word))
                            .collect()
                    });
                    match bounds.as_deref() {
                        Some([low, high]) if low <= high => {
                            rules.max_score = high.is_finite().then_some(*high);
                        }
                        _ => {
                            return Err(self.err(
                                file,
                                node,
                                "range must be two numbers, the lower first (`0 100`, `-inf +inf`)",
                            ));
                        }
                    }
                }
                // Input validators are not run.
                _ => {}
            }
        }
        Ok((rules, flags))
    }

    // ----- 2023 test groups -----

    fn group_2023_root(&mut self, raw: RawGroup, meta: &Meta) -> Result<Group> {
        let inherited = self
            .config_2023(&raw, &Inherited::default(), meta)?
            .inherited;
        let has_sample = raw
            .items
            .iter()
            .any(|item| matches!(item, RawItem::Group(group) if group.name == "sample"));
        let mut explicit = HashMap::new();
        let mut items = Vec::new();
        for item in raw.items {
            if let RawItem::Group(group) = item {
                items.push(Item::Group(self.group_2023(
                    group,
                    &inherited,
                    meta,
                    &mut explicit,
                )?));
            }
        }
        let mut root = Group {
            name: String::new(),
            rules: GroupRules::default(),
            items,
        };
        if meta.scoring {
            // The submission's score is the secret group's: samples are judged, not scored.
            root.rules.aggregation = Aggregation::Sum;
            root.rules.on_reject = OnReject::Continue;
            root.rules.ignore_sample = has_sample;
            for item in &mut root.items {
                if let Item::Group(group) = item
                    && group.name == "secret"
                {
                    let bound = match explicit.remove("secret") {
                        Some(Score::Bounded(score)) => Some(score),
                        Some(Score::Unbounded) => None,
                        None => Some(100.0),
                    };
                    self.infer_scores(group, bound, &explicit)?;
                    root.rules.max_score = group.rules.max_score;
                }
            }
        }
        self.check_require_pass(&root)?;
        Ok(root)
    }

    fn group_2023(
        &mut self,
        raw: RawGroup,
        inherited: &Inherited,
        meta: &Meta,
        explicit: &mut HashMap<String, Score>,
    ) -> Result<Group> {
        let config = self.config_2023(&raw, inherited, meta)?;
        let in_secret = raw.name == "secret" || raw.name.starts_with("secret/");
        let mut rules = GroupRules::default();
        if meta.scoring && in_secret {
            rules.aggregation = config.aggregation.unwrap_or(if raw.name == "secret" {
                Aggregation::Sum
            } else {
                Aggregation::PassFail
            });
            if rules.aggregation != Aggregation::PassFail {
                rules.on_reject = OnReject::Continue;
            }
            if let Some(score) = config.score {
                explicit.insert(raw.name.clone(), score);
            }
        }
        rules.require_pass = config.require_pass;
        if raw.items.is_empty() {
            self.package.warn(&raw.dir.path, "an empty test group");
        }
        let mut items = Vec::new();
        for item in raw.items {
            items.push(match item {
                RawItem::Test(test) => {
                    Item::Test(self.test_case(*test, &config.inherited.flags, &config.inherited)?)
                }
                RawItem::Group(group) => {
                    if raw.name == "sample" {
                        self.package.warn(
                            &group.dir.path,
                            "sample/ should not have subgroups (judged as any group)",
                        );
                    }
                    Item::Group(self.group_2023(group, &config.inherited, meta, explicit)?)
                }
            });
        }
        Ok(Group {
            name: raw.name,
            rules,
            items,
        })
    }

    /// A 2023 group's `test_group.yaml` (or `testdata.yaml`, as drafts and problemtools name
    /// it): `scoring` is the group's own, the rest is inherited.
    fn config_2023(
        &mut self,
        raw: &RawGroup,
        inherited: &Inherited,
        meta: &Meta,
    ) -> Result<Config2023> {
        let mut config = Config2023 {
            inherited: inherited.clone(),
            ..Config2023::default()
        };
        let Some(file) = self.group_config_file(raw, &["test_group.yaml", "testdata.yaml"])? else {
            return Ok(config);
        };
        let path = file.path.clone();
        let node = self.package.read_yaml(&file)?;
        let mut fields = Fields::of(&self.package, &path, &node)?;
        let in_secret = raw.name == "secret" || raw.name.starts_with("secret/");
        if let Some(scoring) = fields.get("scoring") {
            if !meta.scoring {
                self.package.warn_at(
                    &path,
                    scoring.line,
                    "`scoring` on a pass-fail problem (ignored)",
                );
            } else if !in_secret {
                self.package.warn_at(
                    &path,
                    scoring.line,
                    "`scoring` is only for secret/ and its subgroups (ignored)",
                );
            } else {
                self.scoring_2023(&path, scoring, &mut config)?;
            }
        }
        for key in ["output_validator_args", "output_validator_flags"] {
            if let Some(node) = fields.get(key) {
                if key == "output_validator_flags" {
                    self.package.warn_at(
                        &path,
                        node.line,
                        "`output_validator_flags` is legacy: read as output_validator_args",
                    );
                }
                config.inherited.flags = node.words().ok_or_else(|| {
                    self.err(&path, node, format!("{key} must be a list of strings"))
                })?;
            }
        }
        if let Some(node) = fields.get("args") {
            config.inherited.args = node
                .words()
                .ok_or_else(|| self.err(&path, node, "args must be a list of strings"))?;
        }
        if let Some(node) = fields.get("hint") {
            config.inherited.hint = node.scalar_text();
        }
        if let Some(node) = fields.get("description") {
            config.inherited.description = node.scalar_text();
        }
        if let Some(node) = fields.get("static_validation") {
            let enabled = match &node.value {
                Value::Bool(flag) => *flag,
                Value::Null => false,
                _ => true,
            };
            if enabled {
                return Err(self.err(&path, node, "static validation is not supported"));
            }
        }
        fields.ignore(&[
            "input_validator_args",
            "input_validator_flags",
            "full_feedback",
        ]);
        for key in LEGACY_GROUP_KEYS {
            if let Some(node) = fields.get(key) {
                self.package.warn_at(
                    &path,
                    node.line,
                    format!("`{key}` is a legacy key: a 2023-07 package ignores it"),
                );
            }
        }
        fields.finish(&mut self.package, "");
        Ok(config)
    }

    fn scoring_2023(&mut self, file: &Path, node: &Node, config: &mut Config2023) -> Result<()> {
        let mut fields = Fields::of(&self.package, file, node)?;
        if let Some(node) = fields.get("score") {
            config.score = Some(match node.scalar_text().as_deref() {
                Some("unbounded") => Score::Unbounded,
                _ => match node.number() {
                    Some(score) if score >= 0.0 && score.is_finite() => Score::Bounded(score),
                    _ => {
                        return Err(self.err(
                            file,
                            node,
                            "score must be a non-negative number or `unbounded`",
                        ));
                    }
                },
            });
        }
        if let Some(node) = fields.get("aggregation") {
            config.aggregation = Some(match node.scalar_text().as_deref() {
                Some("pass-fail") => Aggregation::PassFail,
                Some("sum") => Aggregation::Sum,
                Some("min") => Aggregation::Min,
                other => {
                    return Err(self.err(
                        file,
                        node,
                        format!(
                            "unknown aggregation `{}` (pass-fail, sum or min)",
                            other.unwrap_or_default()
                        ),
                    ));
                }
            });
        }
        if let Some(node) = fields.get("require_pass") {
            config.require_pass = node
                .words()
                .ok_or_else(|| self.err(file, node, "require_pass must be a list of paths"))?;
        }
        fields.finish(&mut self.package, "scoring");
        Ok(())
    }

    /// The 2023 spec's maximum score inference: a bounded sum group's leftover `M - S` is
    /// shared evenly by the `T` tests and `A` subgroups without a score of their own; a min
    /// group's items may each reach `M`; under an unbounded group everything is unbounded.
    fn infer_scores(
        &self,
        group: &mut Group,
        bound: Option<f64>,
        explicit: &HashMap<String, Score>,
    ) -> Result<()> {
        group.rules.max_score = bound;
        let group_dir = self.package.dir.join("data").join(&group.name);
        match group.rules.aggregation {
            Aggregation::PassFail => {
                if bound.is_none() {
                    return Err(self.package.error(
                        &group_dir,
                        "a pass-fail group needs a bounded score (its parent is unbounded)",
                    ));
                }
                for item in &mut group.items {
                    if let Item::Group(sub) = item {
                        if sub.rules.aggregation != Aggregation::PassFail {
                            return Err(self.package.error(
                                &self.package.dir.join("data").join(&sub.name),
                                "a subgroup of a pass-fail group must be pass-fail",
                            ));
                        }
                        clear_scores(sub);
                    }
                }
            }
            Aggregation::Sum | Aggregation::Min | Aggregation::Max | Aggregation::Avg => {
                let mut assigned = 0.0;
                let mut shares = 0usize;
                for item in &group.items {
                    match item {
                        Item::Test(_) => shares += 1,
                        Item::Group(sub) => match explicit.get(&sub.name) {
                            Some(Score::Bounded(score)) => assigned += score,
                            Some(Score::Unbounded) if bound.is_some() => {
                                return Err(self.package.error(
                                    &self.package.dir.join("data").join(&sub.name),
                                    "an unbounded group under a bounded one",
                                ));
                            }
                            Some(Score::Unbounded) => {}
                            None => shares += 1,
                        },
                    }
                }
                let default = match bound {
                    None => None,
                    Some(max) if group.rules.aggregation == Aggregation::Min => Some(max),
                    Some(max) => {
                        if assigned > max + 1e-9 {
                            return Err(self.package.error(
                                &group_dir,
                                format!(
                                    "its subgroups' scores add up to {assigned}, more than its \
                                     own {max}"
                                ),
                            ));
                        }
                        Some(if shares == 0 {
                            0.0
                        } else {
                            (max - assigned) / shares as f64
                        })
                    }
                };
                for item in &mut group.items {
                    match item {
                        Item::Test(test) => test.max_score = default,
                        Item::Group(sub) => {
                            let sub_bound = match explicit.get(&sub.name) {
                                Some(Score::Bounded(score)) => Some(*score),
                                Some(Score::Unbounded) => None,
                                None => default,
                            };
                            self.infer_scores(sub, sub_bound, explicit)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn check_require_pass(&self, root: &Group) -> Result<()> {
        let mut names = BTreeSet::new();
        collect_names(root, &mut names);
        let mut stack = vec![root];
        while let Some(group) = stack.pop() {
            for required in &group.rules.require_pass {
                if !names.contains(required.trim_end_matches('/')) {
                    let path = self.package.dir.join("data").join(&group.name);
                    return Err(self.package.error(
                        &path,
                        format!("require_pass names `{required}`, which is no test or group"),
                    ));
                }
            }
            for item in &group.items {
                if let Item::Group(sub) = item {
                    stack.push(sub);
                }
            }
        }
        Ok(())
    }

    /// The group's configuration file, the first of `names` present (a warning when another
    /// is there too).
    fn group_config_file(&mut self, raw: &RawGroup, names: &[&str]) -> Result<Option<Entry>> {
        let present: Vec<&Entry> = names
            .iter()
            .filter_map(|name| raw.files.get(*name))
            .collect();
        if let [chosen, ignored, ..] = present.as_slice() {
            let message = format!("ignored: {} is read instead", chosen.name);
            self.package.warn(&ignored.path, message);
        }
        Ok(present.first().map(|entry| (*entry).clone()))
    }

    // ----- tests -----

    fn test_case(
        &mut self,
        raw: RawTest,
        flags: &[String],
        inherited: &Inherited,
    ) -> Result<TestCase> {
        let mut test = TestCase {
            sample: raw.name.starts_with("sample/"),
            name: raw.name,
            input: raw.input.real,
            answer: raw
                .answer
                .map_or_else(|| PathBuf::from(EMPTY_ANSWER), |answer| answer.real),
            validator_flags: flags.to_vec(),
            args: inherited.args.clone(),
            max_score: None,
            description: inherited.description.clone(),
            hint: inherited.hint.clone(),
        };
        if let Some(entry) = &raw.desc {
            test.description = Some(self.package.read_text(entry)?.trim_end().to_owned());
        }
        if let Some(entry) = &raw.hint {
            test.hint = Some(self.package.read_text(entry)?.trim_end().to_owned());
        }
        if let Some(entry) = &raw.yaml {
            let node = self.package.read_yaml(entry)?;
            let mut fields = Fields::of(&self.package, &entry.path, &node)?;
            if let Some(node) = fields.get("args") {
                test.args = node
                    .words()
                    .ok_or_else(|| self.err(&entry.path, node, "args must be a list of strings"))?;
            }
            if let Some(node) = fields.get("output_validator_args") {
                test.validator_flags = node.words().ok_or_else(|| {
                    self.err(
                        &entry.path,
                        node,
                        "output_validator_args must be a list of strings",
                    )
                })?;
            }
            if let Some(node) = fields.get("hint") {
                test.hint = node.scalar_text();
            }
            if let Some(node) = fields.get("description") {
                test.description = node.scalar_text();
            }
            fields.ignore(&["input_validator_args", "full_feedback"]);
            fields.finish(&mut self.package, "");
        }
        Ok(test)
    }

    // ----- submissions, included files, the rest -----
}

/// Keys of a legacy `testdata.yaml`.
const LEGACY_GROUP_KEYS: &[&str] = &[
    "on_reject",
    "grading",
    "grader_flags",
    "input_validator_flags",
    "output_validator_flags",
    "accept_score",
    "reject_score",
    "range",
];

/// What a 2023 group passes down to its tests and subgroups.
#[derive(Debug, Clone, Default)]
struct Inherited {
    flags: Vec<String>,
    args: Vec<String>,
    hint: Option<String>,
    description: Option<String>,
}

#[derive(Debug, Default)]
struct Config2023 {
    inherited: Inherited,
    score: Option<Score>,
    aggregation: Option<Aggregation>,
    require_pass: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
enum Score {
    Bounded(f64),
    Unbounded,
}

fn clear_scores(group: &mut Group) {
    group.rules.max_score = None;
    for item in &mut group.items {
        match item {
            Item::Test(test) => test.max_score = None,
            Item::Group(sub) => clear_scores(sub),
        }
    }
}

fn collect_names(group: &Group, into: &mut BTreeSet<String>) {
    into.insert(group.name.clone());
    for item in &group.items {
        match item {
            Item::Test(test) => {
                into.insert(test.name.clone());
            }
            Item::Group(sub) => collect_names(sub, into),
        }
    }
}
