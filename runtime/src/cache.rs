//! Precompiled modules on disk, keyed by the module's sha256 and the engine's compile settings.
//!
//! Layout: `<root>/<engine key>/<module sha256>.cwasm` beside `<module sha256>.sum`, which holds
//! the length and sha256 of the `.cwasm`. The module sha256 is the guest's as given; the entry
//! holds its metered code (`meter.rs`), so a hit skips metering too. The engine key hashes
//! everything wasmtime says makes artifacts incompatible (its version, target, Cranelift flags,
//! tunables, wasm features) and the metering version, so engines with different settings never
//! share an entry.
//!
//! wasmtime rejects artifacts from another version or configuration, but it cannot tell a
//! flipped byte in machine code from a real instruction; running such code could crash the
//! process. So every entry is checked against its `.sum` before it is mapped, and anything that
//! does not match, or that wasmtime rejects, is compiled again and replaced. Entries are written
//! to a temporary file and renamed into place, so concurrent writers never expose half a file.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;

use crate::{Error, Result};

/// Where a module came from, for callers (and tests) that care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Mapped from a valid cache entry.
    Cached,
    /// Compiled now (no cache, no entry yet, or the entry was corrupt or stale).
    Compiled,
}

#[derive(Debug)]
pub(crate) struct ModuleCache {
    dir: Option<PathBuf>,
}

impl ModuleCache {
    pub(crate) fn new(root: Option<&Path>, engine: &Engine) -> Self {
        let dir = root.map(|root| root.join(engine_key(engine)));
        Self { dir }
    }

    /// Returns the compiled module for the guest whose sha256 is `sha256`; `prepare` gives the
    /// bytes to compile (the metered module) and runs only when there is no valid entry.
    pub(crate) fn load(
        &self,
        engine: &Engine,
        sha256: &[u8; 32],
        prepare: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<(wasmtime::Module, Origin)> {
        let Some(dir) = &self.dir else {
            let module = wasmtime::Module::new(engine, prepare()?)
                .map_err(|e| Error::InvalidModule(format!("{e:#}")))?;
            return Ok((module, Origin::Compiled));
        };
        let name = hex::encode(sha256);
        let artifact = dir.join(format!("{name}.cwasm"));
        let sum = dir.join(format!("{name}.sum"));
        if let Some(module) = Self::open_verified(engine, &artifact, &sum) {
            return Ok((module, Origin::Cached));
        }
        let compiled = engine
            .precompile_module(&prepare()?)
            .map_err(|e| Error::InvalidModule(format!("{e:#}")))?;
        fs::create_dir_all(dir).map_err(cache_error(dir))?;
        write_atomically(dir, &artifact, &compiled)?;
        write_atomically(dir, &sum, checksum_line(&compiled).as_bytes())?;
        let module = deserialize(engine, &artifact).map_err(Error::engine)?;
        Ok((module, Origin::Compiled))
    }

    /// The entry for `artifact` if it is intact and loads into `engine`.
    fn open_verified(engine: &Engine, artifact: &Path, sum: &Path) -> Option<wasmtime::Module> {
        let expected = fs::read_to_string(sum).ok()?;
        let bytes = fs::read(artifact).ok()?;
        if checksum_line(&bytes) != expected {
            return None;
        }
        deserialize(engine, artifact).ok()
    }
}

fn deserialize(engine: &Engine, artifact: &Path) -> wasmtime::Result<wasmtime::Module> {
    // SAFETY: `artifact` was produced by `Engine::precompile_module` in this cache directory and
    // its bytes were just checked against the checksum written beside it (or it was written by
    // this process a moment ago). Entries are replaced by rename, never modified in place, so
    // the mapping cannot change under wasmtime. wasmtime itself rejects artifacts built by
    // another version or with other settings.
    #[allow(unsafe_code)]
    unsafe {
        wasmtime::Module::deserialize_file(engine, artifact)
    }
}

fn checksum_line(bytes: &[u8]) -> String {
    format!("{} {}\n", bytes.len(), hex::encode(Sha256::digest(bytes)))
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(cache_error(dir))?;
    file.write_all(bytes).map_err(cache_error(path))?;
    file.as_file().sync_data().map_err(cache_error(path))?;
    file.persist(path).map_err(|e| cache_error(path)(e.error))?;
    Ok(())
}

fn cache_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Cache {
        path: path.to_owned(),
        source,
    }
}

/// A short, stable name for the engine's compile-relevant settings and the metering version
/// (entries are keyed by the guest's hash, but hold the metered module's code).
fn engine_key(engine: &Engine) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    crate::meter::VERSION.hash(&mut hasher);
    crate::engine::DENSE_IMAGE_BYTES.hash(&mut hasher);
    hex::encode(&hasher.0.finalize()[..12])
}

/// Feeds `Hash` output into sha256, whose result is stable across processes and Rust versions
/// (unlike `DefaultHasher`).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
    }
}
