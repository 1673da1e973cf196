//! The console layer: terminal emulation per channel ([`term`]), the line with its screen and
//! waits ([`line`](mod@line)), typing with echo repair ([`typing`]), the command runner ([`runner`]: one
//! cmd.exe line in a channel, its complete output and exit code on either console style) and the
//! SAC session ([`sac`]: reach `SAC>` from any state, channels, login, and commands through the
//! runner).
//!
//! Inside, dependencies point one way: `term` <- `line` <- `typing` <- [`error`] <- `runner` <-
//! `sac`. The session implements the runner's [`runner::Shell`]; the runner never reaches up to the
//! session. [`error`] holds the session's and the runner's errors together because each can carry
//! the other.
//!
//! Uses only the link and transcript layers below it; it never knows which kind of target it
//! talks to: the binary hands it an opener.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod clamp;
pub mod error;
pub mod line;
pub mod runner;
pub mod sac;
pub mod term;
pub mod typing;
