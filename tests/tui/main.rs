//! The text UI: snapshots of every state and the results views.
//!
//! One test binary per group (each file is a module), so the suite links a handful of
//! binaries instead of one per file.

mod screen;
mod tui_line_habits;
mod tui_overlays;
mod tui_results;
mod tui_snapshots;
mod tui_terminal_habits;
mod tui_training;
