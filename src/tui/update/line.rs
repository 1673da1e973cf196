//! The serial-line habits of tio and PuTTY on the prefix menu: a break, the line-settings
//! dialog, pausing the recording and the timestamp gutter. Each says plainly when the link or
//! the session cannot do it, rather than doing nothing.

use crossterm::event::{KeyCode, KeyEvent};

use super::super::app::{App, Overlay, Tab};
use super::super::event::Command;
use super::super::line_form::{self, LineForm};
use super::{cmd, Effect};

impl App {
    /// Why a link action cannot be asked for now, if it cannot.
    fn link_refusal(&self) -> Option<String> {
        if self.replay.is_some() {
            Some("this is a replay: nothing can be sent".into())
        } else if !self.link.up {
            Some("the link is down: reconnect first (prefix r)".into())
        } else {
            self.job.as_ref().map(|j| format!("busy: {j}"))
        }
    }

    /// Asks the engine for a break; the link's answer comes back as a notice.
    pub(super) fn send_break(&mut self) -> Vec<Effect> {
        if let Some(why) = self.link_refusal() {
            self.message = Some(why);
            return Vec::new();
        }
        cmd(Command::Break(crate::transport::DEFAULT_BREAK))
    }

    /// Opens the dialog prefilled with the link's settings, when it has any to change.
    pub(super) fn line_settings(&mut self) -> Vec<Effect> {
        if let Some(why) = self.link_refusal() {
            self.message = Some(why);
        } else if let Some(s) = &self.link.settings {
            self.overlay = Overlay::LineSettings(LineForm::new(s));
        } else {
            self.message = Some(format!(
                "no line settings to change on {} (serial ports and rfc2217:// have them; \
                 set the speed on the console server)",
                self.link.target
            ));
        }
        Vec::new()
    }

    /// Keys in the dialog: text editing, Enter to check and send, Esc to leave unchanged.
    pub(super) fn line_settings_key(&mut self, k: &KeyEvent) -> Vec<Effect> {
        let Overlay::LineSettings(form) = &mut self.overlay else { return Vec::new() };
        match k.code {
            KeyCode::Esc => {
                self.overlay = Overlay::None;
                self.message = Some("line settings unchanged".into());
            }
            KeyCode::Enter => match line_form::parse(&form.text) {
                Ok(s) => {
                    self.overlay = Overlay::None;
                    return cmd(Command::SetLine(s));
                }
                Err(e) => form.error = Some(e),
            },
            KeyCode::Backspace => {
                form.text.pop();
                form.error = None;
            }
            KeyCode::Char(c) => {
                form.text.push(c);
                form.error = None;
            }
            _ => {}
        }
        Vec::new()
    }

    /// Pauses or resumes the recording (in the same file).
    pub(super) fn toggle_logging(&mut self) -> Vec<Effect> {
        if self.replay.is_some() {
            self.message = Some("this is a replay: nothing is recorded".into());
        } else if self.link.transcript.is_none() {
            self.message = Some("recording is off for this session (--no-record)".into());
        } else {
            self.link.recording_paused = !self.link.recording_paused;
            return cmd(Command::PauseRecording(self.link.recording_paused));
        }
        Vec::new()
    }

    /// Shows or hides the time each console line arrived.
    pub(super) fn toggle_timestamps(&mut self) -> Vec<Effect> {
        self.timestamps = !self.timestamps;
        self.tab = Tab::Console;
        let on = if self.timestamps { "on (over the right edge of each line)" } else { "off" };
        self.message = Some(format!("timestamps {on}"));
        Vec::new()
    }
}
