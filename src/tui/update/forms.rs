//! Keys of the connect screen and the credentials dialog.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::app::{App, Overlay};
use super::super::connect::Field;
use super::super::event::Command;
use super::Effect;

impl App {
    pub(super) fn credentials_key(&mut self, k: KeyEvent) -> Vec<Effect> {
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
                    let (user, domain) = (f.user.trim().to_string(), f.domain.trim().to_string());
                    let Some(job) = f.then else {
                        return vec![Effect::Connect {
                            target: f.target,
                            credentials: Some((user, domain, secret)),
                        }];
                    };
                    self.login.user = user.clone();
                    self.login.domain = domain.clone();
                    self.login.has_password = true;
                    let login = Command::Login { user, domain, password: secret };
                    let mut effects = vec![Effect::Engine(login)];
                    effects.extend(self.job_cmd(job));
                    return effects;
                }
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                form.focused().push(c)
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn connect_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let c = &mut self.connect;
        match k.code {
            KeyCode::Esc if c.typed.is_empty() => {
                self.quit = true;
            }
            KeyCode::Esc => c.typed.clear(),
            KeyCode::Up => c.selected = c.selected.saturating_sub(1),
            KeyCode::Down => c.selected = (c.selected + 1).min(c.choices.len().saturating_sub(1)),
            KeyCode::Home => c.selected = 0,
            KeyCode::End => c.selected = c.choices.len().saturating_sub(1),
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
                if let Some(name) = crate::tui::connect::exercise_of(&target) {
                    // Training runs on its own simulated VM with the training pane and grading:
                    // the UI ends here and `sacdoc train NAME` takes over.
                    self.start_training = Some(name.to_string());
                    self.quit = true;
                    return Vec::new();
                }
                if let Err(e) = target.parse::<crate::target::Target>() {
                    c.error = Some(e.reason);
                    return Vec::new();
                }
                c.error = None;
                // Connect to watch: the account is asked for only when a job must log in.
                return vec![Effect::Connect { target, credentials: None }];
            }
            _ => {}
        }
        Vec::new()
    }
}

/// A job that logs in needs the credentials dialog first unless the target is the simulator or a
/// replay (which bring their own account) or the configuration supplies both user and password.
pub fn needs_credentials(target: &str, login: &crate::tui::app::LoginDefaults) -> bool {
    let own_account = matches!(
        target.parse::<crate::target::Target>(),
        Ok(crate::target::Target::Sim { .. } | crate::target::Target::Replay { .. })
    );
    !(own_account || (!login.user.is_empty() && login.has_password))
}
