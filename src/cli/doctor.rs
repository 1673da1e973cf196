//! `sacdoc doctor`.
//!
//! STUB: owned by the doctor work.

/// Arguments of `sacdoc doctor`.
#[derive(Debug, clap::Args, Default)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("sacdoc doctor is not implemented yet")
}
