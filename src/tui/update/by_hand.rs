//! The update side of Results for commands typed by hand (the capture itself is in
//! `tui::by_hand`): an Enter after a recognised command starts reading, received bytes and the
//! loop's ticks feed it, and its output lands in Results.

use super::super::app::App;
use super::super::by_hand::{at_cmd_prompt, recognised, Capture, Step};

impl App {
    /// Enter was sent at the cursor (after `typed`, text sacdoc types for the user, not yet on
    /// screen). At a cmd prompt a capture starts; the echo completes the command line when the
    /// user typed it (its last keys may not have been echoed yet). Enter anywhere else leaves a
    /// capture in progress alone (an Enter pressed while a command prints is not a new command).
    pub(super) fn by_hand_enter(&mut self, typed: &str) {
        if self.replay.is_some() {
            return;
        }
        let (_, before) = self.console.live_rows();
        let Some((prompt, shown)) = at_cmd_prompt(&before) else { return };
        self.by_hand = if typed.is_empty() {
            Some(Capture::new(&prompt, &shown, false))
        } else {
            let line = format!("{shown}{typed}");
            recognised(&line).then(|| Capture::new(&prompt, line.trim(), true))
        };
    }

    /// Bytes arrived (already fed to the console).
    pub(super) fn by_hand_bytes(&mut self, b: &[u8]) {
        if self.by_hand.is_none() {
            return;
        }
        let (rows, before) = self.console.live_rows();
        if let Some(c) = &mut self.by_hand {
            let step = c.bytes(b, &rows, &before);
            self.by_hand_step(step);
        }
    }

    /// A tick: a painted screen that is now at rest is read.
    pub(super) fn by_hand_quiet(&mut self) {
        if !self.by_hand.as_ref().is_some_and(Capture::painted) {
            return;
        }
        let (rows, _) = self.console.live_rows();
        if let Some(c) = &mut self.by_hand {
            let step = c.quiet(&rows);
            self.by_hand_step(step);
        }
    }

    fn by_hand_step(&mut self, step: Step) {
        match step {
            Step::Reading => {}
            Step::Done { output, incomplete } => {
                self.by_hand = None;
                let rows = output.output.lines().count();
                let note = if incomplete { ", may lack rows" } else { "" };
                self.message =
                    Some(format!("{}: {rows} lines in Results (4){note}", output.command));
                self.results.add(output, Some(incomplete));
            }
            Step::NotRecognised => self.by_hand = None,
            Step::Dropped(why) => {
                self.by_hand = None;
                self.message = Some(why);
            }
        }
    }
}
