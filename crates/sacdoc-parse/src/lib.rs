//! Parsers: Windows command output (any display language) into typed, serializable results.
//!
//! Every parser is a pure function `&str -> T` with `T: Serialize`; it never panics and never
//! drops a line silently: a non-blank line that does not fit the grammar goes into `unparsed`.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

use serde::Serialize;

pub use prompt::{Command, Run};

/// A line the parser could not place, with its 1-based line number in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unparsed {
    pub line: usize,
    pub text: String,
}

pub mod bcdedit;
pub mod certs;
pub mod firewall;
pub mod icacls;
pub mod messages;
pub mod netstat;
pub mod prompt;
pub mod reg;
pub mod sc;
pub mod services;
pub mod tasklist;
pub mod text;
