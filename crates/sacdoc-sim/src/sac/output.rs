//! Where output goes: SAC's own channel, Cmd channels streamed (wrapped at the console width) or
//! painted, and the switch between streaming and painting.

use super::driver::{SacDriver, View};
use super::painter;
use super::text;

impl SacDriver {
    /// Writes SAC channel output: into its screen, and to the wire when SAC is in view.
    pub(super) fn sac_write(&mut self, s: &str) {
        if let Some(Some(ch)) = self.slots.get_mut(0) {
            ch.screen.write(s);
            if self.view == View::Channel(0) {
                self.out.extend_from_slice(s.as_bytes());
            } else {
                ch.unread = true;
            }
        } else {
            self.out.extend_from_slice(s.as_bytes());
        }
    }

    /// An event frame: `\r\n`, the text, `Channel: NAME`, then the prompt.
    pub(super) fn sac_event(&mut self, event: &str, channel: Option<&str>) {
        let mut s = format!("\r\n{event}\r\n");
        if let Some(name) = channel {
            s.push_str(&format!("Channel: {name}\r\n"));
        }
        s.push_str(self.prompt());
        self.sac_write(&s);
    }

    pub(super) fn prompt(&self) -> &'static str {
        if self.crashed {
            text::CRASH_PROMPT
        } else {
            text::PROMPT
        }
    }

    /// Writes a Cmd channel's output: streamed (wrapped at the console width) or, while the
    /// channel paints, only into its screen for the painter.
    pub(super) fn chan_write(&mut self, slot: usize, s: &str) {
        let viewed = self.view == View::Channel(slot);
        let wrap = self.cfg.wrap_cols;
        let Some(Some(ch)) = self.slots.get_mut(slot) else { return };
        let painting = ch.cmd.as_ref().is_some_and(|c| c.painting);
        if painting {
            ch.screen.write(s);
            if !viewed {
                ch.unread = true;
            }
            return;
        }
        let wire = match ch.cmd.as_mut() {
            // The console width follows `mode con cols=N` (the shell's columns).
            Some(cmd) if wrap > 0 => {
                let width = usize::from(cmd.shell.cols).max(1);
                wrap_stream(s, width, &mut cmd.col)
            }
            _ => s.to_string(),
        };
        ch.screen.write(&wire);
        if viewed {
            self.out.extend_from_slice(wire.as_bytes());
        } else {
            ch.unread = true;
        }
    }

    /// Starts painting a channel (2016/2019 after login): from now on its output reaches the
    /// terminal only through the painter.
    pub(super) fn begin_painting(&mut self, slot: usize) {
        if !self.cfg.profile.paints() {
            return;
        }
        let Some(Some(ch)) = self.slots.get_mut(slot) else { return };
        if let Some(cmd) = ch.cmd.as_mut() {
            cmd.painting = true;
        }
        if self.view == View::Channel(slot) {
            self.term = Some(ch.screen.clone());
        }
    }

    /// Stops painting (back to the login prompts): the channel streams again.
    pub(super) fn end_painting(&mut self, slot: usize) {
        if let Some(Some(ch)) = self.slots.get_mut(slot) {
            if let Some(cmd) = ch.cmd.as_mut() {
                cmd.painting = false;
            }
        }
        if self.view == View::Channel(slot) {
            if let Some(Some(ch)) = self.slots.get(slot) {
                // Bring the terminal up to date before streaming resumes.
                if let Some(term) = self.term.take() {
                    let d = painter::diff(&term, &ch.screen);
                    self.out.extend_from_slice(&d);
                }
            }
        }
    }
}

/// Inserts `\r\n` where a streamed line passes the console width, as the console's wrap does.
fn wrap_stream(s: &str, width: usize, col: &mut usize) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut in_esc = 0u8;
    for c in s.chars() {
        match (in_esc, c) {
            (1, '[') => in_esc = 2,
            (1, _) => in_esc = 0,
            (2, c) if c.is_ascii_digit() || c == ';' || c == '?' => {}
            (2, 'H') | (2, 'J') => {
                in_esc = 0;
                *col = 0;
            }
            (2, _) => in_esc = 0,
            (_, '\x1b') => in_esc = 1,
            (_, '\r') => *col = 0,
            (_, '\n') => {}
            (_, '\x08') => *col = col.saturating_sub(1),
            (_, c) if (c as u32) < 0x20 => {}
            _ => {
                if *col >= width {
                    out.push_str("\r\n");
                    *col = 0;
                }
                *col += 1;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_long_lines_only() {
        let mut col = 0;
        let s = wrap_stream(&format!("{}\r\nshort\r\n", "a".repeat(85)), 80, &mut col);
        assert_eq!(s, format!("{}\r\n{}\r\nshort\r\n", "a".repeat(80), "a".repeat(5)));
        let mut col = 0;
        let exact = format!("{}\r\n", "b".repeat(80));
        assert_eq!(wrap_stream(&exact, 80, &mut col), exact);
    }
}
