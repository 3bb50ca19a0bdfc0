//! `xcode`: the command line of the Xcode judge. For now it runs one WebAssembly module in the
//! sandbox (`xcode run`); later it also serves the whole platform.

mod run;

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
    /// Run a WebAssembly module (.wasm or .wat) in the sandbox under limits.
    Run(run::RunArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xcode: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
