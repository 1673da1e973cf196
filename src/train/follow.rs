//! Following a recorded session: the transcript cut into steps (what was typed up to Enter, or
//! Esc Tab, and what the VM answered), and the comparison of a typed line with a recorded one.
//!
//! cmd.exe ignores the case of commands and switches and the amount of blank space between
//! words, so outside double quotes both are ignored; inside quotes the text must be the same.

use crate::transcript::{EventKind, Transcript};

/// One recorded step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The keys typed (Backspace applied), without the Enter that ended them.
    pub typed: String,
    /// A password was typed here (not recorded): any line is accepted.
    pub secret: bool,
    /// How the step ended: `\r` (Enter) or `\t` (Tab, e.g. Esc Tab at SAC).
    pub end: char,
    /// What the VM sent after the step ended, up to the next key.
    pub answer: Vec<u8>,
}

/// A transcript as steps, with the output before the first key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recording {
    pub opening: Vec<u8>,
    pub steps: Vec<Step>,
}

/// Cuts a transcript into steps. The echo of keys while a line is typed is left out (the
/// follower echoes the trainee's own keys); markers and other events are ignored.
pub fn steps(t: &Transcript) -> Recording {
    let mut rec = Recording::default();
    let mut line: Vec<u8> = Vec::new();
    let mut secret = false;
    // Output goes to the opening until the first step ends, then to the last step's answer.
    let mut typing = false;
    for e in &t.events {
        match &e.kind {
            EventKind::Output(b) if !typing => match rec.steps.last_mut() {
                Some(s) => s.answer.extend_from_slice(b),
                None => rec.opening.extend_from_slice(b),
            },
            EventKind::Output(_) => {}
            EventKind::Secret => {
                secret = true;
                typing = true;
            }
            EventKind::Input(b) => {
                for &c in b {
                    typing = true;
                    match c {
                        b'\r' | b'\t' => {
                            rec.steps.push(Step {
                                typed: typed_text(&line),
                                secret,
                                end: c as char,
                                answer: Vec::new(),
                            });
                            line.clear();
                            secret = false;
                            typing = false;
                        }
                        b'\n' => {}
                        _ => line.push(c),
                    }
                }
            }
            _ => {}
        }
    }
    rec
}

/// The text of typed keys: Backspace (BS or DEL) removes the key before it.
pub fn typed_text(keys: &[u8]) -> String {
    let mut out: Vec<char> = Vec::new();
    for c in String::from_utf8_lossy(keys).chars() {
        match c {
            '\u{8}' | '\u{7f}' => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out.into_iter().collect()
}

/// The line as cmd.exe reads it: outside double quotes lower case and blank runs as one space;
/// trimmed.
pub fn normalize(line: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let mut blank = false;
    for c in line.trim().chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if !quoted && c.is_whitespace() {
            blank = true;
            continue;
        }
        if blank && !out.is_empty() {
            out.push(' ');
        }
        blank = false;
        if quoted {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// True when a typed line is the recorded one as cmd.exe would read it.
pub fn same(typed: &str, recorded: &str) -> bool {
    normalize(typed) == normalize(recorded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::{Event, Header};

    fn ev(time: f64, kind: EventKind) -> Event {
        Event { time, kind }
    }

    #[test]
    fn case_and_blanks_do_not_matter_outside_quotes() {
        assert!(same("SC  Query   termservice ", "sc query TermService"));
        assert!(same(r#"reg query "HKLM\X Y""#, r#"REG QUERY "HKLM\X Y""#));
        assert!(!same(r#"echo "a  b""#, r#"echo "a b""#));
        assert!(!same(r#"echo "A""#, r#"echo "a""#));
        assert!(!same("sc query termservice", "sc qc termservice"));
    }

    #[test]
    fn backspace_removes_the_key_before_it() {
        assert_eq!(typed_text(b"netstst\x08\x08at"), "netstat");
        assert_eq!(typed_text(b"\x7fab"), "ab");
    }

    #[test]
    fn keys_become_steps_with_the_answer_after_enter() {
        let t = Transcript {
            header: Header::new("sim:x"),
            events: vec![
                ev(0.0, EventKind::Output(b"SAC>".to_vec())),
                ev(0.1, EventKind::Input(b"c".to_vec())),
                ev(0.1, EventKind::Output(b"c".to_vec())),
                ev(0.2, EventKind::Input(b"md\r".to_vec())),
                ev(0.3, EventKind::Output(b"\r\nok\r\nSAC>".to_vec())),
                ev(0.4, EventKind::Input(b"\x1b".to_vec())),
                ev(0.4, EventKind::Input(b"\t".to_vec())),
                ev(0.5, EventKind::Output(b"switch".to_vec())),
                ev(0.6, EventKind::Secret),
                ev(0.7, EventKind::Input(b"\r".to_vec())),
                ev(0.8, EventKind::Output(b"C:\\>".to_vec())),
            ],
            truncated: false,
        };
        let r = steps(&t);
        assert_eq!(r.opening, b"SAC>");
        let typed: Vec<(&str, bool, char)> =
            r.steps.iter().map(|s| (s.typed.as_str(), s.secret, s.end)).collect();
        assert_eq!(typed, [("cmd", false, '\r'), ("\u{1b}", false, '\t'), ("", true, '\r')]);
        assert_eq!(r.steps[0].answer, b"\r\nok\r\nSAC>");
        assert_eq!(r.steps[1].answer, b"switch");
        assert_eq!(r.steps[2].answer, b"C:\\>");
    }
}
