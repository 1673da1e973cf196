//! sacdoc: diagnose and repair the Windows Remote Desktop "An internal error has occurred" failure
//! over the serial console (Windows EMS and its Special Administration Console, SAC).
//!
//! The engine (everything but [`tui`]) has no screen: the headless CLI and the text UI call the same
//! functions. Bytes flow one way: [`transport`] -> [`transcript`] tee -> [`term`] / [`sac`] ->
//! [`runner`] -> [`parse`] -> [`doctor`]; writes go back down the same path so every byte sent is
//! recorded too. [`sim`] is a simulated Windows Server behind SAC, served over the same transports.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod cli;
pub mod config;
pub mod paths;
pub mod target;
pub mod train;
pub mod tui;

// The layers below, under the names the binary and its tests use for them.
pub use sacdoc_console::{line, runner, sac, term, typing};
pub use sacdoc_doctor as doctor;
pub use sacdoc_link as transport;
pub use sacdoc_parse as parse;
pub use sacdoc_sim as sim;
pub use sacdoc_transcript as transcript;
