//! The SAC driver as Windows behaves on the wire: banner, `SAC>` line discipline, commands, events,
//! channels, switch screens, cmd-channel login, output profiles and quirks.
//!
//! Layers, innermost first:
//! - [`screen::Screen`]: an 80x24 cell buffer per channel; [`painter`] turns buffers into bytes
//!   (full redraw on view; the 2016/2019 diff painter).
//! - [`driver::SacDriver`]: the state machine, stepped by input bytes and by time, no I/O
//!   (commands in `commands`, Cmd channels in `cmdchan`).
//! - [`console::Console`]: the driver plus faults ([`crate::faults`]) and the line's pace.
//!
//! Behaviour follows `shared/reference/sac-protocol.md`; anything not documented there is marked
//! `GUESS:` and is a field of [`SacSettings`] or a query key of [`options::SimOptions`].

mod channel;
pub mod clock;
mod cmdchan;
mod commands;
pub mod console;
pub mod driver;
mod health;
pub mod lineedit;
pub mod options;
mod output;
pub mod painter;
pub mod screen;
pub mod settings;
pub mod text;
mod view;

pub use console::{Console, Polled};
pub use driver::{Power, SacDriver, View};
pub use options::{SimOptions, StartState, KNOWN_KEYS};
pub use settings::{CmdFailure, NicSetting, Profile, SacSettings};

pub use commands::dispatch;
