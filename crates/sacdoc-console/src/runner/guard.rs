//! Making sure the VM runs the command line that was meant, on a line whose echo cannot be
//! trusted.
//!
//! A capture line is typed whole first. When its echo comes back exactly, the VM holds it (noise
//! that damaged both the key and its echo so that they cancel out is not met in practice) and it
//! runs. When the echo is wrong, the line is never repaired in place: an in-place repair trusts
//! the screen to show what the VM holds, and noise on the way back breaks that. A key that
//! arrived but whose echo was lost leaves the VM holding `vver` while the screen, after the
//! repair, shows `ver`; a dropped byte of the erase's `\b \b` makes the screen's line look
//! longer or shorter than the VM's. The capture would then be verified (its hash is the VM's) but
//! of the wrong command: a wrong answer reported as right, or, for a fix, a wrong change. And at
//! 1% noise a 400-character line almost never comes back clean (0.99^400 = 2%), so typing it
//! whole again does not help either.
//!
//! So the line is dropped with Ctrl+C (which runs nothing). A short one (up to [`WHOLE_MAX`]
//! characters) is typed again; a long one, a capture line or a long helper line, goes through
//! variables instead:
//!
//! 1. it is cut into pieces of at most [`PIECE`] characters, each stored by a short line
//!    `set SDQa=<piece, escaped>`, `set SDQb=...`; each is typed with no in-place repair (a wrong
//!    echo drops it with Ctrl+C and types it again) and entered only once its echo is exact. A
//!    short line comes back clean about half the time at 1% noise;
//! 2. `%SDQa%%SDQb%...` runs them, typed the same way. Its first part is `set SDQ` into the
//!    spool, so the verified spool starts with the values that ran, which are checked against
//!    the line meant and cut off. A damaged value runs no capture (no marker, no spool) or one
//!    whose first lines are wrong: an error either way, never an answer.
//!
//! cmd expands `%VAR%` once, when it reads a line, and does not look at the value again; the
//! stored line's own `%TEMP%` is therefore expanded when the `set` line is read, and the value
//! printed back holds the VM's path there. A piece never ends inside a reference, so each is
//! expanded as the whole line would be. The comparison accepts, for each `%NAME%` of the line
//! meant, either the reference itself (an undefined name stays as typed) or one value, the same at
//! every place the name occurs (see [`expands_to`]).

use super::spool::Spool;
use super::{
    cancel_line, clean_prompt, type_command, Limits, Pad, RunError, SessionFault, LINE_TRIES,
};
use crate::line::Line;

/// The prefix of the variables a capture line is kept in; `SDQa`, `SDQb`, ... hold its pieces.
pub const VAR: &str = "SDQ";

/// Most characters of the capture line per piece: with `set SDQa=`, the carets and a prompt,
/// a piece's line stays under one 80-column row plus a little, short enough to come back clean
/// about half the time at 1% noise.
pub const PIECE: usize = 56;

/// Most pieces: the letters `a` to `z`, which `set SDQ` prints in this order.
const MAX_PIECES: usize = 26;

/// A capture line kept in variables, and the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guard {
    /// The capture line as cmd should hold it (before `%NAME%` expansion).
    pub value: String,
}

/// How a capture line went to the VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// Typed as it is; its echo came back right without a repair.
    Typed,
    /// Kept in variables and run from them: the spool starts with their values.
    Stored(Guard),
    /// Not known (a spool read back after a reconnect): the value lines are checked and cut off
    /// if the spool has them.
    Unknown(Guard),
}

impl Guard {
    /// The guard of `command`'s capture line, `before capture & rest`, where `before` deletes
    /// the spools of earlier captures (see [`super::spool::Spent::prefix`]; empty when there are
    /// none). It is part of the value kept, so the values `set SDQ` prints back say that it ran
    /// as meant too.
    pub fn new(spool: &Spool, before: &str, command: &str, rest: &str) -> Guard {
        Guard { value: format!("{before}{} & {rest}", spool.capture_stored(command, VAR)) }
    }

    /// The value cut into pieces of at most [`PIECE`] characters, never inside a `%NAME%`
    /// reference (see [`references`]), never right after a blank (`set` keeps a trailing blank
    /// and the echo check could not see it), and so that no `set` line plus `prompt_len` fills
    /// whole 80-column rows (the typist would add a blank to it). `None` when the line needs
    /// more than [`MAX_PIECES`].
    pub fn pieces(&self, prompt_len: usize) -> Option<Vec<String>> {
        let chars: Vec<char> = self.value.chars().collect();
        let inside = references(&chars);
        let width = usize::from(crate::term::COLS);
        let mut pieces = Vec::new();
        let mut start = 0;
        while start < chars.len() {
            let longest = (start + PIECE).min(chars.len());
            let end = (start + 1..=longest).rev().find(|&end| {
                let piece: String = chars[start..end].iter().collect();
                let set = set_line(pieces.len(), &piece);
                (end == chars.len() || !inside[end])
                    && chars[end - 1] != ' '
                    && set.chars().count() <= WHOLE_MAX
                    && !(prompt_len + set.chars().count()).is_multiple_of(width)
            })?;
            pieces.push(chars[start..end].iter().collect::<String>());
            start = end;
        }
        (pieces.len() <= MAX_PIECES).then_some(pieces)
    }

    /// The line that runs the stored capture line.
    pub fn run_line(&self, pieces: usize) -> String {
        (0..pieces).map(|i| format!("%{}%", name(i))).collect()
    }

    /// True when `printed` (the values `set SDQ` printed, joined) is the value meant.
    pub fn holds(&self, printed: &str) -> bool {
        // Blanks at the end of the value do not change what runs.
        expands_to(self.value.trim_end(), printed.trim_end())
    }

    /// The spool's text without the `set SDQ` lines at its start, once their pieces, joined in
    /// order, are the value meant. `required`: the spool must start with them.
    fn strip<'a>(&self, text: &'a str, required: bool) -> Result<&'a str, RunError> {
        let mut rest = text;
        let mut values: Vec<(String, String)> = Vec::new();
        while let Some((first, after)) = rest.split_once("\r\n") {
            let Some((var, value)) = first.split_once('=') else { break };
            if !var.get(..VAR.len()).is_some_and(|p| p.eq_ignore_ascii_case(VAR)) {
                break;
            }
            values.push((var.to_ascii_lowercase(), value.to_string()));
            rest = after;
        }
        if values.is_empty() {
            return if required { Err(SessionFault::CommandChanged.into()) } else { Ok(text) };
        }
        // `set SDQ` prints every variable whose name starts so (pieces left from a longer line,
        // too): the pieces are read by name, from `SDQa` on, as long as there are any.
        let mut joined = String::new();
        for i in 0..MAX_PIECES {
            let want = name(i).to_ascii_lowercase();
            match values.iter().find(|(v, _)| *v == want) {
                Some((_, value)) => {
                    joined.push_str(value);
                    if self.holds(&joined) {
                        return Ok(rest);
                    }
                }
                None => break,
            }
        }
        tracing::debug!(?values, meant = %self.value, "the stored values are not the line meant");
        Err(SessionFault::CommandChanged.into())
    }
}

/// The variable of the `i`-th piece: `SDQa`, `SDQb`, ...
fn name(i: usize) -> String {
    let letter = char::from(b'a' + u8::try_from(i % MAX_PIECES).unwrap_or(0));
    format!("{VAR}{letter}")
}

/// The line that stores `piece` as the `i`-th: every character cmd would act on is escaped with
/// `^` (quotes too, so the `set` line is never inside quotes, where a caret is kept as typed),
/// except `%`, which cannot be escaped on cmd's command line.
pub fn set_line(i: usize, piece: &str) -> String {
    let mut out = format!("set {}=", name(i));
    for c in piece.chars() {
        if matches!(c, '^' | '&' | '|' | '<' | '>' | '"' | '(' | ')') {
            out.push('^');
        }
        out.push(c);
    }
    out
}

/// For each position of `chars`, whether a cut there would fall inside a `%NAME%` reference
/// (after its opening `%`, up to its closing one). References are found as cmd scans a command
/// line: from a `%` to the next; a name that cannot be a variable's (a blank, a quote, a
/// bracket, an operator in it) is no reference, and the scan goes on from the character after
/// the first `%`, as cmd does for an undefined name.
fn references(chars: &[char]) -> Vec<bool> {
    let mut inside = vec![false; chars.len() + 1];
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            i += 1;
            continue;
        }
        let close = chars[i + 1..].iter().position(|&c| c == '%').map(|j| i + 1 + j);
        let plausible = close.filter(|&j| {
            j > i + 1
                && chars[i + 1..j].iter().all(|c| !c.is_whitespace() && !"\"()&|<>".contains(*c))
        });
        match plausible {
            Some(j) => {
                inside[i + 1..=j].iter_mut().for_each(|x| *x = true);
                i = j + 1;
            }
            None => i += 1,
        }
    }
    inside
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

/// Presses Enter on a line typed and waits for the prompt after it.
pub(crate) type Enter<'a> = dyn FnMut(&mut Line) -> Result<(), RunError> + 'a;

/// Lines at most this long are typed again whole when their echo came back wrong (at 1% noise a
/// third of them come back clean); longer ones are stored in pieces.
pub const WHOLE_MAX: usize = 100;

/// Types `text` at the prompt, without Enter, so that the VM holds it: whole when its echo comes
/// back exact; otherwise dropped with Ctrl+C and typed again (a short line) or stored in pieces
/// that `enter` enters, the line typed being then the one that runs them (see the module docs).
pub(crate) fn type_line(
    line: &mut Line,
    text: &str,
    limits: Limits,
    enter: &mut Enter<'_>,
) -> Result<(), RunError> {
    type_or_store(line, text, &Guard { value: text.to_string() }, limits, enter).map(|_| ())
}

/// Types the capture line of `command` (`before capture & rest`) at the prompt, without Enter.
/// When its echo is not exact, drops it and stores it in pieces instead (see the module docs),
/// then types the line that runs them.
pub(crate) fn type_capture(
    line: &mut Line,
    spool: &Spool,
    before: &str,
    command: &str,
    rest: &str,
    limits: Limits,
    enter: &mut Enter<'_>,
) -> Result<Form, RunError> {
    let plain = format!("{before}{} & {rest}", spool.capture(command));
    let guard = Guard::new(spool, before, command, rest);
    if type_or_store(line, &plain, &guard, limits, enter)? {
        Ok(Form::Stored(guard))
    } else {
        Ok(Form::Typed)
    }
}

/// Types `text`; when its echo is not exact and it is long, stores `stored` in pieces and types
/// the line that runs them. Returns whether it went through the pieces.
fn type_or_store(
    line: &mut Line,
    text: &str,
    stored: &Guard,
    limits: Limits,
    enter: &mut Enter<'_>,
) -> Result<bool, RunError> {
    let prompt = line.term().before_cursor();
    // One try: a wrong echo of a long line goes to the pieces, not to the same line again.
    match type_command(line, text, limits.timeout, 1, Pad::Margin) {
        Ok(()) => return Ok(false),
        Err(RunError::Session(SessionFault::Typing(_))) => {}
        Err(e) => return Err(e),
    }
    cancel_line(line, limits.timeout)?;
    clean_prompt(line, &prompt)?;
    if text.chars().count() <= WHOLE_MAX {
        type_command(line, text, limits.timeout, LINE_TRIES, Pad::Margin)?;
        return Ok(false);
    }
    tracing::debug!("a long line's echo was not exact: it goes to the VM in pieces");
    let pieces = stored.pieces(prompt.chars().count()).ok_or(SessionFault::CommandTooLong)?;
    for (i, piece) in pieces.iter().enumerate() {
        // Never padded with a blank at the margin: `set` would keep it in the value (the
        // pieces are cut so that no `set` line ends there).
        type_command(line, &set_line(i, piece), limits.timeout, LINE_TRIES, Pad::Never)?;
        enter(line)?;
    }
    type_command(line, &stored.run_line(pieces.len()), limits.timeout, LINE_TRIES, Pad::Margin)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REST: &str =
        "type \"%TEMP%\\sdabc123.txt\" & certutil -hashfile \"%TEMP%\\sdabc123.txt\" SHA256";

    fn guard() -> Guard {
        Guard::new(&Spool::new("abc123"), "", "netstat -ano | findstr \"LISTENING\"", REST)
    }

    fn unescape(set: &str) -> (String, String) {
        let (head, escaped) = set.split_once('=').unwrap();
        let mut value = String::new();
        let mut chars = escaped.chars();
        while let Some(c) = chars.next() {
            value.push(if c == '^' { chars.next().unwrap() } else { c });
        }
        (head.to_string(), value)
    }

    #[test]
    fn the_stored_line_writes_its_values_first_and_escapes_every_operator() {
        let g = guard();
        assert_eq!(
            g.value,
            format!(">\"%TEMP%\\sdabc123.txt\" 2>&1 set SDQ&netstat -ano |>>\"%TEMP%\\sdabc123.txt\" 2>&1 findstr \"LISTENING\"&>>\"%TEMP%\\sdabc123.txt\" cal^l echo SDXabc123:%^erro^rlevel%: & {REST}")
        );
        let pieces = g.pieces(20).unwrap();
        assert!(pieces.len() > 1);
        let mut joined = String::new();
        for (i, piece) in pieces.iter().enumerate() {
            assert!(piece.chars().count() <= PIECE);
            let set = set_line(i, piece);
            // Every character cmd acts on is escaped: removing the carets gives the piece back.
            let (head, value) = unescape(&set);
            assert_eq!(head, format!("set SDQ{}", char::from(b'a' + i as u8)));
            assert_eq!(&value, piece);
            assert!(!set.ends_with(' '));
            assert!(!(20 + set.chars().count()).is_multiple_of(80), "{set}");
            joined.push_str(piece);
        }
        assert_eq!(joined, g.value);
        assert_eq!(&g.run_line(3), "%SDQa%%SDQb%%SDQc%");
    }

    #[test]
    fn a_line_that_deletes_earlier_spools_first_is_stored_and_checked_whole() {
        let mut spent = super::super::spool::Spent::default();
        spent.replace(Spool::new("def456"));
        let s = Spool::new("abc123");
        let g = Guard::new(&s, &spent.prefix(), "netstat -ano | findstr \"LISTENING\"", REST);
        assert!(g.value.starts_with("del \"%TEMP%\\sddef456.txt\""), "{}", g.value);
        assert!(g.value.contains("& >\"%TEMP%\\sdabc123.txt\" 2>&1 set SDQ&netstat"));
        for prompt in 0..80 {
            let pieces = g.pieces(prompt).unwrap();
            assert_eq!(pieces.concat(), g.value);
            for piece in &pieces {
                let refs =
                    piece.matches("%TEMP%").count() + piece.matches("%^erro^rlevel%").count();
                assert_eq!(piece.matches('%').count(), 2 * refs, "{prompt}: {piece}");
            }
        }
        // The values printed back must hold the prefix as meant: a changed file name in it is a
        // changed command line, never an answer.
        let temp = "C:\\Users\\admin\\AppData\\Local\\Temp";
        let printed = g.value.replace("%TEMP%", temp);
        assert!(g.holds(&printed));
        assert!(!g.holds(&printed.replacen("sddef456", "sddef45", 1)));
        assert!(!g.holds(&printed.replacen(" & >", " >", 1)));
        let stored = Form::Stored(g.clone());
        let lines: String = g
            .pieces(20)
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{}={}\r\n", name(i), p.replace("%TEMP%", temp)))
            .collect();
        let out = format!("{lines}ok\r\nSDXabc123:0:\r\n");
        assert_eq!(stored.finish(&s, &out).unwrap(), ("ok\r\n".to_string(), Some(0)));
        // The same command's guard without the prefix does not accept these values.
        let bare = Guard::new(&s, "", "netstat -ano | findstr \"LISTENING\"", REST);
        assert!(Form::Stored(bare.clone()).finish(&s, &out).is_err());
        // Read back after a cut (resume), the values are checked the same way.
        assert_eq!(Form::Unknown(g).finish(&s, &out).unwrap(), ("ok\r\n".to_string(), Some(0)));
        assert!(Form::Unknown(bare).finish(&s, &out).is_err());
    }

    #[test]
    fn no_piece_ends_inside_a_reference() {
        let g = guard();
        for prompt in 0..80 {
            let pieces = g.pieces(prompt).unwrap();
            for piece in &pieces {
                // `%TEMP%` and `%^erro^rlevel%` are whole in one piece.
                let refs =
                    piece.matches("%TEMP%").count() + piece.matches("%^erro^rlevel%").count();
                assert_eq!(piece.matches('%').count(), 2 * refs, "{prompt}: {piece}");
            }
        }
        // The scan of `for %A in ("%TEMP%...")`: `%A in ("%` is no reference, `%TEMP%` is.
        let chars: Vec<char> = "x %A in (\"%TEMP%\") do".chars().collect();
        let inside = references(&chars);
        let at = |s: &str| "x %A in (\"%TEMP%\") do".find(s).unwrap();
        assert!(!inside[at("A in")]);
        assert!(inside[at("TEMP")]);
        assert!(inside[at("TEMP") + 4]);
        assert!(!inside[at("\") do")]);
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

    /// What `set SDQ` prints for the pieces, in cmd's order, with `extra` variables among them.
    fn printed(g: &Guard, extra: &[&str]) -> String {
        let pieces = g.pieces(20).unwrap();
        let mut lines: Vec<String> =
            pieces.iter().enumerate().map(|(i, p)| format!("{}={p}", name(i))).collect();
        lines.extend(extra.iter().map(|s| s.to_string()));
        lines.sort_by_key(|l| l.to_ascii_lowercase());
        lines.iter().map(|l| format!("{l}\r\n")).collect()
    }

    #[test]
    fn the_spool_must_start_with_the_values_that_ran() {
        let s = Spool::new("abc123");
        let g = guard();
        let out = format!("{}ok\r\nSDXabc123:0:\r\n", printed(&g, &[]));
        let stored = Form::Stored(g.clone());
        assert_eq!(stored.finish(&s, &out).unwrap(), ("ok\r\n".to_string(), Some(0)));
        // Pieces left from a longer line, and other SDQ variables, are not part of it.
        let stale = format!("{}ok\r\nSDXabc123:0:\r\n", printed(&g, &["SDQz=old", "SDQabc=x"]));
        assert_eq!(stored.finish(&s, &stale).unwrap(), ("ok\r\n".to_string(), Some(0)));
        let wrong = out.replace("-ano", "-anoo");
        assert!(stored.finish(&s, &wrong).is_err());
        assert!(stored.finish(&s, "ok\r\nSDXabc123:0:\r\n").is_err());
        // A piece missing: the joined value is not the line meant.
        let missing: String =
            out.split_inclusive("\r\n").filter(|l| !l.starts_with("SDQb=")).collect();
        assert!(stored.finish(&s, &missing).is_err());
        let unknown = Form::Unknown(g);
        assert_eq!(
            unknown.finish(&s, "ok\r\nSDXabc123:0:\r\n").unwrap(),
            ("ok\r\n".to_string(), Some(0))
        );
        assert!(unknown.finish(&s, &wrong).is_err());
    }
}
