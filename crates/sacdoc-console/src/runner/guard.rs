//! Making sure the VM runs the command line that was meant, when its echo needed a repair.
//!
//! The typing code repairs a wrong echo in place: it erases what the screen shows past the first
//! wrong character and types the rest again. That is exact when a key was lost on the way to the
//! VM. When the key arrived and only its echo was lost on the way back (or an echo byte was
//! doubled), the VM's line and the screen differ after the repair: the VM holds `netstat -anoo`
//! while the screen shows `netstat -ano`. The capture would then be verified (its hash is the
//! VM's) but of the wrong command: a wrong answer reported as right, or, for a fix, a wrong change.
//!
//! So when the capture line's echo needed any repair, the line is dropped with Ctrl+C (which runs
//! nothing) and goes through a variable instead:
//!
//! 1. `set SDQ<n>=<the capture line, escaped>` is typed (repairs allowed) and entered;
//! 2. `set SDQ<n>` prints the value the VM holds; it is compared with the line meant before
//!    anything runs. A value that two reads agree is wrong is typed again; a read that noise
//!    garbled is read again;
//! 3. `%SDQ<n>% & <the rest>` runs it. Its first part is `set SDQ<n>` into the spool, so the
//!    verified spool starts with the value that ran, which is checked again and cut off. A
//!    damaged `%SDQ<n>%` runs no capture (no marker, no spool) or one whose first line is wrong:
//!    an error either way, never an answer.
//!
//! cmd expands `%VAR%` once, when it reads a line, and does not look at the value again; the
//! stored line's own `%TEMP%` is therefore expanded when the `set` line is read, and the value
//! printed back holds the VM's path there. The comparison accepts, for each `%NAME%` of the line
//! meant, either the reference itself (an undefined name stays as typed) or one value, the same at
//! every place the name occurs (see [`expands_to`]).

use super::spool::Spool;
use super::{cancel_line, type_command, Limits, RunError, SessionFault};
use crate::line::Line;

/// The variable a capture line is kept in, and the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guard {
    /// `SDQ<nonce>`.
    pub var: String,
    /// The capture line as cmd should hold it (before `%NAME%` expansion).
    pub value: String,
}

/// How a capture line went to the VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// Typed as it is; its echo came back right without a repair.
    Typed,
    /// Kept in a variable and run from it: the spool starts with the variable's value.
    Stored(Guard),
    /// Not known (a spool read back after a reconnect): the value line is checked and cut off if
    /// the spool has one.
    Unknown(Guard),
}

impl Guard {
    pub fn new(spool: &Spool, command: &str, nonce: &str) -> Guard {
        let var = format!("SDQ{nonce}");
        let value = spool.capture_stored(command, &var);
        Guard { var, value }
    }

    /// The line that stores the capture line: every character cmd would act on is escaped with
    /// `^` (quotes too, so the `set` line is never inside quotes, where a caret is kept as
    /// typed), except `%`, which cannot be escaped on cmd's command line.
    pub fn set_line(&self) -> String {
        let mut out = format!("set {}=", self.var);
        for c in self.value.chars() {
            if matches!(c, '^' | '&' | '|' | '<' | '>' | '"' | '(' | ')') {
                out.push('^');
            }
            out.push(c);
        }
        out
    }

    /// The line that prints the stored value back.
    pub fn show_line(&self) -> String {
        format!("set {}", self.var)
    }

    /// The line that runs the stored capture line, followed by `rest`.
    pub fn run_line(&self, rest: &str) -> String {
        format!("%{}% & {rest}", self.var)
    }

    /// True when `printed` (the value `set VAR` printed, without `VAR=`) is the value meant.
    pub fn holds(&self, printed: &str) -> bool {
        // Blanks at the end of the value do not change what runs (the marker's echo gets them).
        expands_to(self.value.trim_end(), printed.trim_end())
    }

    /// The value in the output of `set VAR`, given as lines (stream lines, or screen rows padded
    /// to the width): the line that starts with `VAR=` and the lines after it up to a blank one,
    /// joined (the console breaks a long line where it reaches the right margin).
    pub fn printed_value(&self, lines: &[String]) -> Option<String> {
        let head = format!("{}=", self.var);
        let start = lines.iter().position(|l| l.starts_with(&head))?;
        let mut value = String::new();
        for l in &lines[start..] {
            if l.trim().is_empty() {
                break;
            }
            value.push_str(l);
        }
        Some(value[head.len()..].trim_end().to_string())
    }

    /// The spool's text without its first line, the value that ran, once that is the value meant.
    fn strip<'a>(&self, text: &'a str, required: bool) -> Result<&'a str, RunError> {
        let head = format!("{}=", self.var);
        let (first, rest) = text.split_once("\r\n").unwrap_or((text, ""));
        match first.strip_prefix(&head) {
            Some(value) if self.holds(value) => Ok(rest),
            Some(_) => Err(SessionFault::CommandChanged.into()),
            None if required => Err(SessionFault::CommandChanged.into()),
            None => Ok(text),
        }
    }
}

impl Form {
    /// The command's output and exit code from its verified spool text.
    pub fn finish(&self, spool: &Spool, text: &str) -> Result<(String, Option<i32>), RunError> {
        let text = match self {
            Form::Typed => text,
            Form::Stored(g) => g.strip(text, true)?,
            Form::Unknown(g) => g.strip(text, false)?,
        };
        Ok(spool.split_exit(text))
    }
}

/// Most steps [`expands_to`] takes before it answers no: a line with many references to
/// different names could otherwise take long to rule out.
const MAX_STEPS: usize = 200_000;

/// True when `text` is what cmd's reading of `pattern` can give: `%NAME%` is either left as it
/// is (an undefined name; the scan then goes on from the character after the first `%`, as cmd
/// does on its command line) or replaced by one value, the same wherever the name (in any case)
/// occurs. A value is never empty (cmd deletes a variable set to nothing) and holds no `%`,
/// quote or line break, so a damaged reference (`%TEMQ%`) is not taken for a value.
pub fn expands_to(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let mut steps = 0;
    let mut binds = Vec::new();
    matches_from(&p, 0, &t, 0, &mut binds, &mut steps)
}

/// A name's meaning once decided: undefined, or its value.
type Binding = (String, Option<Vec<char>>);

fn matches_from(
    p: &[char],
    mut pi: usize,
    t: &[char],
    mut ti: usize,
    binds: &mut Vec<Binding>,
    steps: &mut usize,
) -> bool {
    loop {
        *steps += 1;
        if *steps > MAX_STEPS {
            return false;
        }
        let Some(&c) = p.get(pi) else { return ti == t.len() };
        if c != '%' {
            if t.get(ti) != Some(&c) {
                return false;
            }
            pi += 1;
            ti += 1;
            continue;
        }
        let close = p[pi + 1..].iter().position(|&x| x == '%').map(|j| pi + 1 + j);
        let Some(close) = close.filter(|&j| j > pi + 1) else {
            // A lone `%` (or `%%`) is text.
            if t.get(ti) != Some(&'%') {
                return false;
            }
            pi += 1;
            ti += 1;
            continue;
        };
        let name: String = p[pi + 1..close].iter().collect::<String>().to_ascii_lowercase();
        let bound = binds.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        return match bound {
            Some(None) => {
                t.get(ti) == Some(&'%') && matches_from(p, pi + 1, t, ti + 1, binds, steps)
            }
            Some(Some(v)) => {
                t.get(ti..ti + v.len()) == Some(&v[..])
                    && matches_from(p, close + 1, t, ti + v.len(), binds, steps)
            }
            None => {
                // Undefined: the `%` stays, and the scan goes on right after it.
                if t.get(ti) == Some(&'%') {
                    binds.push((name.clone(), None));
                    if matches_from(p, pi + 1, t, ti + 1, binds, steps) {
                        return true;
                    }
                    binds.retain(|(n, _)| *n != name);
                }
                // Defined: one value, tried from the shortest.
                let mut end = ti;
                while let Some(&x) = t.get(end) {
                    if matches!(x, '%' | '"' | '\r' | '\n') {
                        break;
                    }
                    end += 1;
                    binds.push((name.clone(), Some(t[ti..end].to_vec())));
                    if matches_from(p, close + 1, t, end, binds, steps) {
                        return true;
                    }
                    binds.retain(|(n, _)| *n != name);
                    if *steps > MAX_STEPS {
                        return false;
                    }
                }
                false
            }
        };
    }
}

/// Times the `set` line is typed again when the VM's value is wrong.
const SET_TRIES: u32 = 3;
/// Reads of the stored value per `set` line before it is given up as unreadable.
const READBACKS: u32 = 4;

/// Runs a helper line and returns the lines it printed: stream lines, or the screen rows below
/// its echo (padded to the width).
pub(crate) type ReadLines<'a> = dyn FnMut(&mut Line, &str) -> Result<Vec<String>, RunError> + 'a;

/// Types the capture line of `command` (`capture & rest`) at the prompt, without Enter. When its
/// echo needed a repair, drops it and types the variable form instead (see the module docs):
/// the value is stored, read back and compared before the line that runs it is typed.
pub(crate) fn type_capture(
    line: &mut Line,
    spool: &Spool,
    command: &str,
    nonce: &str,
    rest: &str,
    limits: Limits,
    read: &mut ReadLines<'_>,
) -> Result<Form, RunError> {
    let plain = format!("{} & {rest}", spool.capture(command));
    if type_command(line, &plain, limits.timeout)? == 0 {
        return Ok(Form::Typed);
    }
    tracing::debug!(
        "the capture line's echo needed a repair: it goes through a variable the VM reads back"
    );
    cancel_line(line, limits.timeout)?;
    let guard = Guard::new(spool, command, nonce);
    store(line, &guard, read)?;
    type_command(line, &guard.run_line(rest), limits.timeout)?;
    Ok(Form::Stored(guard))
}

/// Stores the guard's value in its variable and reads it back until one read shows the value
/// meant. Two reads that agree on something else mean the VM holds a wrong value: it is set
/// again.
fn store(line: &mut Line, guard: &Guard, read: &mut ReadLines<'_>) -> Result<(), RunError> {
    for _ in 0..SET_TRIES {
        read(line, &guard.set_line())?;
        let mut seen: Vec<Option<String>> = Vec::new();
        let mut wrong = false;
        for _ in 0..READBACKS {
            let value = guard.printed_value(&read(line, &guard.show_line())?);
            if value.as_deref().is_some_and(|v| guard.holds(v)) {
                return Ok(());
            }
            if seen.contains(&value) {
                wrong = true;
                break;
            }
            seen.push(value);
        }
        if !wrong {
            return Err(SessionFault::CommandUnread { reads: READBACKS }.into());
        }
        tracing::debug!("the VM holds a different command line: it is stored again");
    }
    Err(SessionFault::CommandChanged.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        Guard::new(&Spool::new("abc123"), "netstat -ano | findstr \"LISTENING\"", "abc123")
    }

    #[test]
    fn the_stored_line_writes_its_value_first_and_escapes_every_operator() {
        let g = guard();
        assert_eq!(
            g.value,
            ">\"%TEMP%\\sdabc123.txt\" 2>&1 set SDQabc123&netstat -ano |>>\"%TEMP%\\sdabc123.txt\" 2>&1 findstr \"LISTENING\"&>>\"%TEMP%\\sdabc123.txt\" cal^l echo SDXabc123:%^erro^rlevel%:"
        );
        let set = g.set_line();
        assert!(
            set.starts_with("set SDQabc123=^>^\"%TEMP%\\sdabc123.txt^\" 2^>^&1 set SDQabc123^&")
        );
        assert!(set.ends_with("cal^^l echo SDXabc123:%^^erro^^rlevel%:"));
        // Every character cmd acts on is escaped: removing the carets gives the value back.
        let mut unescaped = String::new();
        let mut chars = set["set SDQabc123=".len()..].chars();
        while let Some(c) = chars.next() {
            unescaped.push(if c == '^' { chars.next().unwrap() } else { c });
        }
        assert_eq!(unescaped, g.value);
    }

    #[test]
    fn the_value_matches_with_the_vms_own_paths() {
        let g = guard();
        let temp = "C:\\Users\\AZUREU~1\\AppData\\Local\\Temp\\2";
        let printed = g.value.replace("%TEMP%", temp);
        assert!(g.holds(&printed));
        // Undefined names stay as typed.
        assert!(g.holds(&g.value));
        // A doubled character, a lost one, a changed one: never the value meant.
        for damaged in [
            printed.replace("-ano", "-anoo"),
            printed.replace("-ano", "-an"),
            printed.replace("LISTENING", "LISTENIMG"),
            printed.replace("set SDQ", "sett SDQ"),
            printed.replacen(temp, "C:\\Windows\\Temp", 1),
            printed.replacen(temp, "%TEMQ%", 1),
            format!("x{printed}"),
        ] {
            assert!(!g.holds(&damaged), "{damaged}");
        }
    }

    #[test]
    fn references_follow_cmds_scan() {
        assert!(expands_to("a%X%b", "avalb"));
        assert!(expands_to("a%X%b%X%", "avalbval"));
        assert!(!expands_to("a%X%b%X%", "avalbother"));
        assert!(expands_to("a%x%b%X%", "avalbval"));
        assert!(expands_to("100%", "100%"));
        assert!(expands_to("%%", "%%"));
        // Undefined: the closing `%` may open the next reference.
        assert!(expands_to("%A%B%", "%Avalue"));
        assert!(!expands_to("%X%", ""));
        assert!(!expands_to("%X%", "a%b"));
    }

    #[test]
    fn many_references_end_in_bounded_time() {
        // Eight names, each four times: 301 characters cannot be four equal halves of anything,
        // so every split is tried, up to the step limit.
        let pattern = "%A%%B%%C%%D%%E%%F%%G%%H%".repeat(4);
        assert!(!expands_to(&pattern, &"x".repeat(301)));
        assert!(expands_to(&pattern, &"x".repeat(300)));
    }

    #[test]
    fn the_printed_value_is_joined_across_broken_rows() {
        let g = guard();
        let lines: Vec<String> =
            ["C:\\Windows\\system32>set SDQabc123", "SDQabc123=abc", "def  ", "", "C:\\>"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        assert_eq!(g.printed_value(&lines).as_deref(), Some("abcdef"));
        assert_eq!(g.printed_value(&lines[..1]), None);
    }

    #[test]
    fn the_spool_must_start_with_the_value_that_ran() {
        let s = Spool::new("abc123");
        let g = guard();
        let out = format!("SDQabc123={}\r\nok\r\nSDXabc123:0:\r\n", g.value);
        let stored = Form::Stored(g.clone());
        assert_eq!(stored.finish(&s, &out).unwrap(), ("ok\r\n".to_string(), Some(0)));
        let wrong = out.replace("-ano", "-anoo");
        assert!(stored.finish(&s, &wrong).is_err());
        assert!(stored.finish(&s, "ok\r\nSDXabc123:0:\r\n").is_err());
        let unknown = Form::Unknown(g);
        assert_eq!(
            unknown.finish(&s, "ok\r\nSDXabc123:0:\r\n").unwrap(),
            ("ok\r\n".to_string(), Some(0))
        );
        assert!(unknown.finish(&s, &wrong).is_err());
    }
}
