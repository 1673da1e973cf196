//! The SAC driver: one simulated VM's serial console as a state machine stepped by input bytes and
//! by time. It has no I/O: [`SacDriver::feed`] takes what the client typed, [`SacDriver::tick`]
//! advances timers and the screen painter, [`SacDriver::take_output`] hands over the bytes for the
//! wire. [`super::console::Console`] adds line pacing and faults; links and servers drive that.

use std::time::{Duration, Instant};

use super::channel::{Channel, Kind};
use super::lineedit::{LineEditor, LineEvent};
use super::options::{SimOptions, StartState};
use super::painter;
use super::screen::Screen;
use super::settings::{CmdFailure, NicSetting, SacSettings};
use super::text;
use crate::machine::Machine;
use crate::rng::Rng;

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
    /// What the console printed before the client connected (a fast-forwarded start state),
    /// kept for a link that replays it.
    history: Vec<u8>,
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
    /// Cmd-channel logins refused for a wrong user, domain or password, shared with whoever
    /// holds [`SacDriver::failed_logins`] (a test asserting that noise never costs a lockout).
    pub(super) failed_logins: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

/// How much earlier output a replaying relay sends: Google's serial relay re-sends "up to about
/// 10K characters" (sac-protocol.md §12). GUESS: the exact size, and that it counts bytes.
const HISTORY_BYTES: usize = 10_000;

impl SacDriver {
    /// Bytes of printed output still sent after Ctrl+C (see `SacSettings::ctrlc_keep`).
    pub fn ctrlc_keep(&self) -> usize {
        self.cfg.ctrlc_keep
    }

    /// A live count of the refused cmd-channel logins of this VM.
    pub fn failed_logins(&self) -> std::sync::Arc<std::sync::atomic::AtomicU32> {
        self.failed_logins.clone()
    }

    /// A VM in the state `opts.start` describes, as of `now`. In the `booting` state the banner
    /// is already in the output.
    pub fn new(mut machine: Machine, opts: &SimOptions, now: Instant) -> SacDriver {
        let seed = opts.seed.unwrap_or_else(|| Rng::from_entropy().next_u64());
        let cfg = opts.sac.clone();
        cfg.fit_os(&mut machine);
        let mut d = SacDriver {
            machine,
            nics: cfg.nics.clone(),
            cfg,
            rng: Rng::new(seed),
            out: Vec::new(),
            history: Vec::new(),
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
            failed_logins: Default::default(),
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
            if opts.history {
                // The relay's buffer: the tail of everything the console printed, cut where it
                // falls (an escape sequence may be cut in two, as a byte buffer cuts it).
                let cut = d.history.len().saturating_sub(HISTORY_BYTES);
                d.out = d.history.split_off(cut);
            }
            d.history = Vec::new();
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

    /// A key at `!SAC>`: the same line discipline as `SAC>`, ESC swallowed. GUESS: with no
    /// channels, Esc-Tab is not special; the TAB rings the bell like a lone TAB.
    fn crash_key(&mut self, c: char, now: Instant) {
        match (std::mem::replace(&mut self.esc, EscKey::None), c) {
            (EscKey::None, '\x1b') => self.esc = EscKey::Esc,
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
            StartState::Login
            | StartState::Cmd
            | StartState::Switch
            | StartState::More
            | StartState::Block
            | StartState::Ps
            | StartState::Typed => {
                self.sac_write("cmd\r\n");
                self.sac_write(text::CMD_LAUNCHED);
                self.sac_write(text::PROMPT);
                if let Some(slot) = self.create_cmd_channel(now) {
                    let name = self.slot_name(slot);
                    self.sac_event(text::EV_CHANNEL_CREATED, Some(&name));
                    if !matches!(start, StartState::Login | StartState::Switch) {
                        self.force_login(slot, now);
                    }
                    if start == StartState::Switch {
                        self.show_switch(slot);
                    } else {
                        self.view_channel(slot, now);
                    }
                    // What the person before typed into the channel and left.
                    let left = match start {
                        StartState::More => "netstat -ano | more\r",
                        StartState::Block => "(echo started\r",
                        StartState::Ps => "powershell\r",
                        StartState::Typed => "dir C:\\Win",
                        _ => "",
                    };
                    for c in left.chars() {
                        self.key(c, now);
                    }
                }
            }
        }
        // Nothing on the wire for a client that connects now, unless the link replays it.
        self.history = std::mem::take(&mut self.out);
    }

    pub(super) fn slot_name(&self, slot: usize) -> String {
        self.slots.get(slot).and_then(|c| c.as_ref()).map_or_else(String::new, |c| c.name.clone())
    }
}
