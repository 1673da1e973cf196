//! An 80x24 cell buffer with no scrollback: what one SAC channel's screen holds.
//!
//! Text is written the way a VT100 (and the `vt100` crate) would show it: printable characters
//! advance the cursor with a deferred wrap at the last column, CR returns, LF moves down and scrolls
//! at the bottom row, BS moves left. The few sequences SAC and cmd emit (`ESC[2J`, `ESC[H`,
//! `ESC[r;cH`, `ESC[K`, `ESC[J`, `ESC[...m`) are understood; anything else is dropped.

/// One screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    rows: usize,
    cols: usize,
    cells: Vec<char>,
    row: usize,
    /// May equal `cols`: the cursor sits past the last column until the next printable wraps.
    col: usize,
    esc: EscState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum EscState {
    Ground,
    Esc,
    Csi(String),
}

impl Screen {
    /// A blank screen.
    pub fn new(rows: usize, cols: usize) -> Screen {
        let rows = rows.max(1);
        let cols = cols.max(1);
        Screen { rows, cols, cells: vec![' '; rows * cols], row: 0, col: 0, esc: EscState::Ground }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Cursor (row, col), 0-based; col is clamped to the last column.
    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.col.min(self.cols - 1))
    }

    /// The character in a cell (space when out of range).
    pub fn cell(&self, row: usize, col: usize) -> char {
        if row < self.rows && col < self.cols {
            self.cells[row * self.cols + col]
        } else {
            ' '
        }
    }

    /// One row's cells.
    pub fn row_cells(&self, row: usize) -> &[char] {
        let start = row.min(self.rows - 1) * self.cols;
        &self.cells[start..start + self.cols]
    }

    /// One row as text, trailing spaces removed.
    pub fn row_text(&self, row: usize) -> String {
        let s: String = self.row_cells(row).iter().collect();
        s.trim_end().to_string()
    }

    /// All rows as text, trailing spaces removed, joined with `\n`.
    pub fn text(&self) -> String {
        (0..self.rows).map(|r| self.row_text(r)).collect::<Vec<_>>().join("\n")
    }

    /// Clears every cell and homes the cursor.
    pub fn clear(&mut self) {
        self.cells.iter_mut().for_each(|c| *c = ' ');
        self.row = 0;
        self.col = 0;
    }

    /// Writes text (with the control characters and sequences listed in the module docs).
    pub fn write(&mut self, text: &str) {
        for ch in text.chars() {
            self.put(ch);
        }
    }

    fn put(&mut self, ch: char) {
        match std::mem::replace(&mut self.esc, EscState::Ground) {
            EscState::Esc => {
                if ch == '[' {
                    self.esc = EscState::Csi(String::new());
                }
                return;
            }
            EscState::Csi(mut params) => {
                if ch.is_ascii_digit() || ch == ';' || ch == '?' {
                    params.push(ch);
                    self.esc = EscState::Csi(params);
                } else {
                    self.csi(&params, ch);
                }
                return;
            }
            EscState::Ground => {}
        }
        match ch {
            '\x1b' => self.esc = EscState::Esc,
            '\r' => self.col = 0,
            '\n' => self.line_feed(),
            '\x08' => self.col = self.col.min(self.cols - 1).saturating_sub(1),
            '\t' => {
                let next = (self.col / 8 + 1) * 8;
                self.col = next.min(self.cols - 1);
            }
            c if (c as u32) < 0x20 || c == '\x7f' => {}
            c => {
                if self.col >= self.cols {
                    self.col = 0;
                    self.line_feed();
                }
                let at = self.row * self.cols + self.col;
                self.cells[at] = c;
                self.col += 1;
            }
        }
    }

    fn line_feed(&mut self) {
        if self.row + 1 < self.rows {
            self.row += 1;
        } else {
            self.cells.drain(0..self.cols);
            self.cells.extend(std::iter::repeat_n(' ', self.cols));
        }
        if self.col >= self.cols {
            self.col = self.cols - 1;
        }
    }

    fn csi(&mut self, params: &str, fin: char) {
        let nums: Vec<usize> = params.split(';').map(|p| p.parse().unwrap_or(0)).collect();
        let first = nums.first().copied().unwrap_or(0);
        match fin {
            'H' | 'f' => {
                let r = nums.first().copied().unwrap_or(1).max(1);
                let c = nums.get(1).copied().unwrap_or(1).max(1);
                self.row = (r - 1).min(self.rows - 1);
                self.col = (c - 1).min(self.cols - 1);
            }
            'J' => match first {
                2 => self.cells.iter_mut().for_each(|c| *c = ' '),
                1 => {
                    let end = (self.row * self.cols + self.col.min(self.cols - 1) + 1)
                        .min(self.cells.len());
                    self.cells[..end].iter_mut().for_each(|c| *c = ' ');
                }
                _ => {
                    let start = self.row * self.cols + self.col.min(self.cols);
                    let start = start.min(self.cells.len());
                    self.cells[start..].iter_mut().for_each(|c| *c = ' ');
                }
            },
            'K' => {
                let base = self.row * self.cols;
                let col = self.col.min(self.cols);
                let range = match first {
                    1 => base..base + (col + 1).min(self.cols),
                    2 => base..base + self.cols,
                    _ => base + col..base + self.cols,
                };
                self.cells[range].iter_mut().for_each(|c| *c = ' ');
            }
            'A' => self.row = self.row.saturating_sub(first.max(1)),
            'B' => self.row = (self.row + first.max(1)).min(self.rows - 1),
            'C' => self.col = (self.col + first.max(1)).min(self.cols - 1),
            'D' => self.col = self.col.min(self.cols - 1).saturating_sub(first.max(1)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferred_wrap_then_crlf_gives_no_blank_line() {
        let mut s = Screen::new(24, 80);
        s.write(&"x".repeat(80));
        s.write("\r\nnext");
        assert_eq!(s.row_text(0), "x".repeat(80));
        assert_eq!(s.row_text(1), "next");
    }

    #[test]
    fn scrolls_at_bottom_and_handles_sequences() {
        let mut s = Screen::new(3, 10);
        s.write("a\r\nb\r\nc\r\nd");
        assert_eq!(s.text(), "b\nc\nd");
        s.write("\x1b[1;1Hzz\x1b[0K");
        assert_eq!(s.row_text(0), "zz");
        s.write("\x1b[2J\x1b[H");
        assert_eq!(s.text(), "\n\n");
        assert_eq!(s.cursor(), (0, 0));
    }
}
