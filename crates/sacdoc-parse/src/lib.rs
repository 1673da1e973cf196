//! Parsers: Windows command output (any display language) into typed, serializable results.
//!
//! Every parser is a pure function `&str -> T` with `T: Serialize`; it never panics and never
//! drops a line silently: a non-blank line that does not fit the grammar goes into `unparsed`.
//!
//! Input is what people paste, not only what the command printed. Every parser first runs the
//! shared pre-pass of [`text::Ledger`]: prompt and echoed command lines (`C:\>`, `PS C:\>`,
//! `$ `, a bare `reg query ...`) become `commands` (with their line numbers) and split the
//! input into `runs`, so several runs in one paste are read together and every run's errors
//! are kept. Messages are recognised by structure first and named by the sourced tables of
//! [`messages`]; the text as printed is always kept. `netstat`, the output that grows large,
//! can also be read incrementally with [`netstat::Stream`] fed by [`text::LineSplitter`].
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
pub mod certutil;
pub mod dates;
pub mod firewall;
pub mod gpresult;
pub mod icacls;
pub mod messages;
pub mod netstat;
pub mod prompt;
pub mod reg;
pub mod sc;
pub mod services;
pub mod tasklist;
pub mod text;
