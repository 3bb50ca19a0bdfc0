//! Problem packages on disk, read into a [`Problem`]: the native format (`problem.toml`,
//! docs/problem-format.md) and ICPC/Kattis packages (`problem.yaml`, legacy and 2023-07), and
//! the native package `xcode problem import` writes.
//!
//! Loading only reads metadata and small text files (descriptions, hints, YAML, the first line
//! of a source); test data is never read into memory here. Every path handed out is canonical
//! and inside the package: a symbolic link that leads outside it is an error.

mod data;
mod kattis;
mod native;
mod program;
mod yaml;

use std::fs;
use std::path::{Path, PathBuf};

use crate::problem::{Problem, StatementKind};

/// What is wrong with a package: the file (relative to the package when it is inside it) and
/// what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct PackageError {
    pub path: PathBuf,
    pub message: String,
}

pub type Result<T, E = PackageError> = std::result::Result<T, E>;

/// A test file larger than this is refused: the judge keeps test data in memory while it runs.
pub const MAX_TEST_FILE_BYTES: u64 = 512 << 20;

/// The answer file of an interactive Kattis test that has no `.ans`: read as empty.
pub const EMPTY_ANSWER: &str = "/dev/null";

/// Reads the package in `dir`: `problem.toml` makes it native, `problem.yaml` ICPC/Kattis
/// (legacy, or 2023-07 when `problem_format_version` says a 2023 or later version).
pub fn load(dir: &Path) -> Result<Problem> {
    if dir.join("problem.toml").exists() {
        native::load(dir)
    } else if dir.join("problem.yaml").exists() {
        kattis::load(dir)
    } else if !dir.is_dir() {
        Err(PackageError {
            path: dir.to_owned(),
            message: "not a directory".to_owned(),
        })
    } else {
        Err(PackageError {
            path: dir.to_owned(),
            message: "not a problem package: no problem.toml or problem.yaml".to_owned(),
        })
    }
}

/// Writes `problem` as a native package in `out` (which must not exist or be empty): every
/// file it uses copied (symbolic links resolved), so that [`load`] reads back the same problem.
pub fn write_native(problem: &Problem, out: &Path) -> Result<()> {
    native::write(problem, out)
}

/// `Problem::include`: language id -> (file name, path).
type Include = Vec<(String, Vec<(String, PathBuf)>)>;

/// A package being read: where it is, and the warnings gathered so far.
#[derive(Debug)]
struct Package {
    /// The directory as given, for messages.
    dir: PathBuf,
    /// Canonical: every resolved path must be inside it.
    root: PathBuf,
    warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    /// A FIFO, socket or device: never read (it could block or never end).
    Other,
}

/// One directory entry, its symbolic links resolved and checked.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    /// As reached from the package directory (for messages).
    path: PathBuf,
    /// Canonical.
    real: PathBuf,
    kind: Kind,
    len: u64,
}

impl Package {
    fn open(dir: &Path) -> Result<Self> {
        let root = fs::canonicalize(dir).map_err(|err| PackageError {
            path: dir.to_owned(),
            message: io_message(&err),
        })?;
        if !root.is_dir() {
            return Err(PackageError {
                path: dir.to_owned(),
                message: "not a directory".to_owned(),
            });
        }
        Ok(Self {
            dir: dir.to_owned(),
            root,
            warnings: Vec::new(),
        })
    }

    /// The package's short name: its directory's name.
    fn short_name(&self) -> String {
        self.dir
            .file_name()
            .or_else(|| self.root.file_name())
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// `path` relative to the package, for messages.
    fn rel(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.dir)
            .or_else(|_| path.strip_prefix(&self.root))
            .map(Path::to_owned)
            .unwrap_or_else(|_| path.to_owned())
    }

    fn error(&self, path: &Path, message: impl Into<String>) -> PackageError {
        PackageError {
            path: self.rel(path),
            message: message.into(),
        }
    }

    /// An error about a value on a line of a YAML/TOML file.
    fn error_at(&self, path: &Path, line: usize, message: impl AsRef<str>) -> PackageError {
        self.error(path, format!("line {line}: {}", message.as_ref()))
    }

    fn warn(&mut self, path: &Path, message: impl AsRef<str>) {
        let warning = format!("{}: {}", self.rel(path).display(), message.as_ref());
        if !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }

    fn warn_at(&mut self, path: &Path, line: usize, message: impl AsRef<str>) {
        self.warn(path, format!("line {line}: {}", message.as_ref()));
    }

    /// The entry at `path` (which need not exist: `None`), its symbolic links resolved.
    fn entry(&self, path: &Path) -> Result<Option<Entry>> {
        let Ok(meta) = fs::symlink_metadata(path) else {
            return Ok(None);
        };
        let name = match path.file_name() {
            Some(name) => name
                .to_str()
                .ok_or_else(|| self.error(path, "the file name is not UTF-8"))?
                .to_owned(),
            None => String::new(),
        };
        let real = self.resolve(path, meta.file_type().is_symlink())?;
        let meta = fs::metadata(&real).map_err(|err| self.error(path, io_message(&err)))?;
        let kind = if meta.is_file() {
            Kind::File
        } else if meta.is_dir() {
            Kind::Dir
        } else {
            Kind::Other
        };
        Ok(Some(Entry {
            name,
            path: path.to_owned(),
            real,
            kind,
            len: meta.len(),
        }))
    }

    fn resolve(&self, path: &Path, is_link: bool) -> Result<PathBuf> {
        let target = || {
            fs::read_link(path)
                .map(|target| target.display().to_string())
                .unwrap_or_else(|_| "?".to_owned())
        };
        let real = fs::canonicalize(path).map_err(|err| {
            if is_link {
                self.error(
                    path,
                    format!(
                        "broken symbolic link to {} ({})",
                        target(),
                        io_message(&err)
                    ),
                )
            } else {
                self.error(path, io_message(&err))
            }
        })?;
        if !real.starts_with(&self.root) {
            let message = if is_link {
                format!(
                    "symbolic link to {} leads outside the package ({})",
                    target(),
                    real.display()
                )
            } else {
                format!("resolves to {} outside the package", real.display())
            };
            return Err(self.error(path, message));
        }
        Ok(real)
    }

    /// The entries of directory `dir`, sorted by name; hidden entries (`.git`, `.DS_Store`)
    /// skipped. A directory that does not exist has none.
    fn list(&self, dir: &Path) -> Result<Vec<Entry>> {
        let reader = match fs::read_dir(dir) {
            Ok(reader) => reader,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(self.error(dir, io_message(&err))),
        };
        let mut entries = Vec::new();
        for item in reader {
            let item = item.map_err(|err| self.error(dir, io_message(&err)))?;
            if item.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if let Some(entry) = self.entry(&item.path())? {
                entries.push(entry);
            }
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    /// A directory's entry if it exists and is a directory.
    fn dir_entry(&self, path: &Path) -> Result<Option<Entry>> {
        Ok(self.entry(path)?.filter(|entry| entry.kind == Kind::Dir))
    }

    /// A small text file (YAML, a description), lossily decoded.
    fn read_text(&self, entry: &Entry) -> Result<String> {
        const MAX_TEXT_BYTES: u64 = 4 << 20;
        if entry.kind != Kind::File {
            return Err(self.error(&entry.path, "not a regular file"));
        }
        if entry.len > MAX_TEXT_BYTES {
            return Err(self.error(
                &entry.path,
                format!("{} bytes: too large for a text file", entry.len),
            ));
        }
        let bytes =
            fs::read(&entry.real).map_err(|err| self.error(&entry.path, io_message(&err)))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Reads and parses a YAML file.
    fn read_yaml(&self, entry: &Entry) -> Result<yaml::Node> {
        let text = self.read_text(entry)?;
        yaml::parse(&text).map_err(|err| {
            self.error_at(
                &entry.path,
                err.line,
                format!("malformed YAML: {}", err.message),
            )
        })
    }

    /// Every regular file under `dir`, recursively, as (path relative to `dir` with `/`,
    /// entry). Refuses a directory that contains itself through a link.
    fn files_under(&self, dir: &Entry) -> Result<Vec<(String, Entry)>> {
        let mut files = Vec::new();
        self.collect_files(dir, "", &mut vec![dir.real.clone()], &mut files)?;
        Ok(files)
    }

    fn collect_files(
        &self,
        dir: &Entry,
        prefix: &str,
        ancestors: &mut Vec<PathBuf>,
        into: &mut Vec<(String, Entry)>,
    ) -> Result<()> {
        for entry in self.list(&dir.path)? {
            let name = format!("{prefix}{}", entry.name);
            match entry.kind {
                Kind::File => into.push((name, entry)),
                Kind::Dir => {
                    if ancestors.contains(&entry.real) {
                        return Err(self.error(&entry.path, "a directory link that loops"));
                    }
                    ancestors.push(entry.real.clone());
                    self.collect_files(&entry, &format!("{name}/"), ancestors, into)?;
                    ancestors.pop();
                }
                Kind::Other => return Err(self.error(&entry.path, "not a regular file")),
            }
        }
        Ok(())
    }
}

fn io_message(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "does not exist".to_owned(),
        _ => err.to_string(),
    }
}

/// A duration in (possibly fractional) seconds as whole milliseconds.
fn seconds_to_ms(seconds: f64) -> u64 {
    (seconds * 1000.0).round() as u64
}

/// A size in (possibly fractional) units of `unit` bytes as bytes.
fn to_bytes(amount: f64, unit: u64) -> u64 {
    (amount * unit as f64).round() as u64
}

/// A statement file's language and kind: `problem.<lang>.<ext>`, or `problem.<ext>` for
/// English.
fn statement_name(name: &str) -> Option<(String, StatementKind)> {
    let rest = name.strip_prefix("problem.")?;
    let (language, extension) = rest.rsplit_once('.').unwrap_or(("en", rest));
    let kind = match extension {
        "md" => StatementKind::Markdown,
        "tex" => StatementKind::Latex,
        "pdf" => StatementKind::Pdf,
        _ => return None,
    };
    let valid = !language.is_empty()
        && language.len() <= 16
        && language
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    valid.then(|| (language.to_owned(), kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_names() {
        assert_eq!(
            statement_name("problem.en.tex"),
            Some(("en".into(), StatementKind::Latex))
        );
        assert_eq!(
            statement_name("problem.pt-BR.md"),
            Some(("pt-BR".into(), StatementKind::Markdown))
        );
        assert_eq!(
            statement_name("problem.pdf"),
            Some(("en".into(), StatementKind::Pdf))
        );
        assert_eq!(statement_name("problem.en.log"), None);
        assert_eq!(statement_name("figure.png"), None);
    }
}
