//! The console layer: terminal emulation per channel ([`term`]), the SAC session ([`sac`]: reach
//! `SAC>` from any state, channels, login, typing with echo repair) and the command runner
//! ([`runner`]: one cmd.exe line in a channel, its complete output and exit code on either console
//! style).
//!
//! Uses only the link and transcript layers below it; it never knows which kind of target it
//! talks to: the binary hands it an opener.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod error;
pub mod runner;
pub mod sac;
pub mod term;
