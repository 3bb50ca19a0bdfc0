//! The baseline every judge that runs native code pays at least once per test: starting a
//! process. A tiny static C program that prints "hello\n", built here with the system's C
//! compiler, spawned (fork/exec, or `posix_spawn` where the C library uses it) with its stdout
//! captured, and waited for.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

const HELLO_C: &str = r#"#include <unistd.h>
int main(void) { return write(1, "hello\n", 6) == 6 ? 0 : 1; }
"#;

/// A statically linked native hello-world in `dir`.
#[derive(Debug)]
pub struct NativeHello {
    path: PathBuf,
}

impl NativeHello {
    /// Compiles the program with `cc -static -O2`.
    pub fn build(dir: &Path) -> Result<Self> {
        let source = dir.join("hello.c");
        let path = dir.join("hello-static");
        std::fs::write(&source, HELLO_C)?;
        let status = Command::new("cc")
            .args(["-static", "-O2", "-o"])
            .arg(&path)
            .arg(&source)
            .status()
            .context("cannot run `cc` (Debian: apt-get install gcc libc6-dev)")?;
        if !status.success() {
            bail!("`cc -static` failed: {status}");
        }
        Ok(Self { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Spawns the program, collects its stdout, waits for it; returns the time taken.
    pub fn run(&self) -> Result<Duration> {
        let started = Instant::now();
        let output = Command::new(&self.path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .output()?;
        let elapsed = started.elapsed();
        if output.stdout != b"hello\n" || !output.status.success() {
            bail!("the native hello-world misbehaved: {:?}", output);
        }
        Ok(elapsed)
    }
}

/// Whether `program` is on the PATH.
pub fn on_path(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Runs `command`; an error with its stderr unless it succeeded.
pub fn run_ok(mut command: Command) -> Result<()> {
    let output = command.output().with_context(|| format!("{command:?}"))?;
    anyhow::ensure!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_runs() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let hello = NativeHello::build(dir.path())?;
        assert!(hello.run()? > Duration::ZERO);
        Ok(())
    }
}
