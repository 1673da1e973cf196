//! The channel table's entries: SAC's own channel and Cmd channels, each with its 80x24 screen.

use std::collections::VecDeque;
use std::time::Instant;

use super::screen::Screen;
use crate::machine::{Effect, ShellState};

/// What kind of channel a slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sac,
    Cmd,
}

/// One channel.
#[derive(Debug, Clone)]
pub struct Channel {
    pub name: String,
    pub kind: Kind,
    /// This instance's random GUID.
    pub guid: String,
    /// False once the application closed it (kept while it holds unread output).
    pub active: bool,
    /// Output arrived while the channel was not viewed.
    pub unread: bool,
    pub screen: Screen,
    /// Cmd channels only.
    pub cmd: Option<CmdChan>,
}

impl Channel {
    pub fn new(name: String, kind: Kind, guid: String) -> Channel {
        Channel {
            name,
            kind,
            guid,
            active: true,
            unread: false,
            screen: Screen::new(24, 80),
            cmd: None,
        }
    }

    /// `A` or `I`, then `V` (every channel here is VT-UTF8).
    pub fn status(&self) -> &'static str {
        if self.active {
            "AV"
        } else {
            "IV"
        }
    }
}

/// Which login prompt is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginStage {
    User,
    Domain,
    Password,
}

/// Where a Cmd channel's input goes.
#[derive(Debug, Clone)]
pub enum CmdState {
    /// The login prompts.
    Login { stage: LoginStage, user: String, domain: String, password: String },
    /// At the cmd (or PowerShell) prompt, editing a line.
    Ready,
    /// A command runs; its output appears at `done_at` (`None`: only Ctrl+C ends it).
    Running { done_at: Option<Instant>, output: String, effect: Effect, paged: bool, line: String },
    /// `-- More --` is up; `lines` are still to show.
    Paging { lines: VecDeque<String>, effect: Effect, line: String },
}

/// The cmd.exe side of a Cmd channel.
#[derive(Debug, Clone)]
pub struct CmdChan {
    pub shell: ShellState,
    pub state: CmdState,
    pub line: Vec<char>,
    pub last_input: Instant,
    /// When the first prompt after a login appeared (the `eatchars` quirk's window).
    pub prompt_since: Option<Instant>,
    pub last_cr: bool,
    /// Bytes of an escape sequence being skipped by the line editor.
    pub esc: EscSkip,
    /// Keys typed while a command runs, read when it ends.
    pub typeahead: VecDeque<char>,
    /// The screen is painted (2016/2019, after login) rather than streamed.
    pub painting: bool,
    /// Column of the streamed output, for wrapping at the console width.
    pub col: usize,
}

/// State of the escape-sequence skipper of the cmd line editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscSkip {
    None,
    Esc,
    Csi,
}

impl CmdChan {
    pub fn new(now: Instant) -> CmdChan {
        CmdChan {
            shell: ShellState::default(),
            state: CmdState::Login {
                stage: LoginStage::User,
                user: String::new(),
                domain: String::new(),
                password: String::new(),
            },
            line: Vec::new(),
            last_input: now,
            prompt_since: None,
            last_cr: false,
            esc: EscSkip::None,
            typeahead: VecDeque::new(),
            painting: false,
            col: 0,
        }
    }

    /// Back to the login prompts (lock, idle timeout).
    pub fn relogin(&mut self) {
        self.state = CmdState::Login {
            stage: LoginStage::User,
            user: String::new(),
            domain: String::new(),
            password: String::new(),
        };
        self.line.clear();
        self.typeahead.clear();
        self.painting = false;
    }

    pub fn logged_in(&self) -> bool {
        !matches!(self.state, CmdState::Login { .. })
    }
}
