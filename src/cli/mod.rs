//! The command line: clap commands -> engine calls -> report (text or JSON) and an exit code.
//!
//! Each subcommand lives in its own file with an `Args` struct and `run(Args) -> anyhow::Result<i32>`
//! returning the process exit code. Errors that reach here are printed with their context chain and
//! exit with code 2 (see [`EXIT_CODES`]); a closed output pipe ends the command quietly.

use clap::{Parser, Subcommand};

pub mod azure;
pub mod bench;
pub mod bench_hostile;
pub mod bench_parse;
pub mod bench_resilience;
pub mod config;
pub mod connect;
pub mod decode;
pub mod doctor;
pub mod extras;
pub mod fleet;
pub mod interrupt;
pub mod output;
pub mod parse;
pub mod progress;
pub mod run;
pub mod sim;
pub mod train;
pub mod transcripts;
pub mod tui;

/// Diagnose and repair "An internal error has occurred" on a Windows VM over its serial console.
#[derive(Debug, Parser)]
#[command(name = "sacdoc", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: output::GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The exit codes, as `sacdoc --help` and the README list them.
pub const EXIT_CODES: &str = "Exit codes:
  0    done; the doctor found no problem
  1    the doctor found a problem (or `sacdoc sac` got SAC's error answer)
  2    sacdoc could not do it (bad target, no connection, login failed, ...) or a usage error
  run  passes the remote command's exit code through (0-255) and uses 255 for its own failures
  130  interrupted (Ctrl+C)";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose the RDP internal error over SAC; with --apply, fix what was found.
    Doctor(doctor::Args),
    /// Run one cmd.exe command line on the VM and print its output.
    Run(run::RunArgs),
    /// Run one SAC command (i, id, ch, ...) and print what SAC answered.
    Sac(run::SacArgs),
    /// Parse saved Windows command output into JSON.
    Parse(parse::Args),
    /// Serve the simulated Windows Server behind SAC.
    Sim(sim::Args),
    /// Open the text UI (the default when no command is given).
    Tui(tui::Args),
    /// Practise the procedure by hand on a simulated VM and get a graded report card.
    Train(train::Args),
    /// Play a recorded transcript in the console view.
    Replay(tui::ReplayArgs),
    /// Measure bytes over the line and time for the main jobs.
    Bench(bench::Args),
    /// Azure admin actions on a VM through its serial console: nmi or reset.
    Azure(azure::Args),
    /// Show the configuration file, sacdoc's folders, and what a target resolves to.
    Config(config::Args),
    /// List the recorded transcripts, or delete old ones.
    Transcripts(transcripts::Args),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish.
    Completions(extras::CompletionArgs),
    /// Write man pages (sacdoc.1 and one per command) into a folder.
    Man(extras::ManArgs),
}

/// Entry point of the binary: returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    output::setup(&cli.global);
    // The text UI handles its own keys (Ctrl+C goes to the VM there).
    if !matches!(
        cli.command,
        None | Some(Command::Tui(_)) | Some(Command::Replay(_)) | Some(Command::Train(_))
    ) {
        interrupt::install();
    }
    let result = match cli.command {
        None => tui::run(tui::Args::default()),
        Some(Command::Doctor(a)) => doctor::run(a),
        Some(Command::Run(a)) => run::run(a),
        Some(Command::Sac(a)) => run::run_sac(a),
        Some(Command::Parse(a)) => parse::run(a),
        Some(Command::Sim(a)) => sim::run(a),
        Some(Command::Tui(a)) => tui::run(a),
        Some(Command::Replay(a)) => tui::run_replay(a),
        Some(Command::Train(a)) => train::run(a),
        Some(Command::Bench(a)) => bench::run(a),
        Some(Command::Azure(a)) => azure::run(a),
        Some(Command::Config(a)) => config::run(a),
        Some(Command::Transcripts(a)) => transcripts::run(a),
        Some(Command::Completions(a)) => extras::completions(a),
        Some(Command::Man(a)) => extras::man(a),
    };
    match result {
        Ok(code) => {
            tracing::info!(code, "sacdoc finished");
            code
        }
        // The reader closed the pipe (`sacdoc ... | head`): it has what it wanted.
        Err(e) if output::is_broken_pipe(&e) => 0,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("sacdoc: {e:#}");
            2
        }
    }
}
