//! Problem package archives: a zip, a tar.gz or a tar unpacked safely into a directory, and a
//! directory packed into a deterministic tar.gz (sorted, no timestamps or owners: the same
//! files give the same bytes, so a package is addressed by its SHA-256).
//!
//! Unpacking trusts nothing in the archive: a name that is absolute, climbs out with `..` or
//! holds odd characters is refused; sizes are counted as bytes come out of the decompressor
//! (a zip bomb stops at the limit, whatever its headers claim); symbolic links are created
//! last, only relative and inside the package, so no entry is ever written through one;
//! devices, FIFOs and other special entries are refused.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

/// What an archive may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entries: usize,
    /// Unpacked bytes, all files together.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_entries: 20_000,
            max_total_bytes: 512 << 20,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("not a zip, tar.gz or tar archive")]
    UnknownFormat,
    #[error("{0}: unsafe path in the archive (absolute, `..` or special characters)")]
    UnsafePath(String),
    #[error("{name}: {what} entries are not allowed")]
    Special { name: String, what: &'static str },
    #[error("{0}: a symbolic link must be relative and stay inside the package")]
    UnsafeLink(String),
    #[error("more than {0} entries")]
    TooManyEntries(usize),
    #[error("unpacks to more than {} MiB", .0 >> 20)]
    TooLarge(u64),
    #[error("{0}: appears twice")]
    Duplicate(String),
    #[error("the archive is corrupt: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Unpacks `archive` (told apart by its first bytes) into the empty directory `into`.
pub fn unpack(archive: &[u8], into: &Path, limits: Limits) -> Result<(), ArchiveError> {
    let mut sink = Sink {
        root: into.to_owned(),
        limits,
        entries: 0,
        total: 0,
        links: Vec::new(),
    };
    if archive.starts_with(b"PK\x03\x04") || archive.starts_with(b"PK\x05\x06") {
        unpack_zip(archive, &mut sink)?;
    } else if archive.starts_with(&[0x1f, 0x8b]) {
        unpack_tar(GzDecoder::new(archive), &mut sink)?;
    } else if archive.len() >= 262 && &archive[257..262] == b"ustar" {
        unpack_tar(archive, &mut sink)?;
    } else {
        return Err(ArchiveError::UnknownFormat);
    }
    sink.finish()
}

struct Sink {
    root: PathBuf,
    limits: Limits,
    entries: usize,
    total: u64,
    /// (link path, target): made after every file.
    links: Vec<(PathBuf, PathBuf)>,
}

impl Sink {
    fn count(&mut self) -> Result<(), ArchiveError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(ArchiveError::TooManyEntries(self.limits.max_entries));
        }
        Ok(())
    }

    fn dir(&mut self, name: &str) -> Result<(), ArchiveError> {
        self.count()?;
        let relative = safe_path(name)?;
        if !relative.as_os_str().is_empty() {
            fs::create_dir_all(self.root.join(relative))?;
        }
        Ok(())
    }

    fn file(&mut self, name: &str, mut data: impl Read) -> Result<(), ArchiveError> {
        self.count()?;
        let relative = safe_path(name)?;
        if relative.as_os_str().is_empty() {
            return Err(ArchiveError::UnsafePath(name.to_owned()));
        }
        let path = self.root.join(&relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|err| match err.kind() {
                io::ErrorKind::AlreadyExists => ArchiveError::Duplicate(name.to_owned()),
                _ => ArchiveError::Io(err),
            })?;
        let left = self.limits.max_total_bytes - self.total;
        let copied = io::copy(&mut (&mut data).take(left + 1), &mut file)
            .map_err(|err| ArchiveError::Corrupt(format!("{name}: {err}")))?;
        if copied > left {
            return Err(ArchiveError::TooLarge(self.limits.max_total_bytes));
        }
        self.total += copied;
        Ok(())
    }

    fn link(&mut self, name: &str, target: &Path) -> Result<(), ArchiveError> {
        self.count()?;
        let relative = safe_path(name)?;
        if target.is_absolute() || target.as_os_str().is_empty() {
            return Err(ArchiveError::UnsafeLink(name.to_owned()));
        }
        // Lexically inside the root from the link's directory.
        let mut depth = relative.components().count().saturating_sub(1) as isize;
        for component in target.components() {
            match component {
                Component::ParentDir => depth -= 1,
                Component::Normal(_) => depth += 1,
                Component::CurDir => {}
                _ => return Err(ArchiveError::UnsafeLink(name.to_owned())),
            }
            if depth < 0 {
                return Err(ArchiveError::UnsafeLink(name.to_owned()));
            }
        }
        self.links.push((relative, target.to_owned()));
        Ok(())
    }

    fn finish(self) -> Result<(), ArchiveError> {
        for (relative, target) in self.links {
            let path = self.root.join(&relative);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            if fs::symlink_metadata(&path).is_ok() {
                return Err(ArchiveError::Duplicate(relative.display().to_string()));
            }
            std::os::unix::fs::symlink(&target, &path)?;
        }
        Ok(())
    }
}

/// An archive name as a relative path of plain components (`./` and trailing `/` allowed).
fn safe_path(name: &str) -> Result<PathBuf, ArchiveError> {
    let unsafe_path = || ArchiveError::UnsafePath(name.to_owned());
    if name.contains(['\0', '\\']) || name.len() > 1024 {
        return Err(unsafe_path());
    }
    let mut path = PathBuf::new();
    for component in Path::new(name).components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            _ => return Err(unsafe_path()),
        }
    }
    Ok(path)
}

fn unpack_tar(reader: impl Read, sink: &mut Sink) -> Result<(), ArchiveError> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|err| ArchiveError::Corrupt(err.to_string()))?;
    for entry in entries {
        let entry = entry.map_err(|err| ArchiveError::Corrupt(err.to_string()))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous => sink.file(&name, entry)?,
            tar::EntryType::Directory => sink.dir(&name)?,
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name()
                    .map_err(|err| ArchiveError::Corrupt(err.to_string()))?
                    .ok_or_else(|| ArchiveError::UnsafeLink(name.clone()))?
                    .into_owned();
                sink.link(&name, &target)?;
            }
            // pax and GNU long-name records are read by `tar` itself.
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => {}
            tar::EntryType::Link => {
                return Err(ArchiveError::Special {
                    name,
                    what: "hard link",
                });
            }
            _ => {
                return Err(ArchiveError::Special {
                    name,
                    what: "device, FIFO or other special",
                });
            }
        }
    }
    Ok(())
}

fn unpack_zip(archive: &[u8], sink: &mut Sink) -> Result<(), ArchiveError> {
    let mut zip = zip::ZipArchive::new(io::Cursor::new(archive))
        .map_err(|err| ArchiveError::Corrupt(err.to_string()))?;
    if zip.len() > sink.limits.max_entries {
        return Err(ArchiveError::TooManyEntries(sink.limits.max_entries));
    }
    for index in 0..zip.len() {
        let mut file = zip
            .by_index(index)
            .map_err(|err| ArchiveError::Corrupt(err.to_string()))?;
        let name = file
            .name()
            .map_err(|err| ArchiveError::Corrupt(err.to_string()))?
            .into_owned();
        if file.is_dir() {
            sink.dir(&name)?;
        } else if file.is_symlink() {
            let mut target = String::new();
            (&mut file)
                .take(4096)
                .read_to_string(&mut target)
                .map_err(|err| ArchiveError::Corrupt(format!("{name}: {err}")))?;
            sink.link(&name, Path::new(&target))?;
        } else {
            sink.file(&name, file)?;
        }
    }
    Ok(())
}

/// The directory a package's files are in: `dir`, or its only subdirectory when the archive
/// wrapped everything in one (`hello/problem.yaml`).
pub fn package_root(dir: &Path) -> io::Result<PathBuf> {
    let has_problem =
        |dir: &Path| dir.join("problem.toml").exists() || dir.join("problem.yaml").exists();
    if has_problem(dir) {
        return Ok(dir.to_owned());
    }
    let entries: Vec<_> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
        .collect();
    if let [only] = entries.as_slice()
        && only.file_type()?.is_dir()
        && has_problem(&only.path())
    {
        return Ok(only.path());
    }
    Ok(dir.to_owned())
}

/// Packs the regular files and directories under `dir` into a deterministic tar.gz (symbolic
/// links are not expected: packages are stored after `write_native` resolved them).
pub fn pack(dir: &Path) -> io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::new(6)));
    builder.mode(tar::HeaderMode::Deterministic);
    let mut paths = Vec::new();
    walk(dir, Path::new(""), &mut paths)?;
    paths.sort();
    for relative in paths {
        let path = dir.join(&relative);
        let metadata = fs::metadata(&path)?;
        let mut header = tar::Header::new_gnu();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        if metadata.is_dir() {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
            header.set_size(0);
            builder.append_data(&mut header, &relative, io::empty())?;
        } else {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(0o644);
            header.set_size(metadata.len());
            builder.append_data(&mut header, &relative, fs::File::open(&path)?)?;
        }
    }
    let mut encoder = builder.into_inner()?;
    encoder.flush()?;
    encoder.finish()
}

fn walk(root: &Path, relative: &Path, into: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(root.join(relative))? {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            into.push(path.clone());
            walk(root, &path, into)?;
        } else if kind.is_file() {
            into.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        for (name, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            // Written raw: `append_data` itself refuses `..`.
            header.as_gnu_mut().expect("gnu").name[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            builder.append(&header, *data).expect("append");
        }
        builder.into_inner().expect("tar").finish().expect("gz")
    }

    #[test]
    fn unpacks_and_repacks_deterministically() {
        let dir = tempfile::tempdir().expect("tempdir");
        let archive = tar_gz(&[
            ("p/problem.yaml", b"name: X\n"),
            ("p/data/sample/1.in", b"1\n"),
        ]);
        unpack(&archive, dir.path(), Limits::default()).expect("unpacks");
        let root = package_root(dir.path()).expect("root");
        assert!(root.ends_with("p"));
        let first = pack(&root).expect("pack");
        let second = pack(&root).expect("pack");
        assert_eq!(first, second);
        let again = tempfile::tempdir().expect("tempdir");
        unpack(&first, again.path(), Limits::default()).expect("unpacks its own");
        assert_eq!(
            fs::read(again.path().join("data/sample/1.in")).expect("file"),
            b"1\n"
        );
    }

    #[test]
    fn refuses_path_traversal_and_absolute_names() {
        for name in ["../evil", "a/../../evil", "/etc/evil"] {
            let dir = tempfile::tempdir().expect("tempdir");
            let archive = tar_gz(&[(name, b"x")]);
            let err = unpack(&archive, dir.path(), Limits::default()).expect_err(name);
            assert!(matches!(err, ArchiveError::UnsafePath(_)), "{name}: {err}");
        }
    }

    #[test]
    fn stops_a_bomb_at_the_limit() {
        let zeros = vec![0u8; 4 << 20];
        let archive = tar_gz(&[("big", &zeros)]);
        assert!(archive.len() < 64 << 10, "compresses well");
        let dir = tempfile::tempdir().expect("tempdir");
        let limits = Limits {
            max_total_bytes: 1 << 20,
            ..Limits::default()
        };
        let err = unpack(&archive, dir.path(), limits).expect_err("too large");
        assert!(matches!(err, ArchiveError::TooLarge(_)), "{err}");
    }

    #[test]
    fn refuses_garbage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err =
            unpack(b"hello, not an archive", dir.path(), Limits::default()).expect_err("garbage");
        assert!(matches!(err, ArchiveError::UnknownFormat));
        let err = unpack(b"PK\x03\x04garbage", dir.path(), Limits::default()).expect_err("bad zip");
        assert!(matches!(err, ArchiveError::Corrupt(_)), "{err}");
    }
}
