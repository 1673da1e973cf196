//! Terminal emulation of what the console shows: a `vt100` screen per channel, snapshots, and text
//! extraction with console wrapping undone.
//!
//! SAC and its channels assume an 80x24 screen with no scrollback. On Server 2016/2019 a cmd
//! channel is *painted* (cursor positioning and erase-to-end-of-line) instead of streamed, so the
//! only faithful picture of a channel is an emulated screen. Prompt detection and echo checks read
//! [`Snapshot`]s; output capture on streaming consoles reads the byte stream through
//! [`stream_text`].

/// Rows of the SAC screen.
pub const ROWS: u16 = 24;
/// Columns of the SAC screen.
pub const COLS: u16 = 80;

/// An emulated 80x24 VT100 screen fed with every byte received from the console.
pub struct Term {
    parser: vt100::Parser,
    /// Bounds the cost of each escape sequence before the emulator sees it.
    clamp: crate::clamp::CsiClamp,
    scratch: Vec<u8>,
}

impl Default for Term {
    fn default() -> Self {
        Term::new()
    }
}

impl std::fmt::Debug for Term {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Term").field("cursor", &self.cursor()).finish()
    }
}

impl Term {
    /// A blank 24x80 screen.
    pub fn new() -> Term {
        Term {
            parser: vt100::Parser::new(ROWS, COLS, 0),
            clamp: crate::clamp::CsiClamp::new(),
            scratch: Vec::new(),
        }
    }

    /// Feeds received bytes (in any split: escape sequences cut in two are handled).
    pub fn feed(&mut self, bytes: &[u8]) {
        self.scratch.clear();
        self.clamp.filter(bytes, &mut self.scratch);
        self.parser.process(&self.scratch);
    }

    /// The cursor as (row, col), both zero-based.
    pub fn cursor(&self) -> (u16, u16) {
        self.parser.screen().cursor_position()
    }

    /// The text of one row, exactly 80 characters (empty cells are spaces).
    pub fn row_cells(&self, row: u16) -> String {
        let screen = self.parser.screen();
        let mut s = String::with_capacity(usize::from(COLS));
        for col in 0..COLS {
            match screen.cell(row, col) {
                Some(c) if c.is_wide_continuation() => {}
                Some(c) if c.has_contents() => s.push_str(&c.contents()),
                _ => s.push(' '),
            }
        }
        s
    }

    /// The text of one row with trailing spaces removed.
    pub fn row_text(&self, row: u16) -> String {
        self.row_cells(row).trim_end().to_string()
    }

    /// The row text from column 0 up to (not including) the cursor.
    pub fn before_cursor(&self) -> String {
        let (row, col) = self.cursor();
        self.row_cells(row).chars().take(usize::from(col)).collect()
    }

    /// A copy of the whole screen.
    pub fn snapshot(&self) -> Snapshot {
        let screen = self.parser.screen();
        Snapshot {
            rows: (0..ROWS).map(|r| self.row_text(r)).collect(),
            wrapped: (0..ROWS).map(|r| screen.row_wrapped(r)).collect(),
            cursor: self.cursor(),
        }
    }

    /// True when any row contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        (0..ROWS).any(|r| self.row_text(r).contains(needle))
    }

    /// The lowest row whose text starts with `prefix`, searching from the cursor row upwards.
    pub fn find_row_up(&self, prefix: &str) -> Option<u16> {
        let (row, _) = self.cursor();
        (0..=row).rev().find(|&r| self.row_cells(r).starts_with(prefix))
    }

    /// The text typed after a prompt that starts at (`row`, `col`): the cells from there up to the
    /// cursor, rows in between taken whole (the console wraps long input at 80 columns).
    pub fn typed_since(&self, row: u16, col: u16) -> String {
        let (crow, ccol) = self.cursor();
        if crow < row {
            return String::new();
        }
        let mut s = String::new();
        for r in row..=crow {
            let cells: Vec<char> = self.row_cells(r).chars().collect();
            let from = if r == row { usize::from(col) } else { 0 };
            let to = if r == crow { usize::from(ccol) } else { cells.len() };
            if from < to && to <= cells.len() {
                s.extend(&cells[from..to]);
            }
        }
        s
    }
}

/// A copy of the screen at one moment: 24 rows of text (trailing spaces removed), the rows that
/// the terminal wrapped into the next one, and the cursor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Snapshot {
    pub rows: Vec<String>,
    pub wrapped: Vec<bool>,
    pub cursor: (u16, u16),
}

impl Snapshot {
    /// The screen as text: rows joined with `\n`, wrapped rows joined to the next one, trailing
    /// empty rows dropped.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, row) in self.rows.iter().enumerate() {
            out.push_str(row);
            if !self.wrapped.get(i).copied().unwrap_or(false) {
                out.push('\n');
            }
        }
        let trimmed = out.trim_end_matches('\n');
        trimmed.to_string()
    }
}

/// Extracts the text of a console byte stream: decodes UTF-8 leniently, drops escape sequences
/// (CSI, OSC and two-byte ESC sequences), BEL and NUL, applies backspaces to the current line, and
/// normalises line ends to `\r\n` (a lone `\r` that only returns the carriage is dropped when a
/// `\n` follows it anyway).
pub fn stream_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => skip_escape(&mut chars),
            '\x07' | '\0' => {}
            '\x08' => {
                if !out.ends_with('\n') {
                    out.pop();
                }
            }
            '\r' => {
                // Collapse any run of CRs; keep CRLF as the line end.
                while chars.peek() == Some(&'\r') {
                    chars.next();
                }
                if chars.peek() == Some(&'\n') {
                    chars.next();
                    out.push_str("\r\n");
                }
            }
            '\n' => out.push_str("\r\n"),
            c => out.push(c),
        }
    }
    out
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => {
            // Parameters and intermediates, then one final byte in 0x40..=0x7e.
            for c in chars.by_ref() {
                if ('\x40'..='\x7e').contains(&c) {
                    break;
                }
            }
        }
        Some(']') => {
            // OSC: up to BEL or ESC \.
            while let Some(c) = chars.next() {
                if c == '\x07' {
                    break;
                }
                if c == '\x1b' {
                    chars.next();
                    break;
                }
            }
        }
        _ => {}
    }
}

/// Joins lines that the console broke at `width` columns: a line of exactly `width` characters
/// continues on the next line. Lines are separated by `\r\n` in and out.
///
/// A line the command printed with exactly `width` characters is indistinguishable from a wrapped
/// one; callers that must be exact avoid console wrapping instead (see the runner).
pub fn unwrap_at(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let parts: Vec<&str> = text.split("\r\n").collect();
    for (i, part) in parts.iter().enumerate() {
        out.push_str(part);
        if i + 1 < parts.len() && part.chars().count() != width {
            out.push_str("\r\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_text_strips_escapes_and_applies_backspace() {
        let raw = b"\x1b[2J\x1b[1;1Habc\x08 \x08d\r\nline2\x1b[0K\r\r\n\x07end";
        assert_eq!(stream_text(raw), "abd\r\nline2\r\nend");
    }

    #[test]
    fn typed_since_joins_wrapped_rows() {
        let mut t = Term::new();
        t.feed(b"C:\\>");
        let long: String = "x".repeat(100);
        t.feed(long.as_bytes());
        assert_eq!(t.typed_since(0, 4), long);
    }

    #[test]
    fn painted_screen_rows_and_cursor() {
        let mut t = Term::new();
        t.feed(b"\x1b[2J\x1b[3;5Hhello\x1b[K");
        assert_eq!(t.row_text(2), "    hello");
        assert_eq!(t.cursor(), (2, 9));
        assert_eq!(t.before_cursor(), "    hello");
        assert_eq!(t.find_row_up("    he"), Some(2));
    }

    #[test]
    fn snapshot_joins_wrapped_rows() {
        let mut t = Term::new();
        let line = "a".repeat(85);
        t.feed(line.as_bytes());
        t.feed(b"\r\nnext");
        assert_eq!(t.snapshot().text(), format!("{line}\nnext"));
    }

    #[test]
    fn unwrap_joins_full_width_lines() {
        let a = "a".repeat(80);
        let text = format!("{a}\r\nbb\r\ncc");
        assert_eq!(unwrap_at(&text, 80), format!("{a}bb\r\ncc"));
    }
}
