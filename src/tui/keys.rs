//! Keys: the reserved prefix key, the table of sacdoc's own actions, and the bytes a key sends to
//! the VM when it goes straight through.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// The reserved key that opens sacdoc's menu (everything else goes to the VM in the console).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefixKey {
    /// The letter pressed with Ctrl (`a` for Ctrl+A).
    pub letter: char,
}

impl Default for PrefixKey {
    /// Ctrl+A, as in tio and screen.
    fn default() -> Self {
        PrefixKey { letter: 'a' }
    }
}

impl PrefixKey {
    /// Parses `ctrl-a`, `C-a`, `^A`, `ctrl+b`.
    pub fn parse(s: &str) -> Result<PrefixKey, String> {
        let t = s.trim().to_ascii_lowercase();
        let letter = t
            .strip_prefix("ctrl-")
            .or_else(|| t.strip_prefix("ctrl+"))
            .or_else(|| t.strip_prefix("c-"))
            .or_else(|| t.strip_prefix('^'))
            .filter(|l| l.len() == 1)
            .and_then(|l| l.chars().next())
            .filter(|c| c.is_ascii_lowercase());
        match letter {
            // Ctrl+C, Ctrl+H, Ctrl+I, Ctrl+M are what the VM needs most: never take them.
            Some(c) if !matches!(c, 'c' | 'h' | 'i' | 'm' | 'j') => Ok(PrefixKey { letter: c }),
            Some(c) => Err(format!(
                "Ctrl+{} cannot be the prefix key: the VM needs it; use e.g. ctrl-a or ctrl-b",
                c.to_ascii_uppercase()
            )),
            None => Err(format!("{s:?} is not a prefix key: write it as ctrl-a, ctrl-b, ...")),
        }
    }

    /// True when `key` is the prefix key.
    pub fn matches(&self, key: &KeyEvent) -> bool {
        key.modifiers.contains(KeyModifiers::CONTROL)
            && matches!(key.code, KeyCode::Char(c) if c.to_ascii_lowercase() == self.letter)
    }

    /// The key as shown in the status bar: `Ctrl+A`.
    pub fn label(&self) -> String {
        format!("Ctrl+{}", self.letter.to_ascii_uppercase())
    }

    /// The byte the prefix key itself sends when pressed twice.
    pub fn byte(&self) -> u8 {
        (self.letter as u8) & 0x1f
    }
}

/// sacdoc's own actions, reached after the prefix key (or directly outside the console).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    ShowConsole,
    ShowChannels,
    ShowDoctor,
    ShowResults,
    ShowPalette,
    RunDoctor,
    ApplyFixes,
    OpenCmd,
    Reconnect,
    /// Send the prefix key itself to the VM.
    SendPrefix,
    /// Replay controls.
    PauseResume,
    Faster,
    Slower,
    NextMarker,
    PrevMarker,
    /// Replay: the list of chapters (markers).
    Chapters,
    /// Training: reveal the next hint.
    Hint,
    /// Training: the trainee is done; grade the work.
    Done,
    /// Show what is typed on the console at once (tio's and PuTTY's local echo).
    LocalEcho,
    /// The console view shows the received bytes in hex (tio's hex mode).
    HexView,
    /// Reopen the link by itself whenever it is lost (tio's auto-reconnect).
    AutoReconnect,
    /// Send a break on the serial line (tio's Ctrl+T b).
    Break,
    /// The line-settings dialog (speed, data bits, parity, stop bits, flow control).
    LineSettings,
    /// Pause or resume the recording of the session (tio's logging toggle).
    Logging,
    /// Show the time each console line arrived (tio's timestamps).
    Timestamps,
    /// Azure: a non-maskable interrupt to the VM, after a confirmation.
    AzureNmi,
    /// Azure: a hard reset of the VM, after a confirmation.
    AzureReset,
}

/// The menu: key after the prefix, the action, and what the help overlay says about it.
pub const MENU: &[(char, Action, &str)] = &[
    ('1', Action::ShowConsole, "console: the live screen of the channel in view"),
    ('2', Action::ShowChannels, "channels: SAC and every cmd channel"),
    ('3', Action::ShowDoctor, "doctor: checks, evidence, fix plan"),
    ('4', Action::ShowResults, "results: parsed outputs as tables"),
    ('5', Action::ShowPalette, "palette: procedure and SAC commands"),
    ('d', Action::RunDoctor, "run the doctor (diagnose only)"),
    ('a', Action::ApplyFixes, "apply fixes (each confirmed in a dialog)"),
    ('o', Action::OpenCmd, "open a new cmd channel"),
    ('r', Action::Reconnect, "reconnect a lost link"),
    ('e', Action::LocalEcho, "local echo on / off"),
    ('A', Action::AutoReconnect, "auto-reconnect on / off (retry every 2 s)"),
    ('x', Action::HexView, "hex view of the bytes received on / off"),
    ('t', Action::Timestamps, "timestamps on / off (time each line came)"),
    ('b', Action::Break, "send a break (500 ms)"),
    ('s', Action::LineSettings, "line settings (baud, data, parity, stop, flow)"),
    ('l', Action::Logging, "recording pause / resume (same file)"),
    ('N', Action::AzureNmi, "Azure: NMI, a crash for a dump (asks first)"),
    ('R', Action::AzureReset, "Azure: hard reset (asks first)"),
    ('?', Action::Help, "this help"),
    ('q', Action::Quit, "quit sacdoc"),
    (' ', Action::PauseResume, "replay: pause / resume"),
    ('+', Action::Faster, "replay: faster (1x, 2x, 10x, max)"),
    ('-', Action::Slower, "replay: slower"),
    ('n', Action::NextMarker, "replay: next marker"),
    ('p', Action::PrevMarker, "replay: previous marker"),
    ('c', Action::Chapters, "replay: chapters (all markers)"),
    ('h', Action::Hint, "training: show the next hint"),
    ('g', Action::Done, "training: done, grade my work"),
];

/// The action for a key pressed after the prefix.
pub fn menu_action(key: &KeyEvent, prefix: &PrefixKey) -> Option<Action> {
    if prefix.matches(key) {
        return Some(Action::SendPrefix);
    }
    let KeyCode::Char(c) = key.code else { return None };
    MENU.iter().find(|(k, _, _)| *k == c).map(|(_, a, _)| *a)
}

/// True for key presses (crossterm on Windows also reports releases).
pub fn is_press(key: &KeyEvent) -> bool {
    key.kind != KeyEventKind::Release
}

/// The bytes a key sends to the VM, as a VT100 terminal would (PuTTY-like: Backspace is BS, which
/// SAC and cmd both accept).
pub fn key_bytes(key: &KeyEvent) -> Option<Vec<u8>> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let mut out = Vec::new();
    if alt {
        out.push(0x1b);
    }
    match key.code {
        KeyCode::Char(c) if ctrl => {
            let b = match c.to_ascii_lowercase() {
                c @ 'a'..='z' => (c as u8) & 0x1f,
                '@' | ' ' | '2' => 0,
                '[' | '3' => 0x1b,
                '\\' | '4' => 0x1c,
                ']' | '5' => 0x1d,
                '^' | '6' => 0x1e,
                '_' | '7' | '/' => 0x1f,
                _ => return None,
            };
            out.push(b);
        }
        KeyCode::Char(c) => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        KeyCode::Enter => out.push(b'\r'),
        KeyCode::Tab => out.push(b'\t'),
        KeyCode::BackTab => out.extend_from_slice(b"\x1b[Z"),
        KeyCode::Backspace => out.push(0x08),
        KeyCode::Esc => out.push(0x1b),
        KeyCode::Up => out.extend_from_slice(b"\x1b[A"),
        KeyCode::Down => out.extend_from_slice(b"\x1b[B"),
        KeyCode::Right => out.extend_from_slice(b"\x1b[C"),
        KeyCode::Left => out.extend_from_slice(b"\x1b[D"),
        KeyCode::Home => out.extend_from_slice(b"\x1b[H"),
        KeyCode::End => out.extend_from_slice(b"\x1b[F"),
        KeyCode::Delete => out.push(0x7f),
        KeyCode::Insert => out.extend_from_slice(b"\x1b[2~"),
        KeyCode::PageUp => out.extend_from_slice(b"\x1b[5~"),
        KeyCode::PageDown => out.extend_from_slice(b"\x1b[6~"),
        KeyCode::F(n @ 1..=4) => {
            out.extend_from_slice(b"\x1bO");
            out.push(b'P' + n - 1);
        }
        _ => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn prefix_parses_and_refuses_keys_the_vm_needs() {
        assert_eq!(PrefixKey::parse("ctrl-b"), Ok(PrefixKey { letter: 'b' }));
        assert_eq!(PrefixKey::parse("^T"), Ok(PrefixKey { letter: 't' }));
        assert!(PrefixKey::parse("ctrl-c").unwrap_err().contains("VM needs it"));
        assert!(PrefixKey::parse("F1").is_err());
    }

    #[test]
    fn keys_become_vt100_bytes() {
        let none = KeyModifiers::NONE;
        assert_eq!(key_bytes(&k(KeyCode::Enter, none)), Some(b"\r".to_vec()));
        assert_eq!(key_bytes(&k(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(vec![3]));
        assert_eq!(key_bytes(&k(KeyCode::Esc, none)), Some(vec![0x1b]));
        assert_eq!(key_bytes(&k(KeyCode::Tab, none)), Some(vec![b'\t']));
        assert_eq!(key_bytes(&k(KeyCode::Char('é'), none)), Some("é".as_bytes().to_vec()));
        assert_eq!(key_bytes(&k(KeyCode::Up, none)), Some(b"\x1b[A".to_vec()));
    }
}
