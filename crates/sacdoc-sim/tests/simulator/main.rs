//! The simulated Windows Server against the sourced reference.
//!
//! One test binary per group (each file is a module), so the suite links a handful of
//! binaries instead of one per file.

#[path = "../sim_common/mod.rs"]
mod sim_common;
mod sim_faults;
mod sim_machine;
mod sim_sac_channels;
mod sim_sac_cmd;
mod sim_sac_painter;
mod sim_sac_prompt;
mod sim_scenarios;
mod sim_security;
