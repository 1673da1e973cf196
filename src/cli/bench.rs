//! `sacdoc bench`: bytes over the line and time of the main jobs, printed as figures.
//!
//! Each benchmark lives beside the code it measures; this file only dispatches.

/// Arguments of `sacdoc bench`.
#[derive(Debug, clap::Args, Default)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("sacdoc bench is not implemented yet")
}
