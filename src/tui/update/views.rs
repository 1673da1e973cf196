//! Keys of the channels, doctor, results and palette views.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::app::{App, Tab};
use super::super::event::Command;
use super::super::keys::Action;
use super::super::palette::Where;
use super::Effect;

impl App {
    pub(super) fn channels_key(&mut self, k: KeyEvent) -> Vec<Effect> {
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

    pub(super) fn doctor_key(&mut self, k: KeyEvent) -> Vec<Effect> {
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

    pub(super) fn results_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let r = &mut self.results;
        if let Some(line) = &mut r.running {
            match k.code {
                KeyCode::Esc => r.running = None,
                KeyCode::Backspace => {
                    line.pop();
                }
                KeyCode::Enter => {
                    let line = r.running.take().unwrap_or_default();
                    if !line.trim().is_empty() {
                        return self.job_cmd(Command::Run(line.trim().to_string()));
                    }
                }
                KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => line.push(c),
                _ => {}
            }
            return Vec::new();
        }
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
            KeyCode::Up => {
                r.selected = r.selected.saturating_sub(1);
                r.offset = 0;
            }
            KeyCode::Down => {
                r.selected = (r.selected + 1).min(r.outputs.len().saturating_sub(1));
                r.offset = 0;
            }
            // The table's rows (the view stops at the last page).
            KeyCode::PageDown => r.offset = r.offset.saturating_add(10),
            KeyCode::PageUp => r.offset = r.offset.saturating_sub(10),
            KeyCode::Home => r.offset = 0,
            KeyCode::End => r.offset = usize::MAX,
            KeyCode::Char('s') => r.sort = r.sort.next(),
            KeyCode::Char('/') => r.editing_filter = true,
            KeyCode::Char('!') => r.running = Some(String::new()),
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn palette_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let hits = super::super::palette::search(&self.palette.query, &self.known());
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
                    let at = if *w == Where::Sac { "SAC>" } else { "a cmd prompt" };
                    let e = self.type_text(command.clone(), false);
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
