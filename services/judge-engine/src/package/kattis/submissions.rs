//! Example submissions (`submissions/`, 2023 `submissions.yaml`) of a Kattis package.

use std::path::Path;

use super::{Fields, Loader};
use crate::package::program::{self, Lang};
use crate::package::yaml::{Node, Value};
use crate::package::{Entry, Kind, Result};
use crate::problem::{ExampleSubmission, Expected};

impl Loader {
    pub(super) fn submissions(&mut self) -> Result<Vec<ExampleSubmission>> {
        let root = self.package.dir.join("submissions");
        let mut submissions = Vec::new();
        for dir in self.package.list(&root)? {
            if dir.kind != Kind::Dir {
                continue;
            }
            let expected = Expected::from_dir(&dir.name);
            for entry in self.package.list(&dir.path)? {
                let language = match entry.kind {
                    Kind::File => match self.languages.of(&entry) {
                        Lang::Supported(id) => Some(id),
                        _ => None,
                    },
                    Kind::Dir => self.directory_language(&entry),
                    Kind::Other => continue,
                };
                submissions.push(ExampleSubmission {
                    name: format!("{}/{}", dir.name, entry.name),
                    path: entry.real,
                    expected: expected.clone(),
                    language,
                    score: None,
                });
            }
        }
        if let Some(entry) = self.package.entry(&root.join("submissions.yaml"))? {
            self.submissions_yaml(&entry, &mut submissions)?;
        }
        Ok(submissions)
    }

    /// The language of a several-file submission: its main file's, chosen as for validators.
    fn directory_language(&mut self, dir: &Entry) -> Option<String> {
        let entries = match self.package.list(&dir.path) {
            Ok(entries) => entries,
            Err(err) => {
                self.package.warn(&dir.path, err.message);
                return None;
            }
        };
        let files: Vec<Entry> = entries
            .into_iter()
            .filter(|e| e.kind == Kind::File)
            .collect();
        match program::choose_main(&self.languages, &files) {
            Ok(main) => match self.languages.of(&files[main]) {
                Lang::Supported(id) => Some(id),
                _ => None,
            },
            Err(message) => {
                self.package
                    .warn(&dir.path, format!("language unknown: {message}"));
                None
            }
        }
    }

    /// 2023 `submissions.yaml`: glob patterns over submission paths, each with metadata; only
    /// `language` and `score` are used.
    fn submissions_yaml(
        &mut self,
        entry: &Entry,
        submissions: &mut [ExampleSubmission],
    ) -> Result<()> {
        let file = entry.path.clone();
        let node = self.package.read_yaml(entry)?;
        let entries = node.entries().ok_or_else(|| {
            self.err(
                &file,
                &node,
                format!("expected a map, found {}", node.kind()),
            )
        })?;
        for (pattern, rules) in entries {
            let mut fields = Fields::of(&self.package, &file, rules)?;
            let language = match fields.get("language") {
                Some(node) => {
                    let code = node.scalar_text().unwrap_or_default();
                    let id = self.languages.kattis_code(&code);
                    if id.is_none() {
                        self.package.warn_at(
                            &file,
                            node.line,
                            format!("language `{code}` is not supported"),
                        );
                    }
                    Some(id)
                }
                None => None,
            };
            let score = match fields.get("score") {
                Some(node) => Some(self.score_range(&file, node)?),
                None => None,
            };
            fields.ignore(&["authors", "model_solution"]);
            for key in [
                "entrypoint",
                "permitted",
                "required",
                "message",
                "use_for_time_limit",
            ] {
                if let Some(node) = fields.get(key) {
                    self.package.warn_at(
                        &file,
                        node.line,
                        format!("`{key}` is not checked (ignored)"),
                    );
                }
            }
            for (key, value) in fields.unused() {
                let message = if value.entries().is_some() {
                    format!("requirements for test group `{}` are not checked", key.name)
                } else {
                    format!("unknown key `{}` (ignored)", key.name)
                };
                self.package.warn_at(&file, key.line, message);
            }

            let mut matched = false;
            for submission in submissions.iter_mut() {
                if !submission_matches(&pattern.name, &submission.name) {
                    continue;
                }
                matched = true;
                if let Some(language) = &language {
                    submission.language = language.clone();
                }
                if score.is_some() {
                    submission.score = score;
                }
            }
            if !matched {
                self.package.warn_at(
                    &file,
                    pattern.line,
                    format!("`{}` matches no submission", pattern.name),
                );
            }
        }
        Ok(())
    }

    fn score_range(&self, file: &Path, node: &Node) -> Result<(f64, f64)> {
        let bad = || {
            self.err(
                file,
                node,
                "score must be a number or a list of two numbers",
            )
        };
        match &node.value {
            Value::Seq(items) => match items.as_slice() {
                [low, high] => match (low.number(), high.number()) {
                    (Some(low), Some(high)) if low <= high => Ok((low, high)),
                    _ => Err(bad()),
                },
                _ => Err(bad()),
            },
            _ => node.number().map(|score| (score, score)).ok_or_else(bad),
        }
    }
}

/// Whether a `submissions.yaml` pattern matches a submission (`accepted/sol.py`): the pattern
/// matches the path or one of its parent directories; `*` matches within a name, `{a,b}` either.
fn submission_matches(pattern: &str, submission: &str) -> bool {
    let parts: Vec<&str> = submission.split('/').collect();
    let candidates: Vec<String> = (1..=parts.len()).map(|n| parts[..n].join("/")).collect();
    expand_braces(pattern).iter().any(|alternative| {
        let pattern = alternative.trim_end_matches('/');
        candidates
            .iter()
            .any(|candidate| path_matches(pattern, candidate))
    })
}

fn expand_braces(pattern: &str) -> Vec<String> {
    let Some(open) = pattern.find('{') else {
        return vec![pattern.to_owned()];
    };
    let Some(close) = pattern[open..].find('}').map(|offset| open + offset) else {
        return vec![pattern.to_owned()];
    };
    let (head, tail) = (&pattern[..open], &pattern[close + 1..]);
    pattern[open + 1..close]
        .split(',')
        .flat_map(|choice| expand_braces(&format!("{head}{choice}{tail}")))
        .collect()
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(pattern, name)| wildcard(pattern.as_bytes(), name.as_bytes()))
}

/// `*` any run of characters, `?` one; the rest literally.
fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| wildcard(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && wildcard(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && wildcard(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::submission_matches;

    #[test]
    fn globs() {
        assert!(submission_matches("accepted", "accepted/sol.py"));
        assert!(submission_matches("accepted/*", "accepted/sol.py"));
        assert!(submission_matches(
            "accepted/*.{py,cpp}",
            "accepted/sol.cpp"
        ));
        assert!(submission_matches("*/sol.py", "wrong_answer/sol.py"));
        assert!(!submission_matches("accepted/*.py", "accepted/sol.cpp"));
        assert!(!submission_matches("acc", "accepted/sol.py"));
        assert!(submission_matches("{accepted,rejected}/x", "rejected/x"));
    }
}
