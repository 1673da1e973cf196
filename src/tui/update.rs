//! The one function that changes the UI's state: [`App::update`] applies one [`Event`] and
//! returns the [`Effect`]s the loop must carry out (commands for the engine, a connection to
//! open). Keys map to [`Action`]s through the table in `keys.rs`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, CheckState, Overlay, RunningCommand, Screen, Tab, SPEEDS};
use super::connect::{CredForm, Field};
use super::event::{Command, DoctorProgress, EngineEvent, Event};
use super::keys::{self, Action};
use super::palette::Where;

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
            Event::Resize(..) => Vec::new(),
            Event::Tick => {
                self.spinner = self.spinner.wrapping_add(1);
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
                self.console.feed(&b);
            }
            EngineEvent::Sent(n) => self.link.bytes_out += n as u64,
            EngineEvent::LinkUp { describe, transcript } => {
                self.link.up = true;
                self.link.lost = None;
                if self.link.line.is_empty() {
                    self.link.line = describe;
                }
                self.link.transcript = transcript;
            }
            EngineEvent::LinkLost(why) => {
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
            EngineEvent::ConfirmFix(fix) => self.overlay = Overlay::Confirm(fix),
            EngineEvent::Channels(list) => {
                self.channels = list;
                self.channel_sel = self.channel_sel.min(self.channels.len().saturating_sub(1));
            }
            EngineEvent::Marker(m) => {
                if let Some(r) = &mut self.replay {
                    r.last_marker = Some(m);
                }
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
                self.send(text.replace("\r\n", "\r").replace('\n', "\r").into_bytes())
            }
            _ => Vec::new(),
        }
    }

    fn key(&mut self, k: KeyEvent) -> Vec<Effect> {
        match &self.overlay {
            Overlay::Confirm(_) => return self.confirm_key(k),
            Overlay::Credentials(_) => return self.credentials_key(k),
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

    /// Carries out one of sacdoc's own actions.
    pub fn action(&mut self, a: Action) -> Vec<Effect> {
        match a {
            Action::Quit => {
                self.quit = true;
                return cmd(Command::Quit);
            }
            Action::Help => self.overlay = Overlay::Help,
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
        }
        Vec::new()
    }

    /// A command that makes the engine type on the line: refused while another job runs or the
    /// link is down.
    fn job_cmd(&mut self, c: Command) -> Vec<Effect> {
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
        if let Command::Doctor { .. } = c {
            let keep_results = std::mem::take(&mut self.results.outputs);
            self.doctor = super::app::DoctorState::default();
            self.results.outputs = keep_results;
        }
        cmd(c)
    }

    /// Bytes for the VM, unless a job is typing or the link is down.
    fn send(&mut self, bytes: Vec<u8>) -> Vec<Effect> {
        if let Some(j) = &self.job {
            self.message = Some(format!("key not sent: {j} is using the line"));
            return Vec::new();
        }
        if !self.link.up {
            self.message = Some("key not sent: the link is down".into());
            return Vec::new();
        }
        self.console.live();
        cmd(Command::Send(bytes))
    }

    fn console_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if let Some(e) = self.scroll_key(&k) {
            return e;
        }
        match keys::key_bytes(&k) {
            Some(b) => self.send(b),
            None => Vec::new(),
        }
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

    fn credentials_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let Overlay::Credentials(form) = &mut self.overlay else { return Vec::new() };
        match k.code {
            KeyCode::Esc => self.overlay = Overlay::None,
            KeyCode::Tab | KeyCode::Down => form.next_field(),
            KeyCode::Up | KeyCode::BackTab => {
                form.next_field();
                form.next_field();
            }
            KeyCode::Backspace => {
                form.focused().pop();
            }
            KeyCode::Enter if form.field != Field::Password => form.next_field(),
            KeyCode::Enter => {
                if form.user.trim().is_empty() {
                    form.error = Some("the user name is empty".into());
                    form.field = Field::User;
                } else if form.password.is_empty() {
                    form.error = Some("the password is empty".into());
                } else {
                    let f = std::mem::take(form);
                    self.overlay = Overlay::None;
                    let secret = crate::sac::Secret::new(f.password);
                    return vec![Effect::Connect {
                        target: f.target,
                        credentials: Some((f.user.trim().into(), f.domain.trim().into(), secret)),
                    }];
                }
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                form.focused().push(c)
            }
            _ => {}
        }
        Vec::new()
    }

    fn connect_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let c = &mut self.connect;
        match k.code {
            KeyCode::Esc if c.typed.is_empty() => {
                self.quit = true;
            }
            KeyCode::Esc => c.typed.clear(),
            KeyCode::Up => c.selected = c.selected.saturating_sub(1),
            KeyCode::Down => c.selected = (c.selected + 1).min(c.choices.len().saturating_sub(1)),
            KeyCode::Backspace => {
                c.typed.pop();
            }
            KeyCode::Char(ch) if !k.modifiers.contains(KeyModifiers::CONTROL) => c.typed.push(ch),
            KeyCode::Enter => {
                let target = if c.typed.trim().is_empty() {
                    match c.choices.get(c.selected) {
                        Some(ch) => ch.target.clone(),
                        None => return Vec::new(),
                    }
                } else {
                    c.typed.trim().to_string()
                };
                if let Err(e) = target.parse::<crate::target::Target>() {
                    c.error = Some(e.reason);
                    return Vec::new();
                }
                c.error = None;
                if needs_credentials(&target) {
                    let user = std::env::var("SACDOC_USER").unwrap_or_default();
                    let field = if user.is_empty() { Field::User } else { Field::Password };
                    self.overlay = Overlay::Credentials(CredForm {
                        target,
                        user,
                        domain: std::env::var("SACDOC_DOMAIN").unwrap_or_default(),
                        field,
                        ..CredForm::default()
                    });
                } else {
                    return vec![Effect::Connect { target, credentials: None }];
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn channels_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let row = self.channels.get(self.channel_sel).map(|r| r.index);
        match k.code {
            KeyCode::Up => self.channel_sel = self.channel_sel.saturating_sub(1),
            KeyCode::Down => {
                self.channel_sel = (self.channel_sel + 1).min(self.channels.len().saturating_sub(1))
            }
            KeyCode::Char('r') => return self.job_cmd(Command::ListChannels),
            KeyCode::Char('o') => return self.job_cmd(Command::OpenCmd),
            KeyCode::Enter => {
                if let Some(i) = row {
                    let e = self.job_cmd(Command::SwitchChannel(i));
                    if !e.is_empty() {
                        self.tab = Tab::Console;
                    }
                    return e;
                }
            }
            KeyCode::Char('x') | KeyCode::Delete => {
                if let Some(i) = row {
                    return self.job_cmd(Command::CloseChannel(i));
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn doctor_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        match k.code {
            KeyCode::Up => self.doctor.selected = self.doctor.selected.saturating_sub(1),
            KeyCode::Down => {
                self.doctor.selected =
                    (self.doctor.selected + 1).min(self.doctor.rows.len().saturating_sub(1))
            }
            KeyCode::Char('d') => return self.action(Action::RunDoctor),
            KeyCode::Char('a') => return self.action(Action::ApplyFixes),
            _ => {}
        }
        Vec::new()
    }

    fn results_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let r = &mut self.results;
        if r.editing_filter {
            match k.code {
                KeyCode::Enter | KeyCode::Esc => r.editing_filter = false,
                KeyCode::Backspace => {
                    r.filter.pop();
                }
                KeyCode::Char(c) => r.filter.push(c),
                _ => {}
            }
            return Vec::new();
        }
        match k.code {
            KeyCode::Up => r.selected = r.selected.saturating_sub(1),
            KeyCode::Down => r.selected = (r.selected + 1).min(r.outputs.len().saturating_sub(1)),
            KeyCode::Char('s') => r.sort = r.sort.next(),
            KeyCode::Char('/') => r.editing_filter = true,
            _ => {}
        }
        Vec::new()
    }

    fn palette_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let hits = super::palette::search(&self.palette.query, &self.known());
        let p = &mut self.palette;
        match k.code {
            KeyCode::Esc => self.tab = Tab::Console,
            KeyCode::Up => p.selected = p.selected.saturating_sub(1),
            KeyCode::Down => p.selected = (p.selected + 1).min(hits.len().saturating_sub(1)),
            KeyCode::Backspace => {
                p.query.pop();
                p.selected = 0;
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                p.query.push(c);
                p.selected = 0;
            }
            KeyCode::Enter => {
                if let Some((w, command, _)) = hits.get(p.selected) {
                    // Typed without Enter: the user reads it at the prompt and presses Enter.
                    let bytes = command.clone().into_bytes();
                    let at = if *w == Where::Sac { "SAC>" } else { "a cmd prompt" };
                    let e = self.send(bytes);
                    if !e.is_empty() {
                        self.tab = Tab::Console;
                        self.message = Some(format!("typed for {at}: press Enter to run it"));
                    }
                    return e;
                }
            }
            _ => {}
        }
        Vec::new()
    }
}

/// A target needs the credentials dialog unless the simulator or the environment supplies them.
pub fn needs_credentials(target: &str) -> bool {
    let sim = target.trim().to_ascii_lowercase().starts_with("sim:")
        || target.trim().to_ascii_lowercase().starts_with("replay:");
    let env = |k: &str| std::env::var(k).map(|v| !v.is_empty()).unwrap_or(false);
    !(sim || (env("SACDOC_USER") && env("SACDOC_PASSWORD")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEvent;

    fn key(c: KeyCode) -> Event {
        Event::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    fn ctrl(c: char) -> Event {
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
    }

    fn live() -> App {
        let mut app = App::new("COM1", "115200 8N1", keys::PrefixKey::default());
        app.update(Event::Engine(EngineEvent::LinkUp {
            describe: "COM1".into(),
            transcript: None,
        }));
        app
    }

    #[test]
    fn console_keys_go_to_the_vm_and_the_prefix_opens_the_menu() {
        let mut app = live();
        assert_eq!(app.update(key(KeyCode::Char('x'))), cmd(Command::Send(b"x".to_vec())));
        assert_eq!(app.update(ctrl('c')), cmd(Command::Send(vec![3])));
        assert!(app.update(ctrl('a')).is_empty());
        assert_eq!(app.overlay, Overlay::Menu);
        assert_eq!(app.update(key(KeyCode::Char('d'))), cmd(Command::Doctor { apply: false }));
        assert_eq!(app.tab, Tab::Doctor);
        // Prefix twice sends the prefix byte itself.
        app.update(ctrl('a'));
        assert_eq!(app.update(ctrl('a')), cmd(Command::Send(vec![1])));
    }

    #[test]
    fn keys_are_held_while_a_job_types_and_when_the_link_is_lost() {
        let mut app = live();
        app.update(Event::Engine(EngineEvent::JobStarted("running the doctor".into())));
        assert!(app.update(key(KeyCode::Char('x'))).is_empty());
        assert!(app.message.as_deref().unwrap_or("").contains("running the doctor"));
        app.update(Event::Engine(EngineEvent::JobDone(Ok("done".into()))));
        app.update(Event::Engine(EngineEvent::LinkLost("cable pulled".into())));
        assert!(app.update(key(KeyCode::Char('x'))).is_empty());
        app.update(ctrl('a'));
        assert_eq!(app.update(key(KeyCode::Char('r'))), cmd(Command::Reconnect));
    }

    #[test]
    fn confirmation_answers_and_history_survives_a_lost_link() {
        let mut app = live();
        app.update(Event::Engine(EngineEvent::Bytes(b"SAC>".to_vec())));
        app.update(Event::Engine(EngineEvent::LinkLost("gone".into())));
        assert!(app.console.text().contains("SAC>"));
        let fix = crate::doctor::Fix {
            id: "f".into(),
            title: "t".into(),
            why: "w".into(),
            backups: Vec::new(),
            commands: vec!["sc start TermService".into()],
            verify: "termservice".into(),
            reboot: false,
            later: Vec::new(),
            warning: None,
        };
        app.update(Event::Engine(EngineEvent::ConfirmFix(Box::new(fix))));
        assert!(app.update(key(KeyCode::Char('x'))).is_empty(), "other keys do not answer");
        assert_eq!(app.update(key(KeyCode::Esc)), cmd(Command::Confirm(false)));
        assert_eq!(app.overlay, Overlay::None);
    }

    #[test]
    fn connect_screen_asks_credentials_for_real_targets_only() {
        let mut app = App::connecting(Vec::new(), keys::PrefixKey::default());
        for c in "sim:healthy".chars() {
            app.update(key(KeyCode::Char(c)));
        }
        let e = app.update(key(KeyCode::Enter));
        assert_eq!(e, vec![Effect::Connect { target: "sim:healthy".into(), credentials: None }]);
        let mut app = App::connecting(Vec::new(), keys::PrefixKey::default());
        for c in "nonsense target".chars() {
            app.update(key(KeyCode::Char(c)));
        }
        assert!(app.update(key(KeyCode::Enter)).is_empty());
        assert!(app.connect.error.is_some());
    }
}
