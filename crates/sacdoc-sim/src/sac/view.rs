//! What the terminal shows: channel-switch screens, Esc-Tab, viewing a channel (full redraw),
//! creating and closing channels.

use std::time::Instant;

use super::channel::{Channel, CmdChan, Kind};
use super::driver::{SacDriver, View};
use super::painter;
use super::text;

impl SacDriver {
    /// Shows a channel's switch screen (§5.2).
    pub(super) fn show_switch(&mut self, slot: usize) {
        self.leave_view();
        let Some(Some(ch)) = self.slots.get(slot) else { return };
        let (desc, app) = match ch.kind {
            Kind::Sac => ("Special Administration Console", text::SAC_APP_GUID),
            Kind::Cmd => (self.cfg.cmd_description.as_str(), text::CMD_APP_GUID),
        };
        // GUESS: the switch screen starts with a clear and cursor home (sac-protocol.md §5.2).
        let s = format!(
            "\x1b[2J\x1b[H\
             Name:                  {}\r\n\
             Description:           {desc}\r\n\
             Type:                  VT-UTF8\r\n\
             Channel GUID:          {}\r\n\
             Application Type GUID: {app}\r\n\
             \r\n\
             Press <esc><tab> for next channel.\r\n\
             Press <esc><tab>0 to return to the SAC channel.\r\n\
             Use any other key to view this channel.\r\n\
             \r\n",
            ch.name, ch.guid
        );
        self.out.extend_from_slice(s.as_bytes());
        self.view = View::Switch(slot);
    }

    /// Leaves the current view; a closed channel whose output has now been seen is released.
    pub(super) fn leave_view(&mut self) {
        let (View::Channel(i) | View::Switch(i)) = self.view;
        if let Some(slot) = self.slots.get_mut(i) {
            if slot.as_ref().is_some_and(|c| !c.active && !c.unread) {
                *slot = None;
            }
        }
        self.term = None;
    }

    /// Esc-Tab: the switch screen of the next channel that is active or has unread output.
    pub(super) fn switch_next(&mut self, _now: Instant) {
        let n = self.slots.len();
        let cur = match self.view {
            View::Channel(i) | View::Switch(i) => i,
        };
        for step in 1..=n {
            let i = (cur + step) % n;
            if self.slots[i].as_ref().is_some_and(|c| c.active || c.unread) {
                self.show_switch(i);
                return;
            }
        }
    }

    /// Views a channel: full redraw from its buffer (§6.3).
    pub(super) fn view_channel(&mut self, slot: usize, now: Instant) {
        let Some(Some(ch)) = self.slots.get_mut(slot) else {
            self.show_switch(0);
            return;
        };
        ch.unread = false;
        let bytes = painter::redraw(&ch.screen);
        let painting = ch.cmd.as_ref().is_some_and(|c| c.painting);
        if let Some(cmd) = ch.cmd.as_mut() {
            cmd.last_input = now;
        }
        let screen = ch.screen.clone();
        self.out.extend_from_slice(&bytes);
        self.view = View::Channel(slot);
        self.term = painting.then_some(screen);
        self.next_paint = now;
    }

    /// Closes a channel: the close event, and back to SAC's switch screen if it was in view.
    pub(super) fn close_channel(&mut self, slot: usize) {
        let name = self.slot_name(slot);
        let viewed = matches!(self.view, View::Channel(i) | View::Switch(i) if i == slot);
        if let Some(s) = self.slots.get_mut(slot) {
            match s {
                Some(ch) if ch.unread && !viewed => ch.active = false,
                _ => *s = None,
            }
        }
        if viewed {
            self.term = None;
            self.show_switch(0);
        }
        self.sac_event(text::EV_CHANNEL_CLOSED, Some(&name));
    }

    /// Creates a Cmd channel in the first free slot, showing the login prompts in its buffer.
    pub(super) fn create_cmd_channel(&mut self, now: Instant) -> Option<usize> {
        let slot = self.slots.iter().position(Option::is_none)?;
        let name = format!("Cmd{:04}", self.next_cmd_number);
        self.next_cmd_number += 1;
        let guid = self.rng.guid();
        let mut ch = Channel::new(name, Kind::Cmd, guid);
        let mut cmd = CmdChan::new(now);
        if self.cfg.wrap_cols > 0 {
            cmd.shell.cols = u16::try_from(self.cfg.wrap_cols).unwrap_or(u16::MAX);
        }
        ch.cmd = Some(cmd);
        self.slots[slot] = Some(ch);
        self.chan_write(slot, &format!("{}{}", text::LOGIN_HEAD, text::LOGIN_USER));
        if let Some(Some(ch)) = self.slots.get_mut(slot) {
            ch.unread = false;
        }
        Some(slot)
    }
}
