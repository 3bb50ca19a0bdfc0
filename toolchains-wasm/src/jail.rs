//! Native compilers run jailed: bubblewrap gives them new user, mount, PID, network, IPC and
//! UTS namespaces, no capabilities, a filesystem made only of the paths they are given
//! (read-only) and the submission's box (read-write), and `prlimit` bounds their CPU time,
//! data size, file size and open files. The wall-clock limit and the output cap are enforced
//! here. A compiler that loops, floods or bloats ends with a [`JailStatus`], never a hang.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// Limits of one jailed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JailLimits {
    pub wall_time: Duration,
    /// Data segment + heap + private writable mappings (RLIMIT_DATA): bounds memory without
    /// breaking runtimes that reserve large address ranges, as RLIMIT_AS would.
    pub memory_bytes: u64,
    /// Largest file the command may write.
    pub file_bytes: u64,
    /// Output (stdout and stderr, interleaved) kept; the rest is read and dropped.
    pub output_bytes: usize,
}

impl Default for JailLimits {
    fn default() -> Self {
        Self {
            wall_time: Duration::from_secs(30),
            memory_bytes: 2 << 30,
            file_bytes: 256 << 20,
            output_bytes: 64 << 10,
        }
    }
}

/// What became of a jailed command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JailStatus {
    Exited(i32),
    /// Killed by a signal: the CPU limit (SIGXCPU/SIGKILL), the file-size limit (SIGXFSZ) or a
    /// crash.
    Signaled(i32),
    TimedOut,
}

#[derive(Debug, Clone)]
pub struct JailOutcome {
    pub status: JailStatus,
    pub output: Vec<u8>,
    pub output_truncated: bool,
    pub elapsed: Duration,
}

impl JailOutcome {
    pub fn success(&self) -> bool {
        self.status == JailStatus::Exited(0)
    }
}

/// One jailed command. Mounts: each of `host_paths` read-only at the same path, each of
/// `mounts` read-only at its guest path, and `box_dir` read-write at `/box`, the working
/// directory.
#[derive(Debug, Clone, Default)]
pub struct Jail {
    pub host_paths: Vec<String>,
    pub mounts: Vec<(PathBuf, String)>,
    pub box_dir: PathBuf,
    pub env: BTreeMap<String, String>,
    pub limits: JailLimits,
}

impl Jail {
    pub fn run(&self, command: &[String]) -> Result<JailOutcome> {
        let Some((program, args)) = command.split_first() else {
            return Err(Error::Jail("empty command".into()));
        };
        let mut bwrap = self.command()?;
        bwrap.arg("--").arg(program).args(args);
        let started = Instant::now();
        let (mut reader, writer) = std::io::pipe().map_err(jail_io("create a pipe"))?;
        bwrap
            .stdin(Stdio::null())
            .stdout(writer.try_clone().map_err(jail_io("clone a pipe"))?)
            .stderr(writer);
        let mut child = bwrap.spawn().map_err(|err| {
            Error::Jail(format!(
                "cannot start bubblewrap ({err}): install it with `apt-get install bubblewrap`"
            ))
        })?;
        // The Command holds the pipe's write ends: drop it, or the reader never sees EOF.
        drop(bwrap);
        let cap = self.limits.output_bytes;
        let reader = std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut truncated = false;
            let mut buffer = [0u8; 1 << 14];
            while let Ok(read) = reader.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                let room = cap.saturating_sub(kept.len());
                kept.extend_from_slice(&buffer[..read.min(room)]);
                truncated |= read > room;
            }
            (kept, truncated)
        });
        let deadline = started + self.limits.wall_time;
        let status = loop {
            if let Some(status) = child.try_wait().map_err(jail_io("wait for the compiler"))? {
                use std::os::unix::process::ExitStatusExt;
                break match (status.code(), status.signal()) {
                    // bubblewrap reports its command's death by a signal as 128 + signal.
                    (Some(code), _) if code > 128 && code < 128 + 65 => {
                        JailStatus::Signaled(code - 128)
                    }
                    (Some(code), _) => JailStatus::Exited(code),
                    (None, Some(signal)) => JailStatus::Signaled(signal),
                    (None, None) => JailStatus::Signaled(0),
                };
            }
            if Instant::now() >= deadline {
                // bwrap is the jail's parent; with --die-with-parent its child, the PID
                // namespace's init, dies with it, and the whole namespace with that.
                let _ = child.kill();
                let _ = child.wait();
                break JailStatus::TimedOut;
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let (output, output_truncated) = reader
            .join()
            .map_err(|_| Error::Jail("output reader panicked".into()))?;
        Ok(JailOutcome {
            status,
            output,
            output_truncated,
            elapsed: started.elapsed(),
        })
    }

    fn command(&self) -> Result<Command> {
        let cpu_seconds = self.limits.wall_time.as_secs().max(1);
        let mut command = Command::new("prlimit");
        command
            .arg(format!("--cpu={cpu_seconds}"))
            .arg(format!("--data={}", self.limits.memory_bytes))
            .arg(format!("--fsize={}", self.limits.file_bytes))
            .arg("--nofile=512")
            .arg("--core=0")
            .arg("--")
            .arg("bwrap")
            .args([
                "--unshare-all",
                "--unshare-user",
                "--uid",
                "65534",
                "--gid",
                "65534",
            ])
            .args([
                "--cap-drop",
                "ALL",
                "--die-with-parent",
                "--new-session",
                "--clearenv",
            ])
            .args(["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]);
        // Debian's merged /usr: /lib, /lib64 and /bin are symlinks the dynamic loader follows.
        for link in ["/bin", "/lib", "/lib64", "/sbin"] {
            if let Ok(target) = std::fs::read_link(link) {
                command.arg("--symlink").arg(target).arg(link);
            }
        }
        for path in &self.host_paths {
            if !Path::new(path).exists() {
                return Err(Error::Jail(format!(
                    "{path} is missing: is the toolchain installed?"
                )));
            }
            command.args(["--ro-bind", path, path]);
        }
        for (host, guest) in &self.mounts {
            command.arg("--ro-bind").arg(host).arg(guest);
        }
        command
            .arg("--bind")
            .arg(&self.box_dir)
            .arg("/box")
            .args(["--chdir", "/box"])
            .args(["--setenv", "PATH", "/usr/bin:/bin"])
            .args(["--setenv", "HOME", "/box"])
            .args(["--setenv", "TMPDIR", "/tmp"]);
        for (key, value) in &self.env {
            command.arg("--setenv").arg(key).arg(value);
        }
        Ok(command)
    }
}

fn jail_io(what: &'static str) -> impl FnOnce(std::io::Error) -> Error {
    move |err| Error::Jail(format!("cannot {what}: {err}"))
}
