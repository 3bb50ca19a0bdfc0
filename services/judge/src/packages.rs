//! Importing a problem package: unpack the archive safely, load and validate it with the
//! engine's reader, write it back as a native package (links resolved, everything explicit,
//! example submissions left out) and pack that. What the problem's page shows (statement,
//! samples, limits, test list) is read out on the way.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use xcode_judge_engine::package;
use xcode_judge_engine::problem::{Group, Item, Problem, StatementKind};

use crate::archive::{self, ArchiveError, Limits};

/// Largest sample shown on a problem's page, per file.
const MAX_SAMPLE_BYTES: u64 = 64 << 10;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the archive: {0}")]
    Archive(#[from] ArchiveError),
    #[error("the package: {0}")]
    Package(#[from] package::PackageError),
    #[error("the package has no tests")]
    NoTests,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A sample as the problem's page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleData {
    pub name: String,
    pub input: String,
    pub answer: String,
}

/// A test as editors see it listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestData {
    pub name: String,
    pub group: String,
    pub is_sample: bool,
    pub input_bytes: u64,
    pub answer_bytes: u64,
}

/// A validated package, packed.
#[derive(Debug, Clone)]
pub struct Imported {
    pub archive: Vec<u8>,
    pub sha256: String,
    pub title: String,
    pub statement: Option<String>,
    pub time_limit_ms: Option<u64>,
    pub memory_bytes: u64,
    pub output_bytes: u64,
    /// `standard`, `interactive` or `scoring`.
    pub kind: &'static str,
    pub max_score: f64,
    pub samples: Vec<SampleData>,
    pub tests: Vec<TestData>,
    pub warnings: Vec<String>,
}

/// Imports an archive, working in `scratch` (an empty directory).
pub fn import_archive(bytes: &[u8], scratch: &Path) -> Result<Imported, ImportError> {
    let raw = scratch.join("raw");
    fs::create_dir_all(&raw)?;
    archive::unpack(bytes, &raw, Limits::default())?;
    let root = archive::package_root(&raw)?;
    import_dir(&root, scratch)
}

/// Imports the package in `dir`, working in `scratch`.
pub fn import_dir(dir: &Path, scratch: &Path) -> Result<Imported, ImportError> {
    let mut problem = package::load(dir)?;
    if problem.tests().is_empty() {
        return Err(ImportError::NoTests);
    }
    problem.submissions.clear();
    let native = scratch.join("native");
    package::write_native(&problem, &native)?;
    let archive = archive::pack(&native)?;
    let sha256 = hex::encode(Sha256::digest(&archive));
    let statement = statement(&problem);
    let samples = problem
        .tests()
        .into_iter()
        .filter(|test| test.sample)
        .map(|test| SampleData {
            name: test.name.clone(),
            input: read_text(&test.input),
            answer: read_text(&test.answer),
        })
        .collect();
    let tests = problem
        .tests()
        .into_iter()
        .map(|test| TestData {
            name: test.name.clone(),
            group: test
                .name
                .rsplit_once('/')
                .map_or_else(String::new, |(group, _)| group.to_owned()),
            is_sample: test.sample,
            input_bytes: size(&test.input),
            answer_bytes: size(&test.answer),
        })
        .collect();
    Ok(Imported {
        archive,
        sha256,
        title: problem.title.clone(),
        statement,
        time_limit_ms: problem.limits.time_limit_ms,
        memory_bytes: problem.limits.memory_bytes,
        output_bytes: problem.limits.output_bytes,
        kind: if problem.interactive {
            "interactive"
        } else if problem.scoring {
            "scoring"
        } else {
            "standard"
        },
        max_score: if problem.scoring {
            max_score(&problem.data)
        } else {
            0.0
        },
        samples,
        tests,
        warnings: problem.warnings.clone(),
    })
}

/// Unpacks a stored package into `dir` (made here; a reader finds it complete or absent: it
/// is unpacked beside and renamed into place) and loads it.
pub fn unpack_stored(bytes: &[u8], dir: &Path) -> Result<Problem, ImportError> {
    if !dir.join("problem.toml").exists() {
        let parent = dir.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(parent)?;
        let staging = tempfile::tempdir_in(parent)?;
        archive::unpack(bytes, staging.path(), Limits::default())?;
        let staged: PathBuf = staging.keep();
        if let Err(err) = fs::rename(&staged, dir) {
            let _ = fs::remove_dir_all(&staged);
            // Another worker got there first.
            if !dir.join("problem.toml").exists() {
                return Err(err.into());
            }
        }
    }
    Ok(package::load(dir)?)
}

/// The statement: Markdown as it is; LaTeX shown as text (no TeX renderer here).
fn statement(problem: &Problem) -> Option<String> {
    let pick = |kind: StatementKind| {
        problem
            .statements
            .iter()
            .filter(|statement| statement.kind == kind)
            .min_by_key(|statement| statement.language != "en")
    };
    if let Some(markdown) = pick(StatementKind::Markdown) {
        return fs::read_to_string(&markdown.path).ok();
    }
    pick(StatementKind::Latex)
        .and_then(|latex| fs::read_to_string(&latex.path).ok())
        .map(|text| format!("```latex\n{text}\n```\n"))
}

fn max_score(group: &Group) -> f64 {
    group.rules.max_score.unwrap_or_else(|| {
        group
            .items
            .iter()
            .map(|item| match item {
                Item::Test(test) => test.max_score.unwrap_or(0.0),
                Item::Group(group) => max_score(group),
            })
            .sum()
    })
}

fn size(path: &Path) -> u64 {
    fs::metadata(path).map_or(0, |metadata| metadata.len())
}

fn read_text(path: &Path) -> String {
    use std::io::Read as _;
    let mut text = Vec::new();
    if let Ok(file) = fs::File::open(path) {
        let _ = file.take(MAX_SAMPLE_BYTES).read_to_end(&mut text);
    }
    String::from_utf8_lossy(&text).into_owned()
}
