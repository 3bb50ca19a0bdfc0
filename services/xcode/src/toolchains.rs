//! `xcode toolchains install|list`: the languages, installed from pinned artifacts.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use serde::Serialize;
use xcode_toolchains::{InstallOptions, Progress, Toolchains};

#[derive(Debug, Args)]
pub struct ToolchainsArgs {
    #[command(subcommand)]
    command: ToolchainsCommand,
    /// Where toolchains are kept [default: $XCODE_HOME, else ~/.cache/xcode].
    #[arg(long, value_name = "DIR", global = true)]
    home: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ToolchainsCommand {
    /// Fetch, verify, build and precompile languages (all when none is named).
    Install {
        /// Language ids, e.g. `cpp python3` (see `xcode toolchains list`).
        languages: Vec<String>,
        /// Rebuild even what is up to date.
        #[arg(long)]
        force: bool,
    },
    /// Every language: version, whether it is installed, size on disk.
    List {
        /// One JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: ToolchainsArgs) -> Result<()> {
    let toolchains = open(args.home)?;
    match args.command {
        ToolchainsCommand::Install { languages, force } => install(&toolchains, &languages, force),
        ToolchainsCommand::List { json } => list(&toolchains, json),
    }
}

/// The toolchains under `home` (or the default), with the runtime's module cache beside them.
pub fn open(home: Option<PathBuf>) -> Result<Toolchains> {
    let home = home
        .or_else(Toolchains::default_home)
        .context("no HOME or XCODE_HOME to keep toolchains under")?;
    let modules = crate::run::default_cache_dir().unwrap_or_else(|| home.join("modules"));
    Ok(Toolchains::new(home, modules)?)
}

fn install(toolchains: &Toolchains, languages: &[String], force: bool) -> Result<()> {
    let started = std::time::Instant::now();
    let mut stderr = std::io::stderr();
    toolchains.install(languages, &InstallOptions { force }, &mut |progress| {
        let _ = match progress {
            Progress::Step { language, message } => writeln!(stderr, "  {language:<11} {message}"),
            Progress::Done { language, message } => writeln!(stderr, "✓ {language:<11} {message}"),
        };
    })?;
    eprintln!(
        "xcode: toolchains ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[derive(Debug, Serialize)]
struct Row<'a> {
    id: &'a str,
    name: &'a str,
    version: &'a str,
    state: &'static str,
    size_bytes: u64,
    extensions: &'a [String],
}

fn list(toolchains: &Toolchains, json: bool) -> Result<()> {
    let rows: Vec<Row> = toolchains
        .manifest()
        .languages
        .iter()
        .map(|(id, language)| Row {
            id,
            name: &language.name,
            version: &language.version,
            state: toolchains.state(id).as_str(),
            size_bytes: toolchains.size_bytes(id),
            extensions: &language.extensions,
        })
        .collect();
    let mut stdout = std::io::stdout().lock();
    if json {
        serde_json::to_writer(&mut stdout, &rows)?;
        writeln!(stdout)?;
        return Ok(());
    }
    writeln!(
        stdout,
        "{:<11} {:<11} {:<14} {:>9}  VERSION",
        "ID", "LANGUAGE", "STATE", "SIZE"
    )?;
    for row in rows {
        writeln!(
            stdout,
            "{:<11} {:<11} {:<14} {:>9}  {}",
            row.id,
            row.name,
            row.state,
            crate::run::human_bytes(row.size_bytes),
            row.version
        )?;
    }
    Ok(())
}
