//! The real binary: run, doctor, parse, sim, the text UI in tmux, Azure admin actions.
//!
//! One test binary per group (each file is a module), so the suite links a handful of
//! binaries instead of one per file.

mod azure_admin_cli;
mod bench_hostile;
mod cli_parse;
mod config_file;
mod conventions;
mod docs_examples;
mod doctor_cli;
mod reconnect_cli;
mod run_cli;
mod run_tmux;
mod secrets;
mod sim_serve;
mod sim_telnet;
#[path = "../support/mod.rs"]
mod support;
mod train_cli;
mod transcripts_cli;
// tmux drives the text UI: Unix only.
#[cfg(unix)]
mod replay_chapters_e2e;
#[cfg(unix)]
mod tmux;
#[cfg(unix)]
mod train_e2e;
#[cfg(unix)]
mod tui_e2e;
#[cfg(unix)]
mod tui_habits_tmux;
#[cfg(unix)]
mod tui_results_tmux;
