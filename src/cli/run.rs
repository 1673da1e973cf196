//! `sacdoc run` and `sacdoc sac`.
//!
//! STUB: owned by the client-core work.

/// Arguments of `sacdoc run`.
#[derive(Debug, clap::Args, Default)]
pub struct RunArgs {}

/// Arguments of `sacdoc sac`.
#[derive(Debug, clap::Args, Default)]
pub struct SacArgs {}

pub fn run(_args: RunArgs) -> anyhow::Result<i32> {
    anyhow::bail!("sacdoc run is not implemented yet")
}

pub fn run_sac(_args: SacArgs) -> anyhow::Result<i32> {
    anyhow::bail!("sacdoc sac is not implemented yet")
}
