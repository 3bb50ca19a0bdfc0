//! `xcode`: the command line of the Xcode judge. It runs a module or a program in any
//! supported language in the sandbox (`xcode run`), judges submissions against problem
//! packages (`xcode judge`, `xcode problem`), installs the languages (`xcode toolchains`), and
//! serves the platform (`xcode serve`: every service and the HTTP gateway in one process, or
//! one service alone), and follows submissions live (`xcode watch`).

mod judge;
mod run;
mod serve;
mod toolchains;
mod watch;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "xcode", version, about = "Xcode: a WebAssembly judge")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a WebAssembly module (.wasm/.wat) or a program in a supported language in the
    /// sandbox under limits.
    Run(run::RunArgs),
    /// Judge a submission against a problem package: per-test verdicts, time, memory, score.
    Judge(judge::JudgeArgs),
    /// Verify a problem package's example submissions, or import a package.
    Problem(judge::ProblemArgs),
    /// Install and list languages.
    Toolchains(toolchains::ToolchainsArgs),
    /// Serve the platform: the HTTP API and the gRPC services, in one process by default.
    Serve(serve::ServeArgs),
    /// Follow a submission's verdicts live (the gateway's WebSocket), one line per test.
    Watch(watch::WatchArgs),
}

/// Usage and host errors: the run did not happen. (A run that happened exits 0, whatever the
/// guest did.)
const FAILURE: u8 = 2;
/// `xcode problem verify`: a submission did not get what its directory says.
const MISMATCH: u8 = 1;

fn main() -> ExitCode {
    quiet_library_backtraces();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => {
            // --help and --version.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => return fail(&one_line(&err.to_string())),
    };
    let result = match cli.command {
        Command::Run(args) => run::run(args).map(|()| true),
        Command::Judge(args) => judge::judge(args).map(|()| true),
        Command::Problem(args) => judge::problem(args),
        Command::Toolchains(args) => toolchains::run(args).map(|()| true),
        Command::Serve(args) => serve::serve(args).map(|()| true),
        Command::Watch(args) => watch::watch(args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(MISMATCH),
        Err(err) => fail(&format!("{err:#}")),
    }
}

/// Errors (wasmtime's included) capture a Rust backtrace when `RUST_BACKTRACE` is set, unless
/// `RUST_LIB_BACKTRACE` says otherwise. wasmtime makes such an error for every wasm exception
/// a guest throws, even one it catches: ~20 µs each, 12x the throw itself (bench/README.md).
/// Panics keep their backtraces; `RUST_LIB_BACKTRACE=1` brings the others back.
fn quiet_library_backtraces() {
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // SAFETY: the first thing `main` does, before any other thread exists.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("RUST_LIB_BACKTRACE", "0");
        }
    }
}

fn fail(message: &str) -> ExitCode {
    // One line, whatever the message: scripts read it and logs keep it whole.
    let message = message
        .split('\n')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    eprintln!("xcode: error: {message}");
    ExitCode::from(FAILURE)
}

/// clap's multi-line message as one line: the error and its details, without the usage block,
/// so scripts can read it and logs keep it whole.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
        .filter(|line| !line.is_empty())
        .collect();
    let joined = lines.join(" ");
    let joined = joined.strip_prefix("error: ").unwrap_or(&joined);
    format!("{joined} (see `xcode --help`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_errors_become_one_line() {
        let message = "error: the following required arguments were not provided:\n  \
                       <MODULE>\n\nUsage: xcode run <MODULE>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(message),
            "the following required arguments were not provided: <MODULE> (see `xcode --help`)"
        );
    }
}
