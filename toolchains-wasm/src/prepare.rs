//! From a submission's source to a [`Program`] the sandbox runs: compiled in the jail when the
//! language has a compile step, cached by (language fingerprint, source sha256).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::jail::{Jail, JailLimits, JailStatus};
use crate::{Error, InstallState, Result, Toolchains, io_error};

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
        let language = self.language(id)?;
        for needed in self.manifest.closure(id) {
            if self.state(needed) != InstallState::Installed {
                return Err(Error::NotInstalled {
                    language: needed.into(),
                });
            }
        }
        if source.len() > MAX_SOURCE_BYTES {
            return Ok(Prepared::CompileError(Compiled {
                output: format!(
                    "the source is {} bytes; the limit is {MAX_SOURCE_BYTES}",
                    source.len()
                ),
                elapsed: Duration::ZERO,
                cached: false,
            }));
        }
        let fingerprint = self.manifest.fingerprint(id);
        let key = hex::encode(
            &Sha256::new()
                .chain_update(id)
                .chain_update(&fingerprint)
                .chain_update(source)
                .finalize()[..20],
        );
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
        let result = self.fill(id, source, limits, &scratch);
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

    /// Writes the source into `scratch` and compiles it there: `Ok(Err(_))` is a compile
    /// error.
    fn fill(
        &self,
        id: &str,
        source: &[u8],
        limits: &JailLimits,
        scratch: &Path,
    ) -> Result<Result<Option<Compiled>, Compiled>> {
        let language = self.language(id)?;
        let source_path = scratch.join(&language.source);
        std::fs::write(&source_path, source)
            .map_err(io_error(format!("write {}", source_path.display())))?;
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
        let outcome = jail.run(&step.command)?;
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
        // Keep only what runs: the source and the compiler's output (and its messages).
        for entry in std::fs::read_dir(scratch)
            .map_err(io_error("list the build dir"))?
            .flatten()
        {
            let name = entry.file_name();
            let kind = entry.file_type().ok();
            let wanted = name == language.source.as_str() || name == step.output.as_str();
            // Only regular files are kept: a link, FIFO or socket the compiler made, even under
            // a kept name, goes too (opening a FIFO would block the host; `pin_times` and the
            // guest's /src must only ever see the box's own files).
            if !wanted || !kind.is_some_and(|kind| kind.is_file()) {
                let path = entry.path();
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

/// Guests see file times (`fstat`, `os.stat`, Ruby's `File.mtime`): the same program must see
/// the same times whenever it was compiled, or its fuel would depend on the clock.
const PINNED_TIME: std::time::SystemTime = std::time::UNIX_EPOCH;

fn pin_times(dir: &Path) -> Result<()> {
    let times = std::fs::FileTimes::new()
        .set_accessed(PINNED_TIME)
        .set_modified(PINNED_TIME);
    let entries = std::fs::read_dir(dir).map_err(io_error("list the build dir"))?;
    // The directory last: setting its entries' times does not change its own. Only regular
    // files: opening a link would follow it out of the box, opening a FIFO would block.
    let paths = entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .map(|entry| entry.path())
        .chain([dir.to_path_buf()]);
    for path in paths {
        std::fs::File::open(&path)
            .and_then(|file| file.set_times(times))
            .map_err(io_error(format!("set the times of {}", path.display())))?;
    }
    Ok(())
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
