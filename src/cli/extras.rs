//! `sacdoc completions SHELL` and `sacdoc man DIR`: generated from the same clap definitions as
//! the commands themselves, so they never drift.

use std::path::PathBuf;

use anyhow::Context;
use clap::CommandFactory;

use super::Cli;

/// Arguments of `sacdoc completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `sacdoc man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The folder to write the pages into (created if missing).
    #[arg(default_value = "man")]
    pub dir: PathBuf,
}

pub fn completions(args: CompletionArgs) -> anyhow::Result<i32> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "sacdoc", &mut buf);
    super::output::print(&String::from_utf8_lossy(&buf))?;
    Ok(0)
}

pub fn man(args: ManArgs) -> anyhow::Result<i32> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let cmd = Cli::command();
    clap_mangen::generate_to(cmd, &args.dir)
        .with_context(|| format!("cannot write the man pages into {}", args.dir.display()))?;
    super::output::note(&format!("man pages written to {}", args.dir.display()));
    Ok(0)
}
