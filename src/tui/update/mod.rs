//! The one function that changes the UI's state: [`App::update`] applies one [`Event`] and
//! returns the [`Effect`]s the loop must carry out (commands for the engine, a connection to
//! open). Keys map to [`Action`]s through the table in `keys.rs`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

mod admin;
mod by_hand;
mod forms;
mod line;
mod views;

pub use forms::needs_credentials;

use super::app::{App, CheckState, Overlay, RunningCommand, Screen, Tab, SPEEDS};
use super::connect::{CredForm, Field};
use super::event::{Command, DoctorProgress, EngineEvent, Event};
use super::keys::{self, Action};

/// What the loop must do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Engine(Command),
    /// Open a session on this target. `credentials` is `None` when they come from the
    /// environment or the simulator's scenario.
    Connect {
        target: String,
        credentials: Option<(String, String, crate::sac::Secret)>,
    },
}

fn cmd(c: Command) -> Vec<Effect> {
    vec![Effect::Engine(c)]
}

impl App {
    /// Applies one event; returns what the loop must do.
    pub fn update(&mut self, ev: Event) -> Vec<Effect> {
        match ev {
            Event::Key(k) if keys::is_press(&k) => self.key(k),
            Event::Key(_) => Vec::new(),
            Event::Paste(text) => self.paste(text),
            Event::Resize(w, h) => {
                self.size = (w, h);
                Vec::new()
            }
            Event::Tick => {
                self.spinner = self.spinner.wrapping_add(1);
                self.by_hand_quiet();
                Vec::new()
            }
            Event::Engine(e) => {
                self.engine(e);
                Vec::new()
            }
        }
    }

    fn engine(&mut self, e: EngineEvent) {
        match e {
            EngineEvent::Bytes(b) => {
                self.link.bytes_in += b.len() as u64;
                self.console.feed_at(&b, self.now);
                self.recent.push(&b);
                self.by_hand_bytes(&b);
            }
            EngineEvent::Sent(n) => self.link.bytes_out += n as u64,
            EngineEvent::LinkUp { describe, transcript } => {
                self.link.up = true;
                self.link.lost = None;
                if self.link.line.is_empty() {
                    self.link.line = describe;
                }
                // SAC repaints nothing by itself.
                self.message = Some(match (&self.link.transcript, &transcript) {
                    // After a reconnect the recording goes on in a new file: say where.
                    (Some(old), Some(new)) if old != new => {
                        format!("recording continues in {new}; press Enter for a prompt")
                    }
                    _ => "press Enter for a prompt".into(),
                });
                self.link.transcript = transcript;
            }
            EngineEvent::LinkLost(why) => {
                self.by_hand = None;
                self.link.up = false;
                self.link.lost = Some(why);
                if let Some(r) = &mut self.replay {
                    r.ended = true;
                    self.doctor.active = false;
                    self.doctor.running = None;
                }
            }
            EngineEvent::JobStarted(label) => self.job = Some(label),
            EngineEvent::JobDone(r) => {
                self.job = None;
                self.doctor.active = false;
                self.doctor.running = None;
                self.doctor.fix_running = None;
                self.message = Some(match r {
                    Ok(m) => m,
                    Err(e) => format!("failed: {e}"),
                });
            }
            EngineEvent::Doctor(p) => self.doctor_progress(p),
            EngineEvent::Report(r) => {
                self.doctor.outcomes = r.fixes.clone();
                self.doctor.report = Some(*r);
            }
            EngineEvent::ConfirmFix(fix) => {
                self.overlay_scroll = 0;
                self.overlay = Overlay::Confirm(fix);
            }
            EngineEvent::Output(output) => self.results.add(*output, None),
            EngineEvent::Channels(list) => {
                self.channels = list;
                self.channel_sel = self.channel_sel.min(self.channels.len().saturating_sub(1));
            }
            EngineEvent::Marker(m) => {
                if let Some(r) = &mut self.replay {
                    let c = &mut self.chapters;
                    let next = c.list.iter().find(|x| {
                        x.label == m
                            && c.current.is_none_or(|i| x.index > i)
                            && x.time >= r.at - 1e-9
                    });
                    c.current = next.map(|x| x.index).or(c.current);
                    r.last_marker = Some(m);
                }
            }
            EngineEvent::Rewound => {
                self.console = super::console::Console::new();
                self.link.bytes_in = 0;
                self.link.bytes_out = 0;
            }
            EngineEvent::LineSettings(s) => {
                if let Some(s) = &s {
                    // `115200 8N1`, with the flow control only when there is one.
                    self.link.line = s.to_string().trim_end_matches(" flow none").to_string();
                }
                self.link.settings = s;
            }
            EngineEvent::Notice(r) => {
                self.message = Some(match r {
                    Ok(m) => m,
                    Err(e) => format!("failed: {e}"),
                });
            }
            EngineEvent::ReplayClock { at, total } => {
                if let Some(r) = &mut self.replay {
                    r.at = at;
                    r.total = total;
                }
            }
        }
    }

    fn doctor_progress(&mut self, p: DoctorProgress) {
        let d = &mut self.doctor;
        match p {
            DoctorProgress::CheckStarted(id) => {
                if !d.active {
                    d.active = true;
                    d.started = Some(self.now);
                }
                if let Some(r) = d.rows.iter_mut().find(|r| r.id == id) {
                    r.state = CheckState::Running;
                }
            }
            DoctorProgress::CommandStarted { check, command } => {
                d.active = true;
                d.running = Some(RunningCommand {
                    check,
                    command,
                    started: self.now,
                    bytes_at_start: self.link.bytes_in + self.link.bytes_out,
                });
            }
            DoctorProgress::CommandFinished { output, cached, .. } => {
                d.running = None;
                if !cached {
                    let r = &mut self.results;
                    r.outputs.retain(|o| o.command != output.command);
                    r.by_hand.remove(&output.command);
                    r.outputs.push(output);
                }
            }
            DoctorProgress::CheckFinished(f) => {
                if let Some(r) = d.rows.iter_mut().find(|r| r.id == f.id) {
                    if let Some(fix) = &f.fix {
                        r.fix_id = Some(fix.id.clone());
                    }
                    r.state = CheckState::Done(f);
                }
            }
            DoctorProgress::FixStarted(id) => {
                d.active = true;
                d.fix_running = Some(id);
            }
            DoctorProgress::FixFinished(o) => {
                d.fix_running = None;
                d.outcomes.retain(|x| x.fix != o.fix);
                d.outcomes.push(o);
            }
        }
    }

    fn paste(&mut self, text: String) -> Vec<Effect> {
        match (&mut self.overlay, self.screen, self.tab) {
            (Overlay::Credentials(f), _, _) => {
                f.focused().push_str(text.trim_end_matches(['\r', '\n']));
                Vec::new()
            }
            (Overlay::None, Screen::Connect, _) => {
                self.connect.typed.push_str(text.trim());
                Vec::new()
            }
            (Overlay::None, Screen::Main, Tab::Console) if self.replay.is_none() => {
                self.paste_to_console(text)
            }
            _ => Vec::new(),
        }
    }

    fn key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if self.overlay_scroll_key(&k) {
            return Vec::new();
        }
        match &self.overlay {
            Overlay::Confirm(_) => return self.confirm_key(k),
            Overlay::Credentials(_) => return self.credentials_key(k),
            Overlay::Chapters(_) => return self.chapters_key(&k),
            Overlay::LineSettings(_) => return self.line_settings_key(&k),
            Overlay::Admin(c) => {
                let c = *c;
                return self.admin_key(&k, c);
            }
            Overlay::Help => {
                self.overlay = Overlay::None;
                return Vec::new();
            }
            Overlay::Menu => {
                self.overlay = Overlay::None;
                return match keys::menu_action(&k, &self.prefix) {
                    Some(a) => self.action(a),
                    None => Vec::new(),
                };
            }
            Overlay::None => {}
        }
        if self.prefix.matches(&k) {
            self.overlay_scroll = 0;
            self.overlay = Overlay::Menu;
            return Vec::new();
        }
        if self.screen == Screen::Connect {
            return self.connect_key(k);
        }
        if self.replay.is_some() {
            if let Some(e) = self.replay_key(&k) {
                return e;
            }
        }
        match self.tab {
            Tab::Console => self.console_key(k),
            _ if k.code == KeyCode::Esc && !self.editing() => {
                self.tab = Tab::Console;
                Vec::new()
            }
            _ if k.code == KeyCode::Tab && !self.editing() => {
                self.tab = Tab::ALL[(self.tab.index() + 1) % Tab::ALL.len()];
                Vec::new()
            }
            _ if k.code == KeyCode::BackTab && !self.editing() => {
                self.tab = Tab::ALL[(self.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len()];
                Vec::new()
            }
            Tab::Channels => self.channels_key(k),
            Tab::Doctor => self.doctor_key(k),
            Tab::Results => self.results_key(k),
            Tab::Palette => self.palette_key(k),
        }
    }

    /// True while a text field of the current view takes every key.
    fn editing(&self) -> bool {
        (self.tab == Tab::Results && self.results.editing_filter) || self.tab == Tab::Palette
    }

    /// Replay keys work without the prefix (the console is read-only).
    fn replay_key(&mut self, k: &KeyEvent) -> Option<Vec<Effect>> {
        let a = match k.code {
            KeyCode::Char(' ') => Action::PauseResume,
            KeyCode::Char('+') | KeyCode::Char('=') => Action::Faster,
            KeyCode::Char('-') => Action::Slower,
            KeyCode::Char('n') => Action::NextMarker,
            KeyCode::Char('p') => Action::PrevMarker,
            KeyCode::Char('c') => Action::Chapters,
            KeyCode::Char('q') => Action::Quit,
            KeyCode::Char('?') => Action::Help,
            KeyCode::Char(c @ '1'..='5') => match c {
                '1' => Action::ShowConsole,
                '2' => Action::ShowChannels,
                '3' => Action::ShowDoctor,
                '4' => Action::ShowResults,
                _ => Action::ShowPalette,
            },
            _ if self.tab == Tab::Console => return Some(self.scroll_key(k).unwrap_or_default()),
            _ => return None,
        };
        Some(self.action(a))
    }

    fn scroll_key(&mut self, k: &KeyEvent) -> Option<Vec<Effect>> {
        let shift = k.modifiers.contains(KeyModifiers::SHIFT);
        match k.code {
            KeyCode::PageUp if shift || self.replay.is_some() => self.console.scroll_by(12),
            KeyCode::PageDown if shift || self.replay.is_some() => self.console.scroll_by(-12),
            _ => return None,
        }
        Some(Vec::new())
    }

    /// Asks the player for a place in the replay; playback waits there.
    fn seek(&mut self, index: usize) -> Vec<Effect> {
        if let Some(r) = &mut self.replay {
            r.paused = true;
            r.ended = false;
            self.link.up = true;
            self.link.lost = None;
        }
        cmd(Command::Seek(index))
    }

    /// Keys in the chapter list: move, jump to the selected chapter, close.
    fn chapters_key(&mut self, k: &KeyEvent) -> Vec<Effect> {
        let Overlay::Chapters(sel) = self.overlay else { return Vec::new() };
        let Some(r) = &mut self.replay else {
            self.overlay = Overlay::None;
            return Vec::new();
        };
        let last = self.chapters.list.len().saturating_sub(1);
        match super::chapters::list_key(k) {
            super::chapters::ListKey::Move(d) => {
                self.overlay = Overlay::Chapters(sel.saturating_add_signed(d).min(last));
            }
            super::chapters::ListKey::Pick => {
                self.overlay = Overlay::None;
                if let Some(c) = self.chapters.list.get(sel) {
                    self.chapters.current = Some(c.index);
                    r.last_marker = Some(c.label.clone());
                    let i = c.index;
                    return self.seek(i);
                }
            }
            super::chapters::ListKey::Close => self.overlay = Overlay::None,
            super::chapters::ListKey::Nothing => {}
        }
        Vec::new()
    }

    /// A training action: a hint, or done (which ends the UI so the work can be graded).
    fn training_action(&mut self, a: Action) -> Vec<Effect> {
        let Some(t) = &mut self.training else {
            self.message = Some("only in training (sacdoc train)".into());
            return Vec::new();
        };
        if a == Action::Hint {
            self.message = Some(t.next_hint());
            self.tab = Tab::Console;
            return Vec::new();
        }
        t.done = true;
        self.quit = true;
        cmd(Command::Quit)
    }

    /// Carries out one of sacdoc's own actions.
    pub fn action(&mut self, a: Action) -> Vec<Effect> {
        match a {
            Action::Quit => {
                self.quit = true;
                return cmd(Command::Quit);
            }
            Action::Help => {
                self.overlay_scroll = 0;
                self.overlay = Overlay::Help;
            }
            Action::ShowConsole => self.tab = Tab::Console,
            Action::ShowChannels => {
                self.tab = Tab::Channels;
                if self.channels.is_empty() && self.replay.is_none() && self.screen == Screen::Main
                {
                    return self.job_cmd(Command::ListChannels);
                }
            }
            Action::ShowDoctor => self.tab = Tab::Doctor,
            Action::ShowResults => self.tab = Tab::Results,
            Action::ShowPalette => self.tab = Tab::Palette,
            Action::RunDoctor | Action::ApplyFixes if self.training.is_some() => {
                self.message = Some("training: the doctor is off; work by hand".into());
            }
            Action::Hint | Action::Done => return self.training_action(a),
            Action::RunDoctor => {
                self.tab = Tab::Doctor;
                return self.job_cmd(Command::Doctor { apply: false });
            }
            Action::ApplyFixes => {
                self.tab = Tab::Doctor;
                return self.job_cmd(Command::Doctor { apply: true });
            }
            Action::OpenCmd => return self.job_cmd(Command::OpenCmd),
            Action::Reconnect => {
                if self.link.up || self.replay.is_some() {
                    self.message = Some("the link is up: nothing to reconnect".into());
                } else {
                    return cmd(Command::Reconnect);
                }
            }
            Action::SendPrefix => return self.send(vec![self.prefix.byte()]),
            Action::AzureNmi => return self.admin(crate::transport::azure::AdminCommand::Nmi),
            Action::AzureReset => {
                return self.admin(crate::transport::azure::AdminCommand::Reset);
            }
            Action::AutoReconnect => {
                if self.replay.is_some() {
                    self.message = Some("this is a replay: there is no link".into());
                    return Vec::new();
                }
                self.auto_reconnect = !self.auto_reconnect;
                let on = if self.auto_reconnect { "on: a lost link is reopened" } else { "off" };
                self.message = Some(format!("auto-reconnect {on}"));
                return cmd(Command::AutoReconnect(self.auto_reconnect));
            }
            Action::Break => return self.send_break(),
            Action::LineSettings => return self.line_settings(),
            Action::Logging => return self.toggle_logging(),
            Action::Timestamps => return self.toggle_timestamps(),
            Action::LocalEcho => {
                self.local_echo = !self.local_echo;
                let on = if self.local_echo { "on" } else { "off" };
                self.message = Some(format!("local echo {on}"));
            }
            Action::HexView => {
                self.hex = !self.hex;
                self.tab = Tab::Console;
                let on = if self.hex { "on: bytes received, in hex" } else { "off" };
                self.message = Some(format!("hex view {on}"));
            }
            Action::PauseResume => {
                if let Some(r) = &mut self.replay {
                    r.paused = !r.paused;
                    return cmd(Command::Pause(r.paused));
                }
            }
            Action::Faster | Action::Slower => {
                if let Some(r) = &mut self.replay {
                    r.speed = if a == Action::Faster {
                        (r.speed + 1).min(SPEEDS.len() - 1)
                    } else {
                        r.speed.saturating_sub(1)
                    };
                    return cmd(Command::Speed(SPEEDS[r.speed]));
                }
            }
            Action::NextMarker => {
                if self.replay.is_some() {
                    return cmd(Command::NextMarker);
                }
            }
            Action::PrevMarker if self.replay.is_some() => {
                let c = &self.chapters;
                let at = self.replay.as_ref().map_or(0.0, |r| r.at);
                match super::chapters::previous(&c.list, at, c.current).map(|c| c.index) {
                    Some(i) => {
                        self.chapters.current = Some(i);
                        return self.seek(i);
                    }
                    None => self.message = Some("no earlier marker".into()),
                }
            }
            Action::PrevMarker => {}
            Action::Chapters => match &self.replay {
                Some(_) if !self.chapters.list.is_empty() => {
                    let c = &self.chapters;
                    let at = c.current.and_then(|i| c.list.iter().position(|x| x.index == i));
                    self.overlay = Overlay::Chapters(at.unwrap_or(0));
                }
                Some(_) => self.message = Some("this transcript has no markers".into()),
                None => self.message = Some("chapters are for replays (sacdoc replay)".into()),
            },
        }
        Vec::new()
    }

    /// A command that makes the engine type on the line: refused while another job runs or the
    /// link is down.
    pub(super) fn job_cmd(&mut self, c: Command) -> Vec<Effect> {
        if self.replay.is_some() {
            self.message = Some("this is a replay: nothing can be sent".into());
            return Vec::new();
        }
        if let Some(j) = &self.job {
            self.message = Some(format!("busy: {j}"));
            return Vec::new();
        }
        if !self.link.up {
            self.message =
                Some("the link is down: press the prefix key, then r to reconnect".into());
            return Vec::new();
        }
        let logs_in = matches!(c, Command::Doctor { .. } | Command::OpenCmd | Command::Run(_));
        if logs_in && needs_credentials(&self.link.target, &self.login) {
            let user = self.login.user.clone();
            let field = if user.is_empty() { Field::User } else { Field::Password };
            self.overlay = Overlay::Credentials(CredForm {
                target: self.link.target.clone(),
                user,
                domain: self.login.domain.clone(),
                field,
                then: Some(c),
                ..CredForm::default()
            });
            return Vec::new();
        }
        // A job types its own commands: what follows is not the output of one typed by hand.
        self.by_hand = None;
        if let Command::Doctor { .. } = c {
            let keep_results = std::mem::take(&mut self.results.outputs);
            self.doctor = super::app::DoctorState::default();
            self.results.outputs = keep_results;
        }
        cmd(c)
    }

    /// A paste into the console. One line of printable text (with or without its Enter) is typed
    /// with the CLI's care, so a console that drops repeated keys still gets it whole; anything
    /// else (several lines, control characters, a password) goes as typed keys.
    fn paste_to_console(&mut self, text: String) -> Vec<Effect> {
        let body = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .or_else(|| text.strip_suffix('\r'))
            .unwrap_or(&text);
        let one_line = !body.is_empty() && !body.chars().any(char::is_control);
        if !one_line || self.console.at_password_prompt() {
            return self.send(text.replace("\r\n", "\r").replace('\n', "\r").into_bytes());
        }
        let enter = body.len() != text.len();
        self.type_text(body.to_string(), enter)
    }

    /// Whether the user may type now (no job typing, the link up); if not, says why, led by
    /// `refused`. When yes, the console shows the live screen and a job's message is dropped:
    /// what it said ("viewing channel 0") is stale once the user types (Esc Tab by hand may have
    /// switched the channel since).
    fn ready_to_type(&mut self, refused: &str) -> bool {
        if let Some(j) = &self.job {
            self.message = Some(format!("{refused}: {j} is using the line"));
            return false;
        }
        if !self.link.up {
            self.message = Some(format!("{refused}: the link is down"));
            return false;
        }
        self.console.live();
        self.message = None;
        true
    }

    /// Text for the engine to type carefully (echo checked), unless a job is typing or the link
    /// is down.
    pub(super) fn type_text(&mut self, text: String, enter: bool) -> Vec<Effect> {
        if !self.ready_to_type("not typed") {
            return Vec::new();
        }
        let screen = self.console.screen().contents_formatted();
        if enter {
            self.by_hand_enter(&text);
        }
        cmd(Command::Type { text, enter, screen })
    }

    /// Bytes for the VM, unless a job is typing or the link is down.
    fn send(&mut self, bytes: Vec<u8>) -> Vec<Effect> {
        if !self.ready_to_type("key not sent") {
            return Vec::new();
        }
        if !self.console.at_password_prompt() {
            if self.local_echo {
                // Shown as a terminal with local echo shows it: Enter starts a new line.
                let shown: Vec<u8> = bytes
                    .iter()
                    .flat_map(|&b| if b == b'\r' { vec![b'\r', b'\n'] } else { vec![b] })
                    .collect();
                self.console.feed(&shown);
            }
            return cmd(Command::Send(bytes));
        }
        // The password is what comes before Enter; Enter and what follows are plain again.
        let end = bytes.iter().position(|&b| b == b'\r' || b == b'\n').unwrap_or(bytes.len());
        let (secret, plain) = bytes.split_at(end);
        let mut effects = Vec::new();
        if !secret.is_empty() {
            effects.push(Effect::Engine(Command::SendSecret(secret.to_vec())));
        }
        if !plain.is_empty() {
            effects.push(Effect::Engine(Command::Send(plain.to_vec())));
        }
        effects
    }

    fn console_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if let Some(e) = self.scroll_key(&k) {
            return e;
        }
        match keys::key_bytes(&k) {
            Some(b) => {
                let sent = self.send(b.clone());
                let enter = b == b"\r" && !sent.is_empty();
                if enter && matches!(sent.as_slice(), [Effect::Engine(Command::Send(_))]) {
                    self.by_hand_enter("");
                }
                sent
            }
            None => Vec::new(),
        }
    }

    /// Up/Down, PgUp/PgDn, Home/End in an overlay whose text may not fit (the menu, the help, a
    /// fix's confirmation) scroll it; true when the key was taken. The offset stops at the last
    /// page for the terminal's size.
    fn overlay_scroll_key(&mut self, k: &KeyEvent) -> bool {
        if !matches!(
            self.overlay,
            Overlay::Menu | Overlay::Help | Overlay::Confirm(_) | Overlay::Admin(_)
        ) {
            return false;
        }
        let max = super::view::overlay_max_scroll(self, self.size);
        let s = self.overlay_scroll;
        self.overlay_scroll = match k.code {
            KeyCode::Up => s.saturating_sub(1),
            KeyCode::Down => s.saturating_add(1).min(max),
            KeyCode::PageUp => s.saturating_sub(10),
            KeyCode::PageDown => s.saturating_add(10).min(max),
            KeyCode::Home => 0,
            KeyCode::End => max,
            _ => return false,
        };
        true
    }

    fn confirm_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let answer = match k.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => true,
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => false,
            _ => return Vec::new(),
        };
        self.overlay = Overlay::None;
        cmd(Command::Confirm(answer))
    }
}

#[cfg(test)]
mod tests;
