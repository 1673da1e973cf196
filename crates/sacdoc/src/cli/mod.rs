//! The command line: clap commands -> engine calls -> report (text or JSON) and an exit code.
//!
//! Each subcommand lives in its own file with an `Args` struct and `run(Args) -> anyhow::Result<i32>`
//! returning the process exit code. Errors that reach here are printed with their context chain and
//! exit with code 2.

use clap::{Parser, Subcommand};

pub mod azure;
pub mod bench;
pub mod config;
pub mod connect;
pub mod doctor;
pub mod fleet;
pub mod parse;
pub mod run;
pub mod sim;
pub mod tui;

/// Diagnose and repair "An internal error has occurred" on a Windows VM over its serial console.
#[derive(Debug, Parser)]
#[command(name = "sacdoc", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

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
    /// Play a recorded transcript in the console view.
    Replay(tui::ReplayArgs),
    /// Measure bytes over the line and time for the main jobs.
    Bench(bench::Args),
    /// Azure admin actions on a VM through its serial console: nmi or reset.
    Azure(azure::Args),
    /// Show the configuration file, sacdoc's folders, and what a target resolves to.
    Config(config::Args),
}

/// Entry point of the binary: returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        None => tui::run(tui::Args::default()),
        Some(Command::Doctor(a)) => doctor::run(a),
        Some(Command::Run(a)) => run::run(a),
        Some(Command::Sac(a)) => run::run_sac(a),
        Some(Command::Parse(a)) => parse::run(a),
        Some(Command::Sim(a)) => sim::run(a),
        Some(Command::Tui(a)) => tui::run(a),
        Some(Command::Replay(a)) => tui::run_replay(a),
        Some(Command::Bench(a)) => bench::run(a),
        Some(Command::Azure(a)) => azure::run(a),
        Some(Command::Config(a)) => config::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sacdoc: {e:#}");
            2
        }
    }
}
