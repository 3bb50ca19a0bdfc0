//! The test data tree as it is on disk (`data/` of a Kattis package, `tests/` of a native one):
//! groups are directories, a `.in` file declares a test, and its `.ans`, `.desc`, `.hint` and
//! `.yaml` go with it. Only metadata is read here.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{Entry, Kind, MAX_TEST_FILE_BYTES, Package, Result};

#[derive(Debug)]
pub(super) struct RawGroup {
    /// Relative to the data directory: `""`, `secret`, `secret/group1`.
    pub name: String,
    pub dir: Entry,
    /// Files of the group that belong to no test (`testdata.yaml`, ...), by name.
    pub files: BTreeMap<String, Entry>,
    /// Tests and subgroups, ordered by (base) name.
    pub items: Vec<RawItem>,
}

#[derive(Debug)]
pub(super) enum RawItem {
    Test(Box<RawTest>),
    Group(RawGroup),
}

#[derive(Debug)]
pub(super) struct RawTest {
    /// Relative to the data directory, without extension: `secret/group1/01`.
    pub name: String,
    pub input: Entry,
    /// `None` only when answers are optional (interactive Kattis problems).
    pub answer: Option<Entry>,
    pub desc: Option<Entry>,
    pub hint: Option<Entry>,
    /// 2023 per-test configuration.
    pub yaml: Option<Entry>,
}

impl RawGroup {
    pub fn count_tests(&self) -> usize {
        self.items
            .iter()
            .map(|item| match item {
                RawItem::Test(_) => 1,
                RawItem::Group(group) => group.count_tests(),
            })
            .sum()
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct ScanOptions {
    /// A missing `.ans` is a warning, not an error (interactive Kattis problems).
    pub answer_optional: bool,
}

/// The data directory: the root group with `sample/` and `secret/` scanned, and what else is
/// there for the caller to judge.
#[derive(Debug)]
pub(super) struct Root {
    pub group: RawGroup,
    /// Directories other than `sample/` and `secret/`.
    pub other_dirs: Vec<Entry>,
    /// `.in` files directly in the data directory.
    pub stray_tests: Vec<Entry>,
}

pub(super) fn scan_root(package: &mut Package, dir: &Entry, options: ScanOptions) -> Result<Root> {
    let mut root = Root {
        group: RawGroup {
            name: String::new(),
            dir: dir.clone(),
            files: BTreeMap::new(),
            items: Vec::new(),
        },
        other_dirs: Vec::new(),
        stray_tests: Vec::new(),
    };
    for entry in package.list(&dir.path)? {
        match entry.kind {
            Kind::Dir if entry.name == "sample" || entry.name == "secret" => {
                let mut ancestors = vec![dir.real.clone(), entry.real.clone()];
                if entry.real == dir.real {
                    return Err(package.error(&entry.path, "a directory link that loops"));
                }
                let name = entry.name.clone();
                let group = scan_inner(package, &entry, &name, options, &mut ancestors)?;
                root.group.items.push(RawItem::Group(group));
            }
            Kind::Dir => root.other_dirs.push(entry),
            _ if entry.name.ends_with(".in") => root.stray_tests.push(entry),
            _ => {
                root.group.files.insert(entry.name.clone(), entry);
            }
        }
    }
    Ok(root)
}

fn scan_inner(
    package: &mut Package,
    dir: &Entry,
    name: &str,
    options: ScanOptions,
    ancestors: &mut Vec<PathBuf>,
) -> Result<RawGroup> {
    let entries = package.list(&dir.path)?;
    let mut files: BTreeMap<String, Entry> = BTreeMap::new();
    let mut subdirs = Vec::new();
    for entry in entries {
        match entry.kind {
            Kind::Dir => subdirs.push(entry),
            Kind::File | Kind::Other => {
                files.insert(entry.name.clone(), entry);
            }
        }
    }
    let prefix = if name.is_empty() {
        String::new()
    } else {
        format!("{name}/")
    };

    let mut items: Vec<(String, RawItem)> = Vec::new();
    let bases: Vec<String> = files
        .keys()
        .filter_map(|file| file.strip_suffix(".in"))
        .filter(|base| !base.is_empty())
        .map(str::to_owned)
        .collect();
    for base in &bases {
        let Some(input) = files.remove(&format!("{base}.in")) else {
            continue;
        };
        if input.kind != Kind::File {
            return Err(package.error(&input.path, "not a regular file"));
        }
        check_size(package, &input)?;
        let answer = files.remove(&format!("{base}.ans"));
        match &answer {
            Some(answer) if answer.kind != Kind::File => {
                return Err(package.error(&answer.path, "not a regular file"));
            }
            Some(answer) => check_size(package, answer)?,
            None if options.answer_optional => package.warn(
                &input.path,
                format!("no matching {base}.ans: the validator gets an empty answer file"),
            ),
            None => {
                return Err(package.error(&input.path, format!("no matching {base}.ans")));
            }
        }
        if let Some(files_dir) = subdirs.iter().find(|d| d.name == format!("{base}.files")) {
            return Err(package.error(
                &files_dir.path,
                "`.files` directories (test input given as files) are not supported",
            ));
        }
        let test = RawTest {
            name: format!("{prefix}{base}"),
            input,
            answer,
            desc: files.remove(&format!("{base}.desc")),
            hint: files.remove(&format!("{base}.hint")),
            yaml: files.remove(&format!("{base}.yaml")),
        };
        items.push((base.clone(), RawItem::Test(Box::new(test))));
    }
    for (file, entry) in &files {
        if let Some(base) = file.strip_suffix(".ans") {
            let message = format!("no matching {base}.in: not a test (ignored)");
            package.warn(&entry.path, message);
        }
    }
    for subdir in subdirs {
        if let Some(base) = subdir.name.strip_suffix(".files") {
            if !bases.iter().any(|known| known == base) {
                package.warn(&subdir.path, format!("no matching {base}.in (ignored)"));
            }
            continue;
        }
        if items.iter().any(|(key, _)| *key == subdir.name) {
            return Err(package.error(
                &subdir.path,
                format!("both a test and a group are named {}", subdir.name),
            ));
        }
        if ancestors.contains(&subdir.real) {
            return Err(package.error(&subdir.path, "a directory link that loops"));
        }
        ancestors.push(subdir.real.clone());
        let group = scan_inner(
            package,
            &subdir,
            &format!("{prefix}{}", subdir.name),
            options,
            ancestors,
        )?;
        ancestors.pop();
        items.push((subdir.name.clone(), RawItem::Group(group)));
    }
    items.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(RawGroup {
        name: name.to_owned(),
        dir: dir.clone(),
        files,
        items: items.into_iter().map(|(_, item)| item).collect(),
    })
}

fn check_size(package: &Package, entry: &Entry) -> Result<()> {
    if entry.len > MAX_TEST_FILE_BYTES {
        return Err(package.error(
            &entry.path,
            format!(
                "{} MiB: larger than the {} MiB a test file may have",
                entry.len >> 20,
                MAX_TEST_FILE_BYTES >> 20
            ),
        ));
    }
    Ok(())
}
