//! The console as the UI shows it: an emulated 80x24 VT100 screen (the vt100 crate) fed with every
//! byte received, with a scrollback so the history survives a lost link, a reconnect and a
//! painted console that scrolls nothing.

use std::time::Instant;

/// Rows of history kept above the screen.
pub const SCROLLBACK: usize = 2000;

/// The emulated screen of the channel in view.
pub struct Console {
    parser: vt100::Parser,
    /// Bounds what one escape sequence from the VM costs the emulator (see `sacdoc_console::clamp`).
    clamp: sacdoc_console::clamp::CsiClamp,
    scratch: Vec<u8>,
    /// How many rows the view is scrolled back into history (0 = live).
    pub scroll: usize,
    /// When each row of the live screen last got its present text (`None`: blank), for the
    /// timestamps; a row that only moved (the screen scrolled) keeps its time.
    stamps: Vec<Option<Instant>>,
    /// The live rows' text at the last feed, to tell moved rows from new ones.
    rows: Vec<String>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").field("scroll", &self.scroll).finish()
    }
}

impl Default for Console {
    fn default() -> Self {
        Console::new()
    }
}

impl Console {
    pub fn new() -> Console {
        Console {
            parser: vt100::Parser::new(crate::term::ROWS, crate::term::COLS, SCROLLBACK),
            clamp: sacdoc_console::clamp::CsiClamp::new(),
            scratch: Vec::new(),
            scroll: 0,
            stamps: vec![None; usize::from(crate::term::ROWS)],
            rows: vec![String::new(); usize::from(crate::term::ROWS)],
        }
    }

    /// Feeds received bytes (escape sequences may be split anywhere).
    pub fn feed(&mut self, bytes: &[u8]) {
        self.scratch.clear();
        self.clamp.filter(bytes, &mut self.scratch);
        self.parser.process(&self.scratch);
        // New output follows the live screen unless the user is reading history.
        if self.scroll > 0 {
            self.parser.set_scrollback(self.scroll);
        }
    }

    /// Feeds bytes that arrived at `at`, and stamps the rows they changed with it.
    pub fn feed_at(&mut self, bytes: &[u8], at: Instant) {
        self.feed(bytes);
        let (rows, _) = self.live_rows();
        let mut stamps = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let stamp = if row.trim().is_empty() {
                None
            } else if self.rows.get(i) == Some(row) {
                self.stamps.get(i).copied().flatten()
            } else {
                // The same text elsewhere on the last screen: the row moved, it did not arrive.
                match self.rows.iter().position(|r| r == row) {
                    Some(j) => self.stamps.get(j).copied().flatten(),
                    None => Some(at),
                }
            };
            stamps.push(stamp);
        }
        self.stamps = stamps;
        self.rows = rows;
    }

    /// When the live screen's row `row` got its text, if it has any.
    pub fn stamp(&self, row: u16) -> Option<Instant> {
        self.stamps.get(usize::from(row)).copied().flatten()
    }

    /// The screen as vt100 shows it (scrolled back when `scroll > 0`).
    pub fn screen(&self) -> &vt100::Screen {
        self.parser.screen()
    }

    /// Scrolls the view into history by `delta` rows (negative: towards the live screen).
    pub fn scroll_by(&mut self, delta: isize) {
        let want = (self.scroll as isize + delta).max(0) as usize;
        self.parser.set_scrollback(want);
        self.scroll = self.parser.screen().scrollback();
    }

    /// Whether the live screen's cursor sits after a password prompt (SAC's `Password:`, with the
    /// stars it echoes for what was typed so far): what is typed there is a secret.
    pub fn at_password_prompt(&self) -> bool {
        let screen = self.parser.screen();
        let (row, col) = screen.cursor_position();
        let line = screen.contents_between(row, 0, row, col);
        is_password_prompt(&line)
    }

    /// The live screen's rows (whatever history the view shows) and the text before the cursor
    /// on the cursor's row: what a capture of a command typed by hand reads.
    pub fn live_rows(&mut self) -> (Vec<String>, String) {
        let scroll = self.scroll;
        self.parser.set_scrollback(0);
        let screen = self.parser.screen();
        let rows: Vec<String> = screen.rows(0, crate::term::COLS).collect();
        let (row, col) = screen.cursor_position();
        let before = screen.contents_between(row, 0, row, col);
        self.parser.set_scrollback(scroll);
        (rows, before)
    }

    /// Back to the live screen.
    pub fn live(&mut self) {
        self.parser.set_scrollback(0);
        self.scroll = 0;
    }

    /// The text of the screen (trailing spaces trimmed), for tests and logs.
    pub fn text(&self) -> String {
        self.parser.screen().contents()
    }
}

/// Whether a line ends in a password prompt, after the stars echoed so far: SAC's `Password:`
/// (English on every display language) and what Windows asks by hand, e.g. `runas` ("Enter the
/// password for NAME:"), `net user NAME *` ("Type a password for the user:", "Retype the password
/// to confirm:"), PowerShell's `Get-Credential` ("Password for user NAME:"), in the languages
/// sacdoc reads: a prompt (ending in a colon) that names a password.
pub fn is_password_prompt(line: &str) -> bool {
    const WORDS: [&str; 12] = [
        "password",
        "passwort",
        "kennwort",
        "mot de passe",
        "contraseña",
        "senha",
        "palavra-passe",
        "пароль",
        "パスワード",
        "密码",
        "암호",
        "비밀번호",
    ];
    let rest = line.trim_end_matches(['*', ' ']).to_lowercase();
    let Some(head) = rest.strip_suffix(':').or_else(|| rest.strip_suffix('：')) else {
        return false;
    };
    // A row that holds a shell prompt (`C:\...>`, `PS C:\...>`) is a command being typed, such
    // as `echo password:`; Windows asks for a password on a row of its own.
    let shell = head.contains(":\\") && head.contains('>');
    !shell && WORDS.iter().any(|w| head.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_huge_inserts_does_not_freeze_the_view() {
        let mut c = Console::new();
        c.feed(&b"\x1b[99999@".repeat(1000));
        c.feed(b"still here");
        assert!(c.parser.screen().contents().contains("still here"));
    }
}
