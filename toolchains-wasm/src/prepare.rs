//! From a submission's source to a [`Program`] the sandbox runs: compiled in the jail when the
//! language has a compile step, cached by (language fingerprint, source sha256).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::jail::{Jail, JailLimits, JailStatus};
use crate::{Error, InstallState, Language, Result, Toolchains, io_error};

/// Larger sources are refused before any compiler sees them.
pub const MAX_SOURCE_BYTES: usize = 4 << 20;

/// How to run a prepared submission in the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The module to load (cached by the runtime once compiled by Cranelift).
    pub module: PathBuf,
    /// The guest's argv, argv[0] included.
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// A directory to give the guest, read-only, at `/src` (where interpreters find the
    /// program), if any.
    pub src_dir: Option<PathBuf>,
    /// The toolchain's own directories the guest reads, read-only: (host, guest path), in the
    /// order they are preopened after `/src` (a snapshot was made with the same order).
    pub dirs: Vec<(PathBuf, String)>,
}

impl Program {
    /// Every directory to preopen read-only, in order: `/src`, if any, then the toolchain's.
    pub fn preopens(&self) -> Vec<(PathBuf, String)> {
        let src = self
            .src_dir
            .iter()
            .map(|dir| (dir.clone(), "/src".to_owned()));
        src.chain(self.dirs.iter().cloned()).collect()
    }
}

/// What the compiler did, for the contestant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    /// The compiler's messages, or why it was stopped.
    pub output: String,
    pub elapsed: Duration,
    /// Served from the cache of compiled submissions: no compiler ran.
    pub cached: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    Ready {
        program: Program,
        /// `None` for languages without a compile step.
        compile: Option<Compiled>,
    },
    CompileError(Compiled),
}

impl Toolchains {
    /// Compiles `source` if the language needs it (jailed, under `limits`) and says how to run
    /// it. A compile failure or a compiler over its limits is [`Prepared::CompileError`];
    /// `Err` is for the host (a missing toolchain, a full disk).
    pub fn prepare(&self, id: &str, source: &[u8], limits: &JailLimits) -> Result<Prepared> {
        self.prepare_files(id, source, &[], limits)
    }

    /// Like [`prepare`](Self::prepare), with more files beside the main source (headers,
    /// modules). `files` maps a plain relative file name (no `/`, no `..`, not the language's
    /// source name) to its bytes. They are in the compiler's working directory, part of the
    /// cache key, and kept beside the source (interpreters see them in `/src`). A bad name is
    /// [`Error::FileName`]; [`MAX_SOURCE_BYTES`] bounds all the files together.
    pub fn prepare_files(
        &self,
        id: &str,
        source: &[u8],
        files: &[(String, Vec<u8>)],
        limits: &JailLimits,
    ) -> Result<Prepared> {
        let language = self.language(id)?;
        check_file_names(language, files)?;
        for needed in self.manifest.closure(id) {
            if self.state(needed) != InstallState::Installed {
                return Err(Error::NotInstalled {
                    language: needed.into(),
                });
            }
        }
        let total = files.iter().fold(source.len(), |total, (_, bytes)| {
            total.saturating_add(bytes.len())
        });
        if total > MAX_SOURCE_BYTES {
            let what = if files.is_empty() {
                "the source is"
            } else {
                "the source and its files are"
            };
            return Ok(Prepared::CompileError(Compiled {
                output: format!("{what} {total} bytes; the limit is {MAX_SOURCE_BYTES}"),
                elapsed: Duration::ZERO,
                cached: false,
            }));
        }
        let key = cache_key(id, &self.manifest.fingerprint(id), source, files);
        let parent = self.home.join("compiled").join(id);
        let dir = parent.join(&key);
        let program = || {
            let module = PathBuf::from(self.expand(id, &language.run.module, Some(&dir)));
            let compiled = language.run.module.contains("{output}");
            Program {
                module,
                args: language
                    .run
                    .args
                    .iter()
                    .map(|arg| self.expand(id, arg, Some(&dir)))
                    .collect(),
                env: env_pairs(&language.run.env),
                src_dir: (!compiled).then(|| dir.clone()),
                dirs: language
                    .run
                    .dirs
                    .iter()
                    .map(|(guest, host)| {
                        (PathBuf::from(self.expand(id, host, None)), guest.clone())
                    })
                    .collect(),
            }
        };
        if dir.join(READY).is_file() {
            let compile = language.compile.as_ref().map(|_| Compiled {
                output: std::fs::read_to_string(dir.join(MESSAGES)).unwrap_or_default(),
                elapsed: Duration::ZERO,
                cached: true,
            });
            return Ok(Prepared::Ready {
                program: program(),
                compile,
            });
        }

        std::fs::create_dir_all(&parent)
            .map_err(io_error(format!("create {}", parent.display())))?;
        // Unique per call: concurrent prepares of one source (threads or processes) each get
        // their own box.
        let scratch = tempfile::Builder::new()
            .prefix(&format!("{key}."))
            .suffix(".partial")
            .tempdir_in(&parent)
            .map_err(io_error(format!("create a box in {}", parent.display())))?
            .keep();
        let result = self.fill(id, source, files, limits, &scratch);
        let compiled = match result {
            Ok(compiled) => compiled,
            Err(err) => {
                let _ = std::fs::remove_dir_all(&scratch);
                return Err(err);
            }
        };
        match compiled {
            Err(failed) => {
                let _ = std::fs::remove_dir_all(&scratch);
                Ok(Prepared::CompileError(failed))
            }
            Ok(compile) => {
                std::fs::write(scratch.join(READY), b"")
                    .map_err(io_error("mark the build ready"))?;
                pin_times(&scratch)?;
                if let Err(err) = std::fs::rename(&scratch, &dir) {
                    let _ = std::fs::remove_dir_all(&scratch);
                    // Another prepare of the same source won the race: its result is as good
                    // as ours. Anything else is the host's failure.
                    if !dir.join(READY).is_file() {
                        return Err(Error::Io {
                            what: format!("store {}", dir.display()),
                            source: err,
                        });
                    }
                }
                Ok(Prepared::Ready {
                    program: program(),
                    compile,
                })
            }
        }
    }

    /// Writes the source and its files into `scratch` and compiles it there: `Ok(Err(_))` is
    /// a compile error.
    fn fill(
        &self,
        id: &str,
        source: &[u8],
        files: &[(String, Vec<u8>)],
        limits: &JailLimits,
        scratch: &Path,
    ) -> Result<Result<Option<Compiled>, Compiled>> {
        let language = self.language(id)?;
        let main = (&language.source, source);
        let others = files.iter().map(|(name, bytes)| (name, bytes.as_slice()));
        for (name, bytes) in std::iter::once(main).chain(others) {
            let path = scratch.join(name);
            std::fs::write(&path, bytes).map_err(io_error(format!("write {}", path.display())))?;
        }
        let Some(step) = &language.compile else {
            return Ok(Ok(None));
        };
        let toolchain = self.toolchain_dir(id);
        for writable in &language.writable {
            copy_tree(&toolchain.join(writable), &scratch.join(writable))?;
        }
        let mut mounts = vec![(toolchain, "/toolchain".to_string())];
        for other in &language.requires {
            mounts.push((self.toolchain_dir(other), format!("/toolchain-{other}")));
        }
        let jail = Jail {
            host_paths: language.jail.clone(),
            mounts,
            box_dir: scratch.to_path_buf(),
            env: step.env.clone(),
            limits: limits.clone(),
        };
        let mut outcome = jail.run(&step.command)?;
        if let (JailStatus::Exited(1..), Some(retry)) = (&outcome.status, step.retry_command()) {
            // Failed with the force-included header: the compile without it decides.
            let first = outcome.elapsed;
            outcome = jail.run(&retry)?;
            outcome.elapsed += first;
        }
        let mut output = String::from_utf8_lossy(&outcome.output).into_owned();
        if outcome.output_truncated {
            output.push_str(&format!(
                "\n[compiler output truncated at {} KiB]\n",
                limits.output_bytes >> 10
            ));
        }
        let stopped = match outcome.status {
            JailStatus::Exited(0) => None,
            JailStatus::Exited(_) => Some(String::new()),
            JailStatus::TimedOut => Some(format!(
                "compilation stopped: time limit of {:.1} s exceeded",
                limits.wall_time.as_secs_f64()
            )),
            JailStatus::Signaled(signal) => Some(format!(
                "compilation stopped by signal {signal} ({})",
                signal_reason(signal)
            )),
        };
        let built = scratch.join(&step.output);
        let compiled = |output: String| Compiled {
            output,
            elapsed: outcome.elapsed,
            cached: false,
        };
        if let Some(reason) = stopped {
            if !reason.is_empty() {
                if !output.is_empty() && !output.ends_with('\n') {
                    output.push('\n');
                }
                output.push_str(&reason);
            }
            return Ok(Err(compiled(output)));
        }
        // The box is the compiler's to write: never follow a link it left there.
        let regular = std::fs::symlink_metadata(&built).is_ok_and(|meta| meta.is_file());
        if !regular {
            output.push_str(&format!("\nthe compiler produced no {}", step.output));
            return Ok(Err(compiled(output)));
        }
        // Keep only what runs: the sources and the compiler's output (and its messages), and
        // files named as `keep` says in the box and its directories (Java's classes).
        for entry in std::fs::read_dir(scratch)
            .map_err(io_error("list the build dir"))?
            .flatten()
        {
            let name = entry.file_name();
            let kind = entry.file_type().ok();
            let path = entry.path();
            if kind.is_some_and(|kind| kind.is_dir()) && !step.keep.is_empty() {
                prune(&path, &step.keep);
                continue;
            }
            let wanted = name == language.source.as_str()
                || name == step.output.as_str()
                || files.iter().any(|(file, _)| name == file.as_str())
                || kept(&name, &step.keep);
            // Only regular files are kept: a link, FIFO or socket the compiler made, even under
            // a kept name, goes too (opening a FIFO would block the host; `pin_times` and the
            // guest's /src must only ever see the box's own files).
            if !wanted || !kind.is_some_and(|kind| kind.is_file()) {
                let _ = if kind.is_some_and(|kind| kind.is_dir()) {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
            }
        }
        std::fs::write(scratch.join(MESSAGES), &output)
            .map_err(io_error("save compiler messages"))?;
        Ok(Ok(Some(compiled(output))))
    }
}

/// The compiled-submission cache's key: every part length-prefixed, so no two different
/// (source, files) give the same bytes to hash. Files are hashed in name order: the order a
/// caller lists them in does not matter.
fn cache_key(id: &str, fingerprint: &str, source: &[u8], files: &[(String, Vec<u8>)]) -> String {
    let mut hasher = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    part(id.as_bytes());
    part(fingerprint.as_bytes());
    part(source);
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, bytes) in sorted {
        part(name.as_bytes());
        part(bytes);
    }
    hex::encode(&hasher.finalize()[..20])
}

/// Extra files are plain names in the box: never a path out of it, never a name the box
/// already uses (the source, the compiler's output, a warm cache, our markers), never twice.
fn check_file_names(language: &Language, files: &[(String, Vec<u8>)]) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for (name, _) in files {
        let reason = if name.is_empty() {
            Some("empty")
        } else if name.len() > 255 {
            Some("longer than 255 bytes")
        } else if name.contains(['/', '\\']) {
            Some("not a plain file name (a slash or backslash)")
        } else if name.contains('\0') {
            Some("contains a NUL byte")
        } else if name.starts_with('.') {
            Some("starts with a dot")
        } else if *name == language.source {
            Some("the name of the main source")
        } else if language
            .compile
            .as_ref()
            .is_some_and(|step| *name == step.output)
        {
            Some("the name of the compiler's output")
        } else if language.writable.iter().any(|dir| dir == name) {
            Some("the name of the compiler's cache")
        } else if !seen.insert(name.as_str()) {
            Some("given twice")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(Error::FileName {
                name: name.clone(),
                reason,
            });
        }
    }
    Ok(())
}

/// Guests see file times (`fstat`, `os.stat`, Ruby's `File.mtime`): the same program must see
/// the same times whenever it was compiled, or its fuel would depend on the clock.
const PINNED_TIME: std::time::SystemTime = std::time::UNIX_EPOCH;

fn pin_times(dir: &Path) -> Result<()> {
    let times = std::fs::FileTimes::new()
        .set_accessed(PINNED_TIME)
        .set_modified(PINNED_TIME);
    let entries = std::fs::read_dir(dir).map_err(io_error("list the build dir"))?;
    // The directory last: setting its entries' times does not change its own. Only regular
    // files and directories: opening a link would follow it out of the box, opening a FIFO
    // would block (and `prune` left neither).
    let mut files = Vec::new();
    for entry in entries.flatten() {
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => pin_times(&entry.path())?,
            Ok(kind) if kind.is_file() => files.push(entry.path()),
            _ => {}
        }
    }
    for path in files.into_iter().chain([dir.to_path_buf()]) {
        std::fs::File::open(&path)
            .and_then(|file| file.set_times(times))
            .map_err(io_error(format!("set the times of {}", path.display())))?;
    }
    Ok(())
}

/// Whether `name` ends with one of `keep`'s suffixes.
fn kept(name: &std::ffi::OsStr, keep: &[String]) -> bool {
    let name = name.to_string_lossy();
    keep.iter().any(|suffix| name.ends_with(suffix.as_str()))
}

/// Leaves in `dir`, a directory the compiler made, only the regular files `keep` names and the
/// directories under it (never a link: `file_type` does not follow one).
fn prune(dir: &Path, keep: &[String]) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => prune(&path, keep),
            Ok(kind) if kind.is_file() && kept(&entry.file_name(), keep) => {}
            _ => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// Marks a complete entry of the compiled-submission cache.
const READY: &str = ".ready";
/// The compiler's messages (warnings) of a successful compile, replayed on cache hits.
const MESSAGES: &str = ".messages";

fn env_pairs(env: &BTreeMap<String, String>) -> Vec<(String, String)> {
    env.iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

fn signal_reason(signal: i32) -> &'static str {
    match signal {
        9 | 24 => "CPU time limit exceeded or killed",
        25 => "file size limit exceeded",
        11 | 6 => "the compiler crashed, likely out of memory",
        _ => "killed",
    }
}

/// A private copy of a warm cache the compiler writes to (hard links would let one compile
/// change files every later compile reads).
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg("--reflink=auto")
        .arg(from)
        .arg(to)
        .status()
        .map_err(io_error("run cp"))?;
    if !status.success() {
        return Err(Error::Io {
            what: format!("copy {} to {}", from.display(), to.display()),
            source: std::io::Error::other("cp failed"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Manifest;

    fn files(list: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        list.iter()
            .map(|(name, text)| (name.to_string(), text.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn cache_keys_cannot_be_confused() {
        let key = |source: &str, list: &[(&str, &str)]| {
            cache_key("cpp", "fingerprint", source.as_bytes(), &files(list))
        };
        assert_eq!(
            key("s", &[("a.h", "1"), ("b.h", "2")]),
            key("s", &[("b.h", "2"), ("a.h", "1")])
        );
        assert_ne!(key("s", &[("a.h", "12")]), key("s", &[("a.h1", "2")]));
        assert_ne!(key("s", &[("a.h", "")]), key("sa.h", &[]));
        assert_ne!(key("s", &[]), key("s", &[("a.h", "")]));
        assert_ne!(
            cache_key("c", "fingerprint", b"s", &[]),
            cache_key("cpp", "fingerprint", b"s", &[])
        );
    }

    #[test]
    fn file_names_are_plain_and_free() {
        let manifest = Manifest::builtin().expect("the builtin manifest");
        let check = |lang: &str, list: &[(&str, &str)]| {
            check_file_names(&manifest.languages[lang], &files(list))
        };
        assert!(check("cpp", &[("validate.h", ""), ("testlib.h", "")]).is_ok());
        assert!(check("python3", &[("helper.py", ""), ("main.wasm", "")]).is_ok());
        let long = "x".repeat(256);
        for bad in [
            "",
            ".",
            "..",
            "../a",
            "a/b",
            "/a",
            "a\\b",
            "a\0",
            ".ready",
            &long,
            "main.cpp",
            "main.wasm",
        ] {
            let err = check("cpp", &[(bad, "")]).expect_err(bad);
            assert!(matches!(err, Error::FileName { .. }), "{bad:?}: {err}");
        }
        assert!(check("go", &[("gocache", "")]).is_err());
        assert!(check("python3", &[("main.py", "")]).is_err());
        assert!(check("cpp", &[("a.h", "1"), ("a.h", "2")]).is_err());
    }
}
