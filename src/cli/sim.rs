//! `sacdoc sim`.
//!
//! STUB: owned by the sim work.

/// Arguments of `sacdoc sim`.
#[derive(Debug, clap::Args, Default)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("sacdoc sim is not implemented yet")
}
