//! `xcode-toolchains`: every language Xcode runs. It turns (language, source) into something
//! the sandbox can run: an interpreter module plus the source, or a module compiled from the
//! source by a jailed native compiler.
//!
//! - [`Manifest`]: languages and the artifacts they are built from, each pinned by registry,
//!   version and sha256 (`toolchains-wasm/manifest.toml`).
//! - [`Toolchains::install`]: fetches artifacts with the registries' own clients, verifies
//!   them, runs each language's build script, precompiles the modules into the runtime's cache.
//! - [`Toolchains::prepare`]: compiles a submission (jailed, cached by source hash) and says
//!   how to run it; [`Toolchains::prepare_files`] with more files beside it (headers, modules).
//!
//! It depends on the runtime (to precompile modules) and on nothing else in Xcode. Formats and
//! directory layout: `docs/toolchains.md`.

mod digest;
mod install;
mod jail;
mod manifest;
mod prepare;
mod snapshot;

pub use install::{InstallOptions, Progress};
pub use jail::{Jail, JailLimits, JailOutcome, JailStatus};
pub use manifest::{Artifact, CompileStep, Language, Manifest, Registry, RunStep, SnapshotStep};
pub use prepare::{Compiled, MAX_SOURCE_BYTES, Prepared, Program};

use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

    pub(crate) fn file(path: &str) -> Option<&'static [u8]> {
        FILES
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, bytes)| *bytes)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("toolchain manifest: {0}")]
    Manifest(String),
    #[error("unknown language `{0}` (see `xcode toolchains list`)")]
    UnknownLanguage(String),
    #[error("cannot tell the language of {0}: pass --lang")]
    UnknownExtension(String),
    /// A file given beside a submission's source has a name it cannot have.
    #[error("bad file name {name:?}: {reason}")]
    FileName { name: String, reason: &'static str },
    #[error("{language} is not installed: run `xcode toolchains install {language}`")]
    NotInstalled { language: String },
    #[error("{registry} could not fetch {package} {version}: {message}")]
    Fetch {
        registry: &'static str,
        package: String,
        version: String,
        message: String,
    },
    #[error("checksum mismatch for {what}: expected {expected}, got {actual}")]
    Checksum {
        what: String,
        expected: String,
        actual: String,
    },
    #[error("building {language} failed (log: {log}): {message}")]
    Build {
        language: String,
        log: PathBuf,
        message: String,
    },
    #[error("snapshot: {0}")]
    Snapshot(String),
    #[error("jail: {0}")]
    Jail(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Runtime(#[from] xcode_runtime::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

fn io_error(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let what = what.into();
    move |source| Error::Io { what, source }
}

/// Where toolchains live: `<home>/downloads`, `artifacts`, `toolchains`, `compiled`, `logs`.
/// The runtime's module cache is `<home>/modules` unless set otherwise.
#[derive(Debug, Clone)]
pub struct Toolchains {
    manifest: Manifest,
    home: PathBuf,
    modules: PathBuf,
}

/// Whether a language is ready to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallState {
    Installed,
    /// Installed from another manifest entry, build script or asset: reinstall.
    Outdated,
    Missing,
}

impl InstallState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Installed => "installed",
            Self::Outdated => "outdated",
            Self::Missing => "not installed",
        }
    }
}

impl Toolchains {
    /// The builtin manifest, toolchains under `home`, precompiled modules under `modules`.
    pub fn new(home: impl Into<PathBuf>, modules: impl Into<PathBuf>) -> Result<Self> {
        Ok(Self {
            manifest: Manifest::builtin()?,
            home: home.into(),
            modules: modules.into(),
        })
    }

    /// Another manifest (tests, or an operator's own pins).
    pub fn with_manifest(
        manifest: Manifest,
        home: impl Into<PathBuf>,
        modules: impl Into<PathBuf>,
    ) -> Self {
        Self {
            manifest,
            home: home.into(),
            modules: modules.into(),
        }
    }

    /// `$XCODE_HOME`, else `$XDG_CACHE_HOME/xcode`, else `~/.cache/xcode`.
    pub fn default_home() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("XCODE_HOME") {
            return Some(dir.into());
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))?;
        Some(cache.join("xcode"))
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn modules_dir(&self) -> &Path {
        &self.modules
    }

    pub fn language(&self, id: &str) -> Result<&Language> {
        self.manifest
            .languages
            .get(id)
            .ok_or_else(|| Error::UnknownLanguage(id.into()))
    }

    /// The language a file's extension names.
    pub fn detect(&self, path: &Path) -> Result<&str> {
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase);
        self.manifest
            .languages
            .iter()
            .find(|(_, language)| {
                extension
                    .as_deref()
                    .is_some_and(|ext| language.extensions.iter().any(|known| known == ext))
            })
            .map(|(id, _)| id.as_str())
            .ok_or_else(|| Error::UnknownExtension(path.display().to_string()))
    }

    pub(crate) fn toolchain_dir(&self, id: &str) -> PathBuf {
        self.home.join("toolchains").join(id)
    }

    pub fn state(&self, id: &str) -> InstallState {
        let stamp = self.toolchain_dir(id).join(install::STAMP);
        match std::fs::read_to_string(stamp) {
            Ok(text) if text.trim() == self.manifest.fingerprint(id) => InstallState::Installed,
            Ok(_) => InstallState::Outdated,
            Err(_) => InstallState::Missing,
        }
    }

    /// Bytes on disk of a language's own toolchain directory (shared system packages and
    /// artifacts not counted).
    pub fn size_bytes(&self, id: &str) -> u64 {
        dir_size(&self.toolchain_dir(id))
    }
}

fn dir_size(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok())
                .map(|entry| dir_size(&entry.path()))
                .sum()
        })
        .unwrap_or(0)
}
