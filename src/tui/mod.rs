//! The native text UI (ratatui + crossterm). Nothing outside this module imports either crate.
//!
//! STUB: owned by the TUI work.
