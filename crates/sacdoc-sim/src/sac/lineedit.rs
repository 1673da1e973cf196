//! The line discipline of the `SAC>` prompt (sac-protocol.md §2): echo, CR / LF / CRLF as one
//! Enter, backspace, BEL for a lone TAB, Ctrl-C runs the line, and the 78-character cap.

/// Characters SAC keeps of one line; beyond it each new one replaces the last.
pub const MAX_LINE: usize = 78;

/// What one key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineEvent {
    /// Nothing to show.
    None,
    /// Send these bytes back (echo, `\b \b`, BEL).
    Echo(String),
    /// The line is complete; `echo_crlf` is false for Ctrl-C, which runs the line without `\r\n`.
    Submit { line: String, echo_crlf: bool },
}

/// The line being typed at `SAC>`.
#[derive(Debug, Clone, Default)]
pub struct LineEditor {
    buf: Vec<char>,
    last_cr: bool,
}

impl LineEditor {
    /// Forgets the line (new boot).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.last_cr = false;
    }

    /// The text typed so far.
    pub fn text(&self) -> String {
        self.buf.iter().collect()
    }

    /// Handles one key.
    pub fn key(&mut self, c: char) -> LineEvent {
        let after_cr = std::mem::replace(&mut self.last_cr, false);
        match c {
            '\r' => {
                self.last_cr = true;
                self.submit(true)
            }
            '\n' if after_cr => LineEvent::None,
            '\n' => self.submit(true),
            '\x03' => self.submit(false),
            '\x08' | '\x7f' => match self.buf.pop() {
                Some(_) => LineEvent::Echo("\x08 \x08".into()),
                None => LineEvent::None,
            },
            '\t' => LineEvent::Echo("\x07".into()),
            c if (c as u32) < 0x20 => LineEvent::None,
            c => {
                if self.buf.len() >= MAX_LINE {
                    if let Some(last) = self.buf.last_mut() {
                        *last = c;
                    }
                    LineEvent::Echo(format!("\x08{c}"))
                } else {
                    self.buf.push(c);
                    LineEvent::Echo(c.to_string())
                }
            }
        }
    }

    fn submit(&mut self, echo_crlf: bool) -> LineEvent {
        let line: String = self.buf.drain(..).collect();
        LineEvent::Submit { line, echo_crlf }
    }
}

/// SAC's normalisation before dispatch: strip spaces and tabs at both ends, lower-case A-Z.
pub fn normalize(line: &str) -> String {
    line.trim_matches([' ', '\t']).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(ed: &mut LineEditor, s: &str) -> Vec<LineEvent> {
        s.chars().map(|c| ed.key(c)).filter(|e| *e != LineEvent::None).collect()
    }

    #[test]
    fn crlf_is_one_enter_and_lf_alone_is_one() {
        let mut ed = LineEditor::default();
        let ev = typed(&mut ed, "a\r\nb\n");
        let submits = ev.iter().filter(|e| matches!(e, LineEvent::Submit { .. })).count();
        assert_eq!(submits, 2);
    }

    #[test]
    fn cap_replaces_the_last_character() {
        let mut ed = LineEditor::default();
        typed(&mut ed, &"x".repeat(78));
        assert_eq!(ed.key('y'), LineEvent::Echo("\x08y".into()));
        assert_eq!(ed.text().len(), 78);
        assert!(ed.text().ends_with('y'));
    }
}
