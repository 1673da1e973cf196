//! Results for commands typed by hand: when the operator presses Enter after a recognised command
//! at a cmd prompt in the console view, what the VM prints until the next prompt is taken as that
//! command's output and parsed into the Results view, like a `!` command.
//!
//! Two kinds of console carry the output differently:
//! - a streaming one (Server 2022) sends it as text in the byte stream: the output is the text
//!   after the Enter's line end up to the next `C:\...>` prompt, read whole;
//! - a painted one (Server 2016/2019) sends 80x24 screens drawn with `ESC[r;cH`, with no
//!   scrollback, and skips screens when output is fast. The output is pieced together from the
//!   screens as they were painted: each screen at rest is joined to what was read before by the
//!   rows they share. A screen that shares no row with the previous one means screens were
//!   skipped: the result is then marked possibly incomplete, never passed off as whole.
//!
//! Enter often reaches the VM before the echo of the last keys reaches the screen (a quick
//! typist, tmux, a slow line), so the command is known only once its echo has arrived whole: the
//! capture starts at any Enter after a cmd prompt, completes the command line from the echo, and
//! lets go at once when the command is not one Results parses.
//!
//! The capture is pure: it reads bytes and screens the UI already has and sends nothing.

use crate::runner::CommandOutput;

/// Most bytes one capture keeps (a command that prints more is dropped, with a message).
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// How far into the stream the rest of a command's echo is looked for.
const ECHO_BYTES: usize = 4096;

/// Most rows a painted capture keeps.
const MAX_ROWS: usize = 100_000;

/// How the console in view carries the output.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    /// Not known until the first bytes arrive.
    Unknown,
    Stream,
    /// Rows read from the screens so far; `echo_seen` once the command's own echo row was on a
    /// screen (the rows below it are the output's start); `dirty` while a paint has not been
    /// read.
    Painted {
        rows: Vec<String>,
        echo_seen: bool,
        skipped: bool,
        dirty: bool,
    },
}

/// What one step of a capture produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Still reading.
    Reading,
    /// The next prompt came: the output, and whether screens were skipped.
    Done { output: CommandOutput, incomplete: bool },
    /// The capture was given up (too much output): why.
    Dropped(String),
    /// The command's echo came whole and Results does not parse it: nothing to read.
    NotRecognised,
}

/// One command typed by hand whose output is being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    /// The command line; until `known`, only what its echo showed when Enter was pressed.
    pub command: String,
    known: bool,
    /// The prompt it was typed at, e.g. `C:\Windows\system32>`.
    prompt: String,
    bytes: Vec<u8>,
    mode: Mode,
}

/// Whether the Results view parses what `command` prints (a command typed by hand is read only
/// then; anything else is the operator's business).
pub fn recognised(command: &str) -> bool {
    let c = command.trim_start().to_ascii_lowercase();
    let first = c.split_whitespace().next().unwrap_or("");
    let program = first.trim_end_matches(".exe");
    matches!(program, "netstat" | "icacls" | "sc" | "tasklist" | "bcdedit" | "certutil")
        || c.starts_with("reg query")
        || c.starts_with("reg.exe query")
        || c.contains("get-service")
        || (c.contains("get-childitem") && c.contains("cert:"))
}

/// The prompt and what follows it on a console row (the text before the cursor) when the row
/// starts with a cmd prompt.
pub fn at_cmd_prompt(before_cursor: &str) -> Option<(String, String)> {
    let end = before_cursor.find('>')?;
    let (prompt, command) = before_cursor.split_at(end + 1);
    crate::runner::is_cmd_prompt(prompt).then(|| (prompt.to_string(), command.to_string()))
}

/// Whether received bytes position the cursor (`ESC[r;cH`): a painted console's paints do, a
/// streaming console's text does not.
fn positions_cursor(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i + 2 < bytes.len() {
        if bytes[i] == 0x1b && bytes[i + 1] == b'[' {
            let mut j = i + 2;
            let mut semi = false;
            while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b';') {
                semi |= bytes[j] == b';';
                j += 1;
            }
            if semi && bytes.get(j) == Some(&b'H') {
                return true;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    false
}

/// Whether `b` ends with a cursor move `ESC[r;cH` (the last thing a paint sends).
fn ends_with_cursor_move(b: &[u8]) -> bool {
    let Some(body) = b.strip_suffix(b"H") else { return false };
    let digits = body.iter().rev().take_while(|c| c.is_ascii_digit() || **c == b';').count();
    digits > 0 && body[..body.len() - digits].ends_with(b"\x1b[")
}

impl Capture {
    /// A capture after Enter at `prompt`. `command` is the whole line when `known` (sacdoc typed
    /// it), else what its echo showed so far (the rest arrives after Enter).
    pub fn new(prompt: &str, command: &str, known: bool) -> Capture {
        Capture {
            command: command.to_string(),
            known,
            prompt: prompt.to_string(),
            bytes: Vec::new(),
            mode: Mode::Unknown,
        }
    }

    /// Whether this capture reads painted screens.
    pub fn painted(&self) -> bool {
        matches!(self.mode, Mode::Painted { .. })
    }

    /// Bytes received. `screen` is the console after they were fed; `cursor_row` the text of the
    /// cursor's row before the cursor.
    pub fn bytes(&mut self, b: &[u8], screen: &[String], cursor_row: &str) -> Step {
        self.bytes.extend_from_slice(b);
        if self.bytes.len() > MAX_BYTES {
            return Step::Dropped(format!(
                "{}: more than {} MB printed, not read into Results",
                self.command.trim(),
                MAX_BYTES >> 20
            ));
        }
        if self.mode == Mode::Unknown || self.mode == Mode::Stream {
            // Only the new bytes (and a sequence split before them) need a look.
            let from = self.bytes.len().saturating_sub(b.len() + 16);
            self.mode = if positions_cursor(&self.bytes[from..]) {
                Mode::Painted { rows: Vec::new(), echo_seen: false, skipped: false, dirty: true }
            } else {
                Mode::Stream
            };
        }
        match &mut self.mode {
            Mode::Painted { dirty, .. } => {
                *dirty = true;
                // At the new prompt the screen is at rest and the output complete.
                if cursor_row.trim_end() == self.prompt {
                    return self.screen(screen, true);
                }
                // A paint ends with the cursor's move: the screen is at rest, read it now (the
                // loop's tick reads one that ended otherwise).
                if ends_with_cursor_move(b) {
                    return self.screen(screen, false);
                }
                Step::Reading
            }
            _ => self.stream(),
        }
    }

    /// The loop's tick: a painted screen that changed since the last one read is read.
    pub fn quiet(&mut self, screen: &[String]) -> Step {
        match &self.mode {
            Mode::Painted { dirty: true, .. } => self.screen(screen, false),
            _ => Step::Reading,
        }
    }

    fn stream(&mut self) -> Step {
        if !self.known {
            // The rest of the echo, up to the Enter's line end, is near the start.
            let head = &self.bytes[..self.bytes.len().min(ECHO_BYTES)];
            let text = crate::term::stream_text(head);
            match text.find("\r\n") {
                Some(end) => {
                    self.command = format!("{}{}", self.command, &text[..end]).trim().to_string();
                    self.known = true;
                    if !recognised(&self.command) {
                        return Step::NotRecognised;
                    }
                }
                None if head.len() < ECHO_BYTES => return Step::Reading,
                None => return Step::NotRecognised,
            }
        }
        // The whole stream is read again only when its end shows the prompt (one pass per
        // prompt-like end, not one per chunk).
        let from = self.bytes.len().saturating_sub(self.prompt.len() + 256);
        if !crate::term::stream_text(&self.bytes[from..]).ends_with(&self.prompt) {
            return Step::Reading;
        }
        let text = crate::term::stream_text(&self.bytes);
        // The Enter's line end (after the echo of what was typed) starts the output.
        let Some(start) = text.find("\r\n") else { return Step::Reading };
        let body = &text[start + 2..];
        let tail = format!("\r\n{}", self.prompt);
        let end = if body == self.prompt {
            0
        } else if let Some(head) = body.strip_suffix(&tail) {
            head.len()
        } else {
            return Step::Reading;
        };
        let output = body[..end].trim_end_matches("\r\n").to_string();
        Step::Done { output: self.output(output), incomplete: false }
    }

    /// Joins one screen at rest to the rows read so far; `done` when it shows the next prompt.
    fn screen(&mut self, screen: &[String], done: bool) -> Step {
        let echo = format!("{}{}", self.prompt, self.command.trim_end());
        let known = self.known;
        let Mode::Painted { rows, echo_seen, skipped, dirty } = &mut self.mode else {
            return Step::Reading;
        };
        *dirty = false;
        let mut shown: Vec<String> = screen.iter().map(|r| r.trim_end().to_string()).collect();
        if done {
            // The prompt's row (the last one drawn) is not output.
            while shown.last().is_some_and(String::is_empty) {
                shown.pop();
            }
            if shown.last().is_some_and(|r| r == &self.prompt) {
                shown.pop();
            }
        }
        while shown.last().is_some_and(String::is_empty) {
            shown.pop();
        }
        // The echo row: the line as typed, or (not known yet) the last row that starts with what
        // its echo showed at Enter.
        let at = if known {
            shown.iter().rposition(|r| r == &echo)
        } else {
            shown.iter().rposition(|r| r.starts_with(&echo) && r != &self.prompt)
        };
        if let Some(at) = at.filter(|_| !*echo_seen || known) {
            if !known {
                self.command = shown[at][self.prompt.len()..].trim().to_string();
                self.known = true;
                if !recognised(&self.command) {
                    return Step::NotRecognised;
                }
            }
            // The echo is on screen: everything below it is the output from its start.
            *rows = shown.split_off(at + 1);
            *echo_seen = true;
        } else if *echo_seen {
            let shared = overlap(rows, &shown);
            if shared == 0 && !shown.is_empty() {
                *skipped = true;
            }
            rows.extend(shown.into_iter().skip(shared));
            if rows.len() > MAX_ROWS {
                let cut = rows.len() - MAX_ROWS;
                rows.drain(..cut);
                *skipped = true;
            }
        } else if !known {
            // The echo scrolled away before it was read: which command printed this is not
            // known, so it is not read.
            return Step::NotRecognised;
        } else {
            // The echo scrolled away before any screen was read: its first rows are lost.
            *rows = shown;
            *echo_seen = true;
            *skipped = true;
        }
        if !done {
            return Step::Reading;
        }
        let incomplete = *skipped;
        let text = rows.join("\r\n");
        Step::Done { output: self.output(text), incomplete }
    }

    fn output(&self, output: String) -> CommandOutput {
        CommandOutput {
            command: self.command.clone(),
            exit_code: None,
            output,
            bytes_sent: 0,
            bytes_received: self.bytes.len() as u64,
            duration_ms: 0,
        }
    }
}

/// How many rows at the start of `next` repeat the last rows of `have` (the longest such run).
fn overlap(have: &[String], next: &[String]) -> usize {
    let most = have.len().min(next.len());
    (1..=most).rev().find(|&k| have[have.len() - k..] == next[..k]).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<String> {
        let mut v: Vec<String> = text.lines().map(str::to_string).collect();
        v.resize(24, String::new());
        v
    }

    #[test]
    fn recognised_commands_are_those_the_results_view_parses() {
        for c in [
            "netstat -anob",
            "NETSTAT.EXE -ano",
            "icacls C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys",
            "reg query HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server",
            "sc query TermService",
            "tasklist /svc",
            "bcdedit /enum",
            "certutil -store my",
            "powershell -c \"Get-ChildItem Cert:\\LocalMachine\\My\"",
        ] {
            assert!(recognised(c), "{c}");
        }
        for c in ["dir", "echo netstat", "scp x y", "", "regedit"] {
            assert!(!recognised(c), "{c}");
        }
    }

    #[test]
    fn a_prompt_row_gives_the_prompt_and_what_follows() {
        assert_eq!(
            at_cmd_prompt("C:\\Windows\\system32>netstat -an"),
            Some(("C:\\Windows\\system32>".into(), "netstat -an".into()))
        );
        assert_eq!(at_cmd_prompt("C:\\>"), Some(("C:\\>".into(), String::new())));
        assert_eq!(at_cmd_prompt("SAC>netstat"), None);
        assert_eq!(at_cmd_prompt("netstat"), None);
        assert_eq!(at_cmd_prompt(""), None);
    }

    #[test]
    fn a_streamed_output_ends_at_the_next_prompt_in_any_split() {
        // Enter went before the echo of the last two keys: they come first.
        let stream = b"ob\r\n\r\nActive Connections\r\n\r\n  Proto  Local Address          Foreign Address        State           PID\r\n  TCP    0.0.0.0:3389           0.0.0.0:0              LISTENING       5500\r\n [rsagent.exe]\r\n\r\nC:\\Windows\\system32>";
        for cut in 0..stream.len() {
            let mut c = Capture::new("C:\\Windows\\system32>", "netstat -an", false);
            let mut step = c.bytes(&stream[..cut], &[], "");
            assert_eq!(step, Step::Reading, "cut {cut}");
            step = c.bytes(&stream[cut..], &[], "C:\\Windows\\system32>");
            let Step::Done { output, incomplete } = step else { panic!("cut {cut}: {step:?}") };
            assert!(!incomplete);
            assert!(!c.painted());
            assert_eq!(output.command, "netstat -anob");
            assert!(output.output.starts_with("\r\nActive Connections"), "{:?}", output.output);
            assert!(output.output.ends_with("[rsagent.exe]"), "{:?}", output.output);
            let n = crate::parse::netstat::parse(&output.output);
            assert_eq!(n.listeners_on(3389).len(), 1);
        }
    }

    #[test]
    fn a_streamed_output_with_no_prompt_yet_is_still_reading() {
        let mut c = Capture::new("C:\\>", "sc query x", true);
        assert_eq!(c.bytes(b"\r\nSERVICE_NAME: x\r\n", &[], ""), Step::Reading);
        assert_eq!(c.bytes(b"C:\\> not a prompt at the end", &[], ""), Step::Reading);
    }

    #[test]
    fn an_echo_that_completes_an_unrecognised_command_lets_go() {
        let mut c = Capture::new("C:\\>", "net", false);
        assert_eq!(c.bytes(b"sh\r\n", &[], ""), Step::NotRecognised);
        let mut c = Capture::new("C:\\>", "", false);
        let screen = rows("C:\\>ver\n\nMicrosoft Windows [Version 10.0.17763.1]\n\nC:\\>");
        assert_eq!(c.bytes(b"\x1b[5;5H", &screen, "C:\\>"), Step::NotRecognised);
    }

    #[test]
    fn a_painted_echo_completes_the_command_line() {
        let p = "C:\\>";
        let mut c = Capture::new(p, "sc qu", false);
        let screen = rows(&format!("{p}ver\n\n{p}sc query x\nSERVICE_NAME: x\n\n{p}"));
        let Step::Done { output, incomplete } = c.bytes(b"\x1b[6;5H", &screen, p) else { panic!() };
        assert!(!incomplete);
        assert_eq!(output.command, "sc query x");
        assert_eq!(output.output, "SERVICE_NAME: x");
    }

    #[test]
    fn painted_screens_that_overlap_make_one_whole_output() {
        let p = "C:\\Windows\\system32>";
        let mut c = Capture::new(p, "tasklist", true);
        let paint = b"\x1b[5;1Hx";
        let first = rows(&format!("{p}tasklist\nrow 1\nrow 2\nrow 3"));
        assert_eq!(c.bytes(paint, &first, "row 3"), Step::Reading);
        assert!(c.painted());
        assert_eq!(c.quiet(&first), Step::Reading);
        // Nothing new painted: a tick reads nothing.
        assert_eq!(c.quiet(&first), Step::Reading);
        // A paint that ends with the cursor's move is read at once.
        let second = rows("row 2\nrow 3\nrow 4\nrow 5");
        assert_eq!(c.bytes(b"\x1b[4;1Hrow 5\x1b[5;1H", &second, ""), Step::Reading);
        let last = rows(&format!("row 4\nrow 5\nrow 6\n\n{p}"));
        let Step::Done { output, incomplete } = c.bytes(paint, &last, p) else { panic!() };
        assert!(!incomplete);
        assert_eq!(output.output, "row 1\r\nrow 2\r\nrow 3\r\nrow 4\r\nrow 5\r\nrow 6");
    }

    #[test]
    fn a_skipped_screen_marks_the_output_possibly_incomplete() {
        let p = "C:\\>";
        let mut c = Capture::new(p, "netstat -ano", true);
        let paint = b"\x1b[1;1Hx";
        let first = rows(&format!("{p}netstat -ano\nrow 1\nrow 2"));
        c.bytes(paint, &first, "");
        c.quiet(&first);
        let after_gap = rows(&format!("row 40\nrow 41\n\n{p}"));
        let Step::Done { output, incomplete } = c.bytes(paint, &after_gap, p) else { panic!() };
        assert!(incomplete);
        assert_eq!(output.output, "row 1\r\nrow 2\r\nrow 40\r\nrow 41");
    }

    #[test]
    fn an_echo_scrolled_away_before_any_read_is_incomplete_too() {
        let p = "C:\\>";
        let mut c = Capture::new(p, "netstat -ano", true);
        let screen = rows(&format!("row 30\nrow 31\n\n{p}"));
        let Step::Done { incomplete, .. } = c.bytes(b"\x1b[2;1Hx", &screen, p) else { panic!() };
        assert!(incomplete);
    }

    #[test]
    fn too_much_output_is_dropped_with_a_reason() {
        let mut c = Capture::new("C:\\>", "netstat -ano", true);
        let big = vec![b'x'; MAX_BYTES + 1];
        assert!(matches!(c.bytes(&big, &[], ""), Step::Dropped(_)));
    }

    #[test]
    fn odd_bytes_never_panic() {
        for known in [true, false] {
            let mut c = Capture::new("C:\\>", "sc query", known);
            for b in [&b"\x1b["[..], b"\x1b[1;", b"\x1b[;H", b"\xff\xfe\r", b"\r\n\x1b]0;t"] {
                let _ = c.bytes(b, &rows("C:\\>sc query\u{e9}"), "");
                let _ = c.quiet(&[]);
            }
        }
    }
}
