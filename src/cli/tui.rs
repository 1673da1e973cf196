//! `sacdoc tui` and `sacdoc replay`.
//!
//! STUB: owned by the TUI work.

/// Arguments of `sacdoc tui`.
#[derive(Debug, clap::Args, Default)]
pub struct Args {}

/// Arguments of `sacdoc replay`.
#[derive(Debug, clap::Args, Default)]
pub struct ReplayArgs {}

pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("sacdoc tui is not implemented yet")
}

pub fn run_replay(_args: ReplayArgs) -> anyhow::Result<i32> {
    anyhow::bail!("sacdoc replay is not implemented yet")
}
