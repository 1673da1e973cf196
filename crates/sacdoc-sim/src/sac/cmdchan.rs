//! Input and timing of Cmd channels: the login prompts, cmd.exe's line editing, running a line
//! through [`crate::machine::Machine::exec`] (delays, Ctrl+C, `-- More --` pages, effects),
//! lock and idle timeout, and the `eatchars` / `cronly` quirks.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::channel::{CmdState, EscSkip, LoginStage};
use super::driver::{SacDriver, Timer};
use super::settings::Profile;
use super::text;
use super::View;
use crate::machine::{Effect, ExecResult, ShellMode, ShellState};

/// Longest login field kept.
const MAX_FIELD: usize = 256;

impl SacDriver {
    /// One key for the Cmd channel in `slot` (already past Esc-Tab handling and `dropkeys`).
    pub(super) fn cmd_key(&mut self, slot: usize, c: char, now: Instant) {
        let Some(cmd) = self.cmd_mut(slot) else { return };
        cmd.last_input = now;
        match &cmd.state {
            CmdState::Login { .. } => self.login_key(slot, c, now),
            CmdState::Ready => self.shell_key(slot, c, now),
            CmdState::Running { .. } => {
                if c == '\x03' {
                    self.cancel(slot, now);
                } else if let Some(cmd) = self.cmd_mut(slot) {
                    cmd.typeahead.push_back(c);
                }
            }
            CmdState::Paging { .. } => self.more_key(slot, c, now),
        }
    }

    fn cmd_mut(&mut self, slot: usize) -> Option<&mut super::channel::CmdChan> {
        self.slots.get_mut(slot)?.as_mut()?.cmd.as_mut()
    }

    /// Enter detection shared by login and shell: CR, LF, and CRLF as one. With `cr_only`, LF is
    /// ignored altogether.
    fn is_enter(&mut self, slot: usize, c: char, cr_only: bool) -> Option<bool> {
        let cmd = self.cmd_mut(slot)?;
        let after_cr = std::mem::replace(&mut cmd.last_cr, c == '\r');
        match c {
            '\r' => Some(true),
            '\n' if after_cr || cr_only => None,
            '\n' => Some(true),
            _ => Some(false),
        }
    }

    fn login_key(&mut self, slot: usize, c: char, now: Instant) {
        let Some(enter) = self.is_enter(slot, c, false) else { return };
        let clear_echo = self.cfg.clear_password_echo;
        let Some(cmd) = self.cmd_mut(slot) else { return };
        let CmdState::Login { stage, user, domain, password } = &mut cmd.state else { return };
        if enter {
            match *stage {
                LoginStage::User => {
                    *stage = LoginStage::Domain;
                    self.chan_write(slot, &format!("\r\n{}", text::LOGIN_DOMAIN));
                }
                LoginStage::Domain => {
                    *stage = LoginStage::Password;
                    self.chan_write(slot, &format!("\r\n{}", text::LOGIN_PASSWORD));
                }
                LoginStage::Password => {
                    let (u, d, p) = (user.clone(), domain.clone(), password.clone());
                    self.chan_write(slot, "\r\n");
                    self.finish_login(slot, &u, &d, &p, now);
                }
            }
            return;
        }
        let secret = *stage == LoginStage::Password && !clear_echo;
        let field = match stage {
            LoginStage::User => user,
            LoginStage::Domain => domain,
            LoginStage::Password => password,
        };
        let echo = match c {
            '\x08' | '\x7f' => field.pop().map(|_| "\x08 \x08".to_string()),
            c if (c as u32) < 0x20 => None,
            c if field.chars().count() < MAX_FIELD => {
                field.push(c);
                Some(if secret { "*".into() } else { c.to_string() })
            }
            _ => None,
        };
        if let Some(e) = echo {
            self.chan_write(slot, &e);
        }
    }

    fn finish_login(
        &mut self,
        slot: usize,
        user: &str,
        domain: &str,
        password: &str,
        now: Instant,
    ) {
        if self.machine.check_login(user, domain, password) {
            self.force_login(slot, now);
        } else {
            self.failed_logins.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let msg = format!(
                "{}\r\n\r\n{}{}",
                self.cfg.login_failure_text,
                text::LOGIN_HEAD,
                text::LOGIN_USER
            );
            if let Some(cmd) = self.cmd_mut(slot) {
                cmd.relogin();
            }
            self.chan_write(slot, &msg);
        }
    }

    /// Logs the channel in: a fresh console with cmd.exe's banner and prompt.
    pub(super) fn force_login(&mut self, slot: usize, now: Instant) {
        // GUESS: the new console starts on a cleared screen.
        self.chan_write(slot, "\x1b[2J\x1b[1;1H");
        self.begin_painting(slot);
        let (version, copyright) = self.cmd_banner();
        let banner = format!("{version}\r\n{copyright}\r\n\r\n");
        let Some(cmd) = self.cmd_mut(slot) else { return };
        cmd.state = CmdState::Ready;
        cmd.line.clear();
        cmd.col = 0;
        cmd.prompt_since = Some(now);
        cmd.last_input = now;
        let prompt = cmd.shell.prompt();
        self.chan_write(slot, &format!("{banner}{prompt}"));
    }

    /// cmd.exe's two banner lines: configured, else the machine's own `ver` with the copyright
    /// line of that build, else the profile's.
    pub fn cmd_banner(&mut self) -> (String, String) {
        let version = if self.cfg.version_line.is_empty() {
            let out = self.machine.exec(&mut ShellState::default(), "ver").output;
            out.lines()
                .map(str::trim)
                .find(|l| l.starts_with("Microsoft Windows [Version "))
                .map_or_else(|| self.cfg.version_line().to_string(), str::to_string)
        } else {
            self.cfg.version_line.clone()
        };
        let copyright = if !self.cfg.copyright_line.is_empty() {
            self.cfg.copyright_line.clone()
        } else if version.contains(" 10.0.17763") {
            Profile::Ws2019.default_copyright_line().to_string()
        } else if version.contains(" 10.0.14393") {
            Profile::Ws2016.default_copyright_line().to_string()
        } else if version.contains(" 10.0.20348") {
            Profile::Ws2022.default_copyright_line().to_string()
        } else {
            self.cfg.copyright_line().to_string()
        };
        (version, copyright)
    }

    /// Lock or idle timeout: back to the login prompts on a cleared screen.
    pub(super) fn lock_channel(&mut self, slot: usize, _now: Instant) {
        self.end_painting(slot);
        let Some(cmd) = self.cmd_mut(slot) else { return };
        cmd.relogin();
        cmd.prompt_since = None;
        // GUESS: the locked channel clears and asks again; the old screen is not restored.
        let s = format!("\x1b[2J\x1b[1;1H{}{}", text::LOGIN_HEAD, text::LOGIN_USER);
        self.chan_write(slot, &s);
        if self.view != View::Channel(slot) {
            if let Some(Some(ch)) = self.slots.get_mut(slot) {
                ch.unread = false;
            }
        }
    }

    fn shell_key(&mut self, slot: usize, c: char, now: Instant) {
        let cronly = self.cfg.cronly;
        let eat_window = Duration::from_millis(self.cfg.eatchars_ms);
        let eatchars = self.cfg.eatchars;
        let Some(cmd) = self.cmd_mut(slot) else { return };
        if eatchars && cmd.prompt_since.is_some_and(|t| now.duration_since(t) < eat_window) {
            return;
        }
        // Escape sequences (arrow keys and the like) are read and ignored by the line editor.
        match cmd.esc {
            EscSkip::Esc => {
                cmd.esc = if c == '[' { EscSkip::Csi } else { EscSkip::None };
                return;
            }
            EscSkip::Csi => {
                if ('\x40'..='\x7e').contains(&c) {
                    cmd.esc = EscSkip::None;
                }
                return;
            }
            EscSkip::None if c == '\x1b' => {
                cmd.esc = EscSkip::Esc;
                return;
            }
            EscSkip::None => {}
        }
        let Some(enter) = self.is_enter(slot, c, cronly) else { return };
        let Some(cmd) = self.cmd_mut(slot) else { return };
        if enter {
            let line: String = cmd.line.drain(..).collect();
            self.chan_write(slot, "\r\n");
            self.run_line(slot, line, now);
            return;
        }
        let echo = match c {
            '\x03' => {
                // Ctrl+C drops the line and, at `More? `, the open block too: cmd.exe goes back
                // to its normal prompt.
                cmd.line.clear();
                cmd.shell.pending.clear();
                let prompt = cmd.shell.prompt();
                Some(format!("^C\r\n{prompt}"))
            }
            '\x08' | '\x7f' => cmd.line.pop().map(|_| "\x08 \x08".to_string()),
            c if (c as u32) < 0x20 => None,
            // cmd.exe's buffer holds 8191 characters.
            c if cmd.line.len() < 8191 => {
                cmd.line.push(c);
                Some(c.to_string())
            }
            _ => None,
        };
        if let Some(e) = echo {
            self.chan_write(slot, &e);
        }
    }

    /// Runs a line through the machine.
    fn run_line(&mut self, slot: usize, line: String, now: Instant) {
        let Some(cmd) = self.cmd_mut(slot) else { return };
        if line.trim().is_empty() {
            let prompt = cmd.shell.prompt();
            self.chan_write(slot, &prompt);
            return;
        }
        let mut shell = cmd.shell.clone();
        let result = self.machine.exec(&mut shell, &line);
        let Some(cmd) = self.cmd_mut(slot) else { return };
        cmd.shell = shell;
        if self.reboot_fault_armed {
            // Fault: the VM goes down after part of the output.
            self.reboot_fault_armed = false;
            let half: String = result.output.chars().take(result.output.len() / 2).collect();
            self.chan_write(slot, &half);
            self.add_timer(now, Timer::Reboot);
            return;
        }
        let ExecResult { output, effect, paged, delay_ms, .. } = result;
        let done_at = match delay_ms {
            0 => {
                self.complete(slot, output, effect, paged, &line, now);
                return;
            }
            u64::MAX => {
                // Runs until Ctrl+C: what it printed so far shows at once.
                self.chan_write(slot, &output);
                None
            }
            ms => Some(now + Duration::from_millis(ms)),
        };
        let output = if done_at.is_none() { String::new() } else { output };
        if let Some(cmd) = self.cmd_mut(slot) {
            cmd.state = CmdState::Running { done_at, output, effect, paged, line };
        }
    }

    /// A command's output is complete: show it (paged if asked), apply its effect, prompt.
    fn complete(
        &mut self,
        slot: usize,
        output: String,
        effect: Effect,
        paged: bool,
        line: &str,
        now: Instant,
    ) {
        // `cls` followed by more commands on the same line (`cls & findstr ... | more`): cmd.exe
        // clears the screen when it reaches `cls`, and what follows is printed on the cleared
        // screen (the shell kept only that output), followed by the usual blank line and prompt.
        // A line that ends with `cls` clears after its output, leaving the prompt on the top row.
        let effect = if effect == Effect::ClearScreen && !output.is_empty() {
            self.chan_write(slot, "\x1b[2J\x1b[1;1H");
            Effect::None
        } else {
            effect
        };
        if paged {
            let rows = self.page_rows(slot);
            let lines: VecDeque<String> =
                output.split_inclusive('\n').map(str::to_string).collect();
            if let Some(cmd) = self.cmd_mut(slot) {
                cmd.state = CmdState::Paging { lines, effect, line: line.to_string() };
            }
            self.show_more(slot, rows.saturating_sub(1).max(1), now);
            return;
        }
        self.chan_write(slot, &output);
        self.after_command(slot, effect, line, now);
    }

    /// Shows up to `n` more lines of a paged output, then `-- More --` or the end.
    fn show_more(&mut self, slot: usize, n: usize, now: Instant) {
        let Some(cmd) = self.cmd_mut(slot) else { return };
        let CmdState::Paging { lines, .. } = &mut cmd.state else { return };
        let chunk: String = (0..n).filter_map(|_| lines.pop_front()).collect();
        let more_left = !lines.is_empty();
        self.chan_write(slot, &chunk);
        if more_left {
            self.chan_write(slot, text::MORE);
            return;
        }
        let Some(cmd) = self.cmd_mut(slot) else { return };
        let state = std::mem::replace(&mut cmd.state, CmdState::Ready);
        if let CmdState::Paging { effect, line, .. } = state {
            self.after_command(slot, effect, &line, now);
        }
    }

    /// Rows of the console window, which `more` fills before `-- More --` (`mode con lines=N`).
    fn page_rows(&self, slot: usize) -> usize {
        let cmd = self.slots.get(slot).and_then(|c| c.as_ref()).and_then(|c| c.cmd.as_ref());
        cmd.map_or(24, |c| usize::from(c.shell.lines).max(2))
    }

    fn more_key(&mut self, slot: usize, c: char, now: Instant) {
        let rows = self.page_rows(slot);
        let n = match c {
            ' ' => rows.saturating_sub(1).max(1),
            '\r' | '\n' => 1,
            'q' | 'Q' | '\x03' => 0,
            _ => return,
        };
        if c == '\n' && self.cmd_mut(slot).is_some_and(|cmd| cmd.last_cr) {
            return;
        }
        if let Some(cmd) = self.cmd_mut(slot) {
            cmd.last_cr = c == '\r';
        }
        self.chan_write(slot, text::MORE_ERASE);
        if n == 0 {
            if let Some(cmd) = self.cmd_mut(slot) {
                if let CmdState::Paging { lines, .. } = &mut cmd.state {
                    lines.clear();
                }
            }
        }
        self.show_more(slot, n, now);
    }

    /// Ctrl+C while a command runs.
    fn cancel(&mut self, slot: usize, _now: Instant) {
        let Some(cmd) = self.cmd_mut(slot) else { return };
        cmd.state = CmdState::Ready;
        cmd.typeahead.clear();
        let prompt = cmd.shell.prompt();
        self.chan_write(slot, &format!("^C\r\n{prompt}"));
    }

    /// The effect of a finished command, then the next prompt.
    fn after_command(&mut self, slot: usize, effect: Effect, _line: &str, now: Instant) {
        match effect {
            Effect::ExitShell => {
                self.close_channel(slot);
                return;
            }
            Effect::ClearScreen => self.chan_write(slot, "\x1b[2J\x1b[1;1H"),
            Effect::Reboot { delay_ms } => {
                self.add_timer(now + Duration::from_millis(delay_ms), Timer::Reboot)
            }
            Effect::Shutdown => {
                self.add_timer(now, Timer::PowerOff);
            }
            Effect::None => {}
        }
        let Some(cmd) = self.cmd_mut(slot) else { return };
        cmd.state = CmdState::Ready;
        // cmd.exe leaves an empty line between a command's output and its next prompt, but
        // `More? ` (a block still open) follows the typed line directly.
        let open_block = !cmd.shell.pending.is_empty();
        let sep =
            if cmd.shell.mode == ShellMode::Cmd && effect != Effect::ClearScreen && !open_block {
                "\r\n"
            } else {
                ""
            };
        let prompt = format!("{sep}{}", cmd.shell.prompt());
        let typeahead: Vec<char> = cmd.typeahead.drain(..).collect();
        self.chan_write(slot, &prompt);
        for c in typeahead {
            self.cmd_key(slot, c, now);
        }
    }

    /// Completions of running commands and idle timeouts.
    pub(super) fn tick_channels(&mut self, now: Instant) {
        let idle = Duration::from_secs(self.cfg.idle_timeout_s);
        for slot in 1..self.slots.len() {
            let Some(cmd) = self.cmd_mut(slot) else { continue };
            match &cmd.state {
                CmdState::Running { done_at: Some(t), .. } if *t <= now => {
                    let state = std::mem::replace(&mut cmd.state, CmdState::Ready);
                    if let CmdState::Running { output, effect, paged, line, .. } = state {
                        self.complete(slot, output, effect, paged, &line, now);
                    }
                }
                CmdState::Ready
                    if !idle.is_zero() && now.duration_since(cmd.last_input) >= idle =>
                {
                    self.lock_channel(slot, now);
                }
                _ => {}
            }
        }
    }
}
