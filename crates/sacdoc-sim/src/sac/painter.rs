//! What SAC sends to make the terminal show a channel's screen.
//!
//! [`redraw`] is the full redraw of `VTUTF8ChannelOFlush` (sac-protocol.md §6.3), used when a
//! channel comes into view. [`diff`] is how the Server 2016/2019 cmd channel keeps the terminal in
//! step: it compares what the terminal shows with the buffer and sends only the changed runs, using
//! nothing but `ESC[r;cH`, text and `ESC[0K` (the sequence set of §6.3). Calling it every paint
//! interval, and only when the line has drained, means fast output skips intermediate screens as it
//! does on real guests.

use super::screen::Screen;

/// Reset of attributes and colours that starts a redraw.
const REDRAW_HEAD: &str = "\x1b[2J\x1b[1;1H\x1b[0m\x1b[22m\x1b[25m\x1b[27m\x1b[40m\x1b[37m";

/// The full redraw of a screen: clear, attributes, row 1, then `ESC[r;1H` + cells for rows 2..,
/// then the cursor position, attributes and colours.
pub fn redraw(screen: &Screen) -> Vec<u8> {
    let mut out = String::with_capacity(screen.rows() * (screen.cols() + 8) + 64);
    out.push_str(REDRAW_HEAD);
    for r in 0..screen.rows() {
        if r > 0 {
            out.push_str(&format!("\x1b[{};1H", r + 1));
        }
        out.extend(screen.row_cells(r).iter());
    }
    let (row, col) = screen.cursor();
    out.push_str(&format!("\x1b[{};{}H", row + 1, col + 1));
    out.push_str("\x1b[22m\x1b[25m\x1b[27m\x1b[40m\x1b[37m");
    out.into_bytes()
}

/// The bytes that turn a terminal showing `term` into one showing `buf` (same size), and leave the
/// cursor where `buf` has it. Empty when nothing differs.
pub fn diff(term: &Screen, buf: &Screen) -> Vec<u8> {
    let mut out = String::new();
    for r in 0..buf.rows() {
        let old = term.row_cells(r);
        let new = buf.row_cells(r);
        let Some(first) = (0..new.len()).find(|&c| old[c] != new[c]) else {
            continue;
        };
        let last_diff = (0..new.len()).rev().find(|&c| old[c] != new[c]).unwrap_or(first);
        let new_end = new.iter().rposition(|&c| c != ' ').map_or(0, |p| p + 1);
        out.push_str(&format!("\x1b[{};{}H", r + 1, first + 1));
        if last_diff >= new_end {
            // The tail of the row becomes blank: write what is left, then erase to end of line.
            out.extend(new[first..new_end.max(first)].iter());
            out.push_str("\x1b[0K");
        } else {
            out.extend(new[first..=last_diff].iter());
        }
    }
    let cursor_moved = term.cursor() != buf.cursor();
    if !out.is_empty() || cursor_moved {
        let (row, col) = buf.cursor();
        out.push_str(&format!("\x1b[{};{}H", row + 1, col + 1));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(bytes: &[u8]) -> String {
        let mut p = vt100::Parser::new(24, 80, 0);
        p.process(bytes);
        let rows: Vec<String> = p.screen().rows(0, 80).collect();
        rows.iter().map(|r| r.trim_end().to_string()).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn redraw_reproduces_the_buffer() {
        let mut s = Screen::new(24, 80);
        s.write("hello\r\nworld");
        assert_eq!(shown(&redraw(&s)), s.text());
    }

    #[test]
    fn diff_only_sends_changes_and_blanks_tails() {
        let mut term = Screen::new(24, 80);
        term.write("abcdef\r\nsecond line");
        let mut buf = term.clone();
        buf.write("\x1b[1;1Habc\x1b[0K\x1b[2;1Hsecond LINE");
        let d = diff(&term, &buf);
        let text = String::from_utf8(d.clone()).unwrap_or_default();
        assert!(text.contains("\x1b[1;4H\x1b[0K"), "{text:?}");
        assert!(text.contains("\x1b[2;8HLINE"), "{text:?}");
        let mut p = vt100::Parser::new(24, 80, 0);
        p.process(&redraw(&term));
        p.process(&d);
        let rows: Vec<String> = p.screen().rows(0, 80).map(|r| r.trim_end().to_string()).collect();
        assert_eq!(rows.join("\n"), buf.text());
        assert_eq!(p.screen().cursor_position(), (1, 11));
    }
}
