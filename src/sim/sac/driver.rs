//! The SAC driver: one simulated VM's serial console as a state machine stepped by input bytes and
//! by time. It has no I/O: [`SacDriver::feed`] takes what the client typed, [`SacDriver::tick`]
//! advances timers and the screen painter, [`SacDriver::take_output`] hands over the bytes for the
//! wire. [`super::console::Console`] adds line pacing and faults; links and servers drive that.

use std::time::{Duration, Instant};

use super::channel::{Channel, Kind};
use super::lineedit::{LineEditor, LineEvent};
use super::options::{SimOptions, StartState};
use super::painter;
use super::rng::Rng;
use super::screen::Screen;
use super::settings::{CmdFailure, NicSetting, SacSettings};
use super::text;
use crate::sim::machine::Machine;

/// Power state of the VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    On,
    /// Between going down and the next banner.
    Rebooting,
    /// Shut down: the link closes.
    Off,
}

/// What the terminal is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// A channel's own screen.
    Channel(usize),
    /// A channel's switch screen.
    Switch(usize),
}

/// Progress of the Esc-Tab key sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EscKey {
    None,
    Esc,
    /// ESC TAB just moved to a switch screen: a `0` now goes to SAC's.
    EscTab,
}

/// Timed actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Timer {
    CmdAvailable,
    ChannelCreated(String),
    PowerOn,
    PowerOff,
    Reboot,
}

/// One simulated VM's SAC.
#[derive(Debug)]
pub struct SacDriver {
    pub(super) machine: Machine,
    pub(super) cfg: SacSettings,
    pub(super) rng: Rng,
    pub(super) out: Vec<u8>,
    pub(super) power: Power,
    pub(super) crashed: bool,
    /// After `q` at `!SAC>`: the port no longer answers.
    pub(super) crash_quit: bool,
    pub(super) booted_at: Instant,
    pub(super) cmd_available: bool,
    pub(super) slots: Vec<Option<Channel>>,
    pub(super) view: View,
    pub(super) esc: EscKey,
    /// What the terminal shows while a painting channel is in view.
    pub(super) term: Option<Screen>,
    pub(super) next_paint: Instant,
    pub(super) sac_line: LineEditor,
    pub(super) timers: Vec<(Instant, Timer)>,
    pub(super) next_cmd_number: u32,
    pub(super) paging: bool,
    pub(super) thread_info: bool,
    pub(super) clock_offset_s: i64,
    pub(super) last_key: Option<(char, Instant)>,
    pub(super) reboot_fault_armed: bool,
    pub(super) next_health: Instant,
    pub(super) nics: Vec<NicSetting>,
    pub(super) lowered: Vec<u32>,
    /// Lines of a long SAC output still to show after `----Press <Enter> for more----`.
    pub(super) sac_more: Option<std::collections::VecDeque<String>>,
    /// The key before the current one (an LF right after a CR is not a second Enter).
    pub(super) prev_key: char,
    utf8: Vec<u8>,
}

impl SacDriver {
    /// A VM in the state `opts.start` describes, as of `now`. In the `booting` state the banner
    /// is already in the output.
    pub fn new(machine: Machine, opts: &SimOptions, now: Instant) -> SacDriver {
        let seed = opts.seed.unwrap_or_else(|| Rng::from_entropy().next_u64());
        let cfg = opts.sac.clone();
        let mut d = SacDriver {
            machine,
            nics: cfg.nics.clone(),
            cfg,
            rng: Rng::new(seed),
            out: Vec::new(),
            power: Power::On,
            crashed: false,
            crash_quit: false,
            booted_at: now,
            cmd_available: false,
            slots: Vec::new(),
            view: View::Channel(0),
            esc: EscKey::None,
            term: None,
            next_paint: now,
            sac_line: LineEditor::default(),
            timers: Vec::new(),
            next_cmd_number: 1,
            paging: true,
            thread_info: false,
            clock_offset_s: 0,
            last_key: None,
            reboot_fault_armed: opts.faults.reboot_mid_command,
            next_health: now,
            lowered: Vec::new(),
            sac_more: None,
            prev_key: '\0',
            utf8: Vec::new(),
        };
        if d.cfg.health_report {
            return d;
        }
        d.boot(now);
        if opts.start != StartState::Booting {
            d.fast_forward(opts.start, now);
        }
        d
    }

    /// The settings in force.
    pub fn settings(&self) -> &SacSettings {
        &self.cfg
    }

    /// The simulated machine (read-only).
    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    pub fn power(&self) -> Power {
        self.power
    }

    pub fn view(&self) -> View {
        self.view
    }

    /// A channel's screen buffer, by slot.
    pub fn screen(&self, slot: usize) -> Option<&Screen> {
        self.slots.get(slot)?.as_ref().map(|c| &c.screen)
    }

    /// Names of the open channels by slot.
    pub fn channel_names(&self) -> Vec<(usize, String)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().map(|c| (i, c.name.clone())))
            .collect()
    }

    /// True once the VM is off (the link should close when the output is drained).
    pub fn is_off(&self) -> bool {
        self.power == Power::Off
    }

    /// The bytes produced since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// When something will happen without input (a timer, the painter), if anything.
    pub fn next_deadline(&self) -> Option<Instant> {
        let mut t = self.timers.iter().map(|(t, _)| *t).min();
        if self.term.is_some() {
            t = Some(t.map_or(self.next_paint, |x| x.min(self.next_paint)));
        }
        t
    }

    /// What the client typed.
    pub fn feed(&mut self, bytes: &[u8], now: Instant) {
        for &b in bytes {
            if let Some(c) = self.decode(b) {
                self.key(c, now);
            }
        }
    }

    /// Incremental UTF-8 decoding of input; invalid bytes become U+FFFD.
    fn decode(&mut self, b: u8) -> Option<char> {
        if self.utf8.is_empty() && b < 0x80 {
            return Some(b as char);
        }
        self.utf8.push(b);
        match std::str::from_utf8(&self.utf8) {
            Ok(s) => {
                let c = s.chars().next();
                self.utf8.clear();
                c
            }
            Err(e) if e.error_len().is_some() || self.utf8.len() >= 4 => {
                self.utf8.clear();
                Some('\u{FFFD}')
            }
            Err(_) => None,
        }
    }

    fn key(&mut self, c: char, now: Instant) {
        let prev = std::mem::replace(&mut self.prev_key, c);
        if self.sac_more.is_some() && c == '\n' && prev == '\r' {
            return;
        }
        if self.power != Power::On || self.cfg.health_report || self.crash_quit {
            return;
        }
        if self.crashed {
            self.crash_key(c, now);
            return;
        }
        match std::mem::replace(&mut self.esc, EscKey::None) {
            EscKey::Esc => {
                if c == '\t' {
                    self.switch_next(now);
                    self.esc = EscKey::EscTab;
                    return;
                }
                match self.view {
                    View::Channel(i) if i > 0 => {
                        self.cmd_key(i, '\x1b', now);
                        self.cmd_key(i, c, now);
                    }
                    View::Switch(i) => self.view_channel(i, now),
                    // At SAC> the ESC is swallowed and the key handled as usual.
                    View::Channel(_) => self.sac_key(c, now),
                }
                return;
            }
            EscKey::EscTab if c == '0' && matches!(self.view, View::Switch(_)) => {
                self.show_switch(0);
                return;
            }
            _ => {}
        }
        if c == '\x1b' {
            self.esc = EscKey::Esc;
            return;
        }
        match self.view {
            View::Switch(i) => self.view_channel(i, now),
            View::Channel(0) => self.sac_key(c, now),
            View::Channel(i) => {
                if self.keep_key(c, now) {
                    self.cmd_key(i, c, now);
                }
            }
        }
    }

    /// The `dropkeys` quirk: a key equal to the previous one within the window is lost.
    fn keep_key(&mut self, c: char, now: Instant) -> bool {
        if self.cfg.dropkeys {
            let window = Duration::from_millis(self.cfg.dropkeys_ms);
            if let Some((last, at)) = self.last_key {
                if last == c && now.duration_since(at) < window {
                    return false;
                }
            }
            self.last_key = Some((c, now));
        }
        true
    }

    /// A key at `!SAC>`: ESC is swallowed as at `SAC>`. GUESS: with no channels to switch to,
    /// the whole Esc-Tab-0 sequence does nothing.
    fn crash_key(&mut self, c: char, now: Instant) {
        match (std::mem::replace(&mut self.esc, EscKey::None), c) {
            (_, '\x1b') => self.esc = EscKey::Esc,
            (EscKey::Esc, '\t') => self.esc = EscKey::EscTab,
            (EscKey::EscTab, '0') => {}
            _ => self.sac_key(c, now),
        }
    }

    /// A key at the `SAC>` (or `!SAC>`) prompt.
    fn sac_key(&mut self, c: char, now: Instant) {
        if self.sac_more.is_some() {
            self.sac_more_key(c);
            return;
        }
        match self.sac_line.key(c) {
            LineEvent::None => {}
            LineEvent::Echo(s) => self.sac_write(&s),
            LineEvent::Submit { line, echo_crlf } => {
                if echo_crlf {
                    self.sac_write("\r\n");
                }
                self.run_sac_line(&line, now);
            }
        }
    }

    /// Advances time: timers, command completions, idle timeouts, the painter. `line_idle` says
    /// whether everything sent so far has left the line (the painter waits for it).
    pub fn tick(&mut self, now: Instant, line_idle: bool) {
        if self.cfg.health_report {
            if now >= self.next_health {
                self.health_report();
                self.next_health = now + Duration::from_secs(self.cfg.health_interval_s.max(1));
            }
            return;
        }
        self.run_timers(now);
        if self.power == Power::On && !self.crashed {
            self.tick_channels(now);
        }
        if let (View::Channel(i), true) = (self.view, line_idle) {
            if now >= self.next_paint {
                self.paint(i);
                self.next_paint = now + Duration::from_millis(self.cfg.paint_ms.max(1));
            }
        }
    }

    fn paint(&mut self, slot: usize) {
        let Some(term) = self.term.as_mut() else { return };
        let Some(Some(ch)) = self.slots.get(slot) else { return };
        let d = painter::diff(term, &ch.screen);
        if !d.is_empty() {
            *term = ch.screen.clone();
            self.out.extend_from_slice(&d);
        }
    }

    fn run_timers(&mut self, now: Instant) {
        while let Some(pos) = self.timers.iter().position(|(t, _)| *t <= now) {
            let (_, timer) = self.timers.remove(pos);
            match timer {
                Timer::CmdAvailable => {
                    if self.power == Power::On && !self.crashed {
                        self.cmd_available = true;
                        self.sac_event(text::EV_CMD_AVAILABLE, None);
                    }
                }
                Timer::ChannelCreated(name) => {
                    if self.power == Power::On && !self.crashed {
                        self.sac_event(text::EV_CHANNEL_CREATED, Some(&name));
                    }
                }
                Timer::Reboot => self.go_down(now, true),
                Timer::PowerOn => self.boot(now),
                Timer::PowerOff => {
                    self.power = Power::Off;
                    self.timers.clear();
                }
            }
        }
    }

    pub(super) fn add_timer(&mut self, at: Instant, t: Timer) {
        self.timers.push((at, t));
    }

    /// Starts the machine: banner, fresh channel table, the CMD-available event later.
    pub(super) fn boot(&mut self, now: Instant) {
        self.power = Power::On;
        self.crashed = false;
        self.crash_quit = false;
        self.booted_at = now;
        self.cmd_available = false;
        self.machine.boot();
        self.slots = vec![None; self.cfg.max_channels.clamp(1, 10)];
        let guid = self.rng.guid();
        self.slots[0] = Some(Channel::new("SAC".into(), Kind::Sac, guid));
        self.view = View::Channel(0);
        self.esc = EscKey::None;
        self.term = None;
        self.sac_line.reset();
        self.lowered.clear();
        self.sac_more = None;
        self.sac_write(text::BANNER);
        if self.cfg.cmd_failure != CmdFailure::NotRegistered {
            let at = now + Duration::from_millis(self.cfg.cmd_delay_ms);
            self.add_timer(at, Timer::CmdAvailable);
        }
    }

    /// Takes the machine down; with `restart`, the next banner follows after the restart delay.
    pub(super) fn go_down(&mut self, now: Instant, restart: bool) {
        self.timers.clear();
        self.slots.iter_mut().for_each(|s| *s = None);
        self.term = None;
        self.esc = EscKey::None;
        self.power = if restart { Power::Rebooting } else { Power::Off };
        if restart {
            let at = now + Duration::from_millis(self.cfg.restart_delay_ms);
            self.add_timer(at, Timer::PowerOn);
        }
    }

    /// Puts the VM straight into a later console state, with nothing on the wire (a client that
    /// connects mid-session sees nothing until it types).
    fn fast_forward(&mut self, start: StartState, now: Instant) {
        self.timers.retain(|(_, t)| *t != Timer::CmdAvailable);
        if self.cfg.cmd_failure != CmdFailure::NotRegistered {
            self.cmd_available = true;
            self.sac_event(text::EV_CMD_AVAILABLE, None);
        }
        match start {
            StartState::Booting | StartState::Sac => {}
            StartState::Crashed => self.crash(),
            StartState::Login | StartState::Cmd | StartState::Switch => {
                self.sac_write("cmd\r\n");
                self.sac_write(text::CMD_LAUNCHED);
                self.sac_write(text::PROMPT);
                if let Some(slot) = self.create_cmd_channel(now) {
                    let name = self.slot_name(slot);
                    self.sac_event(text::EV_CHANNEL_CREATED, Some(&name));
                    if start == StartState::Cmd {
                        self.force_login(slot, now);
                    }
                    if start == StartState::Switch {
                        self.show_switch(slot);
                    } else {
                        self.view_channel(slot, now);
                    }
                }
            }
        }
        self.out.clear();
    }

    pub(super) fn slot_name(&self, slot: usize) -> String {
        self.slots.get(slot).and_then(|c| c.as_ref()).map_or_else(String::new, |c| c.name.clone())
    }

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
            Some(cmd) if wrap > 0 => wrap_stream(s, wrap, &mut cmd.col),
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
    fn leave_view(&mut self) {
        let (View::Channel(i) | View::Switch(i)) = self.view;
        if let Some(slot) = self.slots.get_mut(i) {
            if slot.as_ref().is_some_and(|c| !c.active && !c.unread) {
                *slot = None;
            }
        }
        self.term = None;
    }

    /// Esc-Tab: the switch screen of the next channel that is active or has unread output.
    fn switch_next(&mut self, _now: Instant) {
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
        ch.cmd = Some(super::channel::CmdChan::new(now));
        self.slots[slot] = Some(ch);
        self.chan_write(slot, &format!("{}{}", text::LOGIN_HEAD, text::LOGIN_USER));
        if let Some(Some(ch)) = self.slots.get_mut(slot) {
            ch.unread = false;
        }
        Some(slot)
    }

    /// The Azure "VM Health Report" that replaces SAC when SAC is not enabled (§1.4).
    fn health_report(&mut self) {
        let (secs, ms) = super::clock::now_unix();
        let (y, mo, d, h, mi, s) = super::clock::civil(secs);
        let ts = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}0000Z");
        let name = self.machine_info().computer_name;
        let ip = match self.nics.first() {
            Some(n) => n.ip.clone(),
            None => self.machine.nics().first().map_or_else(String::new, |n| n.0.clone()),
        };
        // GUESS: the report's fields past the first ones are not published; a plausible subset.
        let json = serde_json::json!({
            "reportTime": ts,
            "networkAdapters": [{"name": "Ethernet 2", "ipAddresses": [ip], "status": "Up"}],
            "computerName": name,
            "remoteAccess": {"rdpEnabled": true, "rdpPort": 3389},
        });
        let s = format!(
            "======== Microsoft Azure VM Health Report - Start {ts} ========\r\n{json}\r\n\
             ======== Microsoft Azure VM Health Report - End {ts} ========\r\n"
        );
        self.out.extend_from_slice(s.as_bytes());
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
