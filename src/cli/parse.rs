//! `sacdoc parse`.
//!
//! STUB: owned by the parse work.

/// Arguments of `sacdoc parse`.
#[derive(Debug, clap::Args, Default)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("sacdoc parse is not implemented yet")
}
