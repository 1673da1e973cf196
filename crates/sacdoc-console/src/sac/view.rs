//! Viewing a cmd channel from `SAC>`: its switch screen, the full redraw that follows, and what
//! the channel shows then (a login form, a prompt, or a form or line left half done). Strings are
//! those of the reference (`shared/reference/sac-protocol.md` §6).

use std::time::Duration;

use super::console::{at_sac, reach_sac, wait_or_quiet, Arrival, UNREADABLE_AFTER};
use super::SessionError;
use crate::line::{find, Line, LineError};
use crate::runner::is_cmd_prompt;
use crate::typing::{type_checked, Anchor, Echo};

const NO_SUCH_NAME: &[u8] = b"Could not find a channel with that name.";
const NO_SUCH_INDEX: &[u8] = b"There is no channel present at the specified index.";

/// What the channel shows right after it comes into view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Login,
    Prompt,
    /// A login form left half filled (a name typed after `Username:`, or at `Domain  :` or
    /// `Password:`; its typing was cut off).
    /// Finishing it could submit a wrong password and leaving it needs Enter, which submits it
    /// too: the channel is closed from `SAC>` instead.
    HalfLogin,
}

/// The login prompts after the first: a form that shows one of them was begun before.
const LATER_LOGIN_PROMPTS: [&str; 2] = ["Domain", "Password:"];

/// What the text before the cursor shows of a channel: a prompt, or `None`. A `Username:` with
/// text after it was begun before: typing behind that text would submit a wrong name.
fn channel_view(before: &str) -> Option<View> {
    if super::looks::prompt_is(before, "Username:") {
        let typed = before.split_once(':').map_or("", |(_, rest)| rest.trim());
        return Some(if typed.is_empty() { View::Login } else { View::HalfLogin });
    }
    if LATER_LOGIN_PROMPTS.iter().any(|p| super::looks::prompt_is(before, p)) {
        return Some(View::HalfLogin);
    }
    is_cmd_prompt(before).then_some(View::Prompt)
}

/// Switches from `SAC>` to channel `name` and views it (the key that leaves the switch screen is
/// consumed by SAC). Returns whether the channel asks for a login or shows a prompt, and the
/// channel's GUID as its switch screen showed it.
pub fn view_channel(
    line: &mut Line,
    name: &str,
    timeout: Duration,
) -> Result<(View, Option<String>), SessionError> {
    let mut tries = 0;
    loop {
        tries += 1;
        let again = tries < VIEW_TRIES;
        let quiet = if again { UNREADABLE_AFTER } else { LAST_VIEW_QUIET };
        match view_once(line, name, timeout, quiet) {
            Err(SessionError::Line(LineError::Timeout { .. }) | SessionError::Unexpected(_))
                if again =>
            {
                // Noise left the switch screen or the redraw unreadable: from `SAC>`, view the
                // channel again (idempotent; nothing was typed into it).
                line.mark(&format!("{name} not recognised on screen: view it again"));
                if reach_sac(line, timeout)? == Arrival::Crashed {
                    return Err(SessionError::Crashed);
                }
            }
            other => return other,
        }
    }
}

/// Times a channel is viewed from `SAC>` when its switch screen or redraw could not be read. Each
/// try costs a few seconds; at 1% noise a redraw of about 2 KB is damaged more often than not,
/// and one whose cursor-positioning sequences were hit can leave the prompt nowhere on screen.
const VIEW_TRIES: u32 = 5;
/// How long the line must stay quiet on the last try before the view is given up (the session
/// then starts over from `SAC>`): longer than on the others, for a console or relay that is slow
/// to answer, but far short of the whole timeout (SAC answers a key at once).
const LAST_VIEW_QUIET: Duration = Duration::from_secs(12);

/// What SAC answered to `ch -sn NAME`.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Switch,
    NoSuchChannel,
    Other,
}

/// SAC's answer to `ch -sn NAME` as far as it came (`since` holds the bytes since the command
/// was typed; `at_empty_sac` says the cursor is right after a bare `SAC>`): the channel's
/// switch screen; once SAC is back at its prompt, no such channel or another answer (a command
/// that reached SAC garbled: "A parameter was incorrect or missing."); `None` while it comes.
fn answer_to_view(
    term: &crate::term::Term,
    since: &[u8],
    at_empty_sac: bool,
    name: &str,
) -> Option<Answer> {
    if super::looks::switch_screen_of(term, name) {
        return Some(Answer::Switch);
    }
    at_empty_sac.then(|| {
        if find(since, NO_SUCH_NAME).is_some() || find(since, NO_SUCH_INDEX).is_some() {
            Answer::NoSuchChannel
        } else {
            Answer::Other
        }
    })
}

fn view_once(
    line: &mut Line,
    name: &str,
    timeout: Duration,
    quiet: Duration,
) -> Result<(View, Option<String>), SessionError> {
    let from = line.buf().len();
    let anchor = Anchor::here(line);
    type_checked(line, &anchor, &format!("ch -sn {name}"), Echo::Plain, timeout)?;
    line.send(b"\r")?;
    let what = format!("waiting for the switch screen of {name}");
    let answer = wait_or_quiet(line, timeout, quiet, &what, |l| {
        answer_to_view(l.term(), &l.buf()[from..], at_sac(l) == Some(0), name)
    })?;
    match answer {
        Answer::Switch => {}
        Answer::NoSuchChannel => return Err(SessionError::NoChannel(name.to_string())),
        // Viewed again from `SAC>`, as an answer the line garbled is.
        Answer::Other => {
            return Err(SessionError::Unexpected(format!(
                "SAC answered `ch -sn {name}` with something other than the channel's switch screen"
            )))
        }
    }
    let guid = super::looks::channel_guid(line.term());
    let redraw_from = line.buf().len();
    line.send(b"\r")?;
    wait_for_channel_prompt(line, name, redraw_from, timeout, quiet)?;
    settle_redraw(line, redraw_from)?;
    let view = line.wait(timeout, &format!("waiting for channel {name} to show"), |l| {
        channel_view(&l.term().before_cursor())
    })?;
    Ok((view, guid))
}

/// The prompt of `more` between pages (the painted capture pages its listing through it).
pub(super) const MORE: &str = "-- More --";

/// How long a channel must stay quiet with a half-typed line at its prompt before the line is
/// dropped with Ctrl+C.
const HALF_TYPED_AFTER: Duration = Duration::from_millis(1200);

/// Waits for the channel to show its login prompt or a cmd prompt. A prompt with text typed after
/// it and nothing arriving (a line whose typing was cut off: the link dropped, or another session
/// left it) is dropped with Ctrl+C, which cmd.exe answers with a fresh prompt; a `-- More --` left
/// waiting is ended with `q`; at most twice in all.
fn wait_for_channel_prompt(
    line: &mut Line,
    name: &str,
    redraw_from: usize,
    timeout: Duration,
    give_up_after: Duration,
) -> Result<(), SessionError> {
    let what = format!("waiting for channel {name} to show");
    let start = std::time::Instant::now();
    let mut drops = 0;
    let mut redraw = RedrawWatch::new(redraw_from);
    loop {
        let step = redraw.next_step(line, HALF_TYPED_AFTER);
        let step = timeout.saturating_sub(start.elapsed()).min(step);
        match line.wait(step, &what, |l| channel_view(&l.term().before_cursor()).map(|_| ())) {
            Ok(()) => return Ok(()),
            Err(LineError::Timeout { .. }) if start.elapsed() < timeout => {
                let quiet = line.quiet_for();
                if drops < 2 && quiet >= HALF_TYPED_AFTER {
                    if line.term().before_cursor().contains(MORE) {
                        // A listing paged through `more` whose reader went away: `q` ends it.
                        drops += 1;
                        line.mark("end the paging left open");
                        line.send(b"q")?;
                        continue;
                    }
                    if half_typed(line.term()) {
                        drops += 1;
                        line.mark("drop the half-typed line");
                        line.send(b"\x03")?;
                        continue;
                    }
                }
                if quiet >= give_up_after {
                    // Nothing recognisable and nothing coming: a redraw the line garbled.
                    return Err(LineError::Timeout { secs: timeout.as_secs(), what }.into());
                }
            }
            Err(LineError::Timeout { .. }) => {
                return Err(LineError::Timeout { secs: timeout.as_secs(), what }.into())
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// True when a cmd prompt (`C:\...>`) with something typed after it ends at the cursor: on the
/// cursor's row, or on a row above it that a long line wrapped from (a capture line of 600
/// characters spans 8 rows; any row of the screen is looked at).
fn half_typed(term: &crate::term::Term) -> bool {
    let (row, _) = term.cursor();
    let starts_typed = |text: &str| {
        let b = text.as_bytes();
        b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && b[2] == b'\\'
            && text.find('>').is_some_and(|at| !text[at + 1..].trim().is_empty())
    };
    if starts_typed(&term.before_cursor()) {
        return true;
    }
    // A wrapped line leaves no empty row between its prompt and the cursor.
    let continued = |r: u16| !term.row_text(r).is_empty();
    !term.before_cursor().is_empty()
        && (1..=row)
            .any(|up| (1..up).all(|k| continued(row - k)) && starts_typed(&term.row_text(row - up)))
}

/// How often a channel's view is looked at for a redraw that scrolled while it comes.
const REDRAW_STEP: Duration = Duration::from_millis(200);

/// A full redraw being waited for, whose last row may overflow on the client's screen (see
/// [`undo_overflow`]): until the redraw is complete, waits are cut into [`REDRAW_STEP`]s so that
/// the scroll is put back as soon as it has ended, before anything reads the screen.
pub(super) struct RedrawWatch {
    from: usize,
    complete: bool,
}

impl RedrawWatch {
    /// Watches the redraw that starts at byte `from` of the line's buffer.
    pub(super) fn new(from: usize) -> RedrawWatch {
        RedrawWatch { from, complete: false }
    }

    /// Puts back the scroll of a redraw that has just completed, and returns how long the next
    /// wait may be: `longest` once the redraw is complete, a [`REDRAW_STEP`] at most before.
    pub(super) fn next_step(&mut self, line: &mut Line, longest: Duration) -> Duration {
        if !self.complete {
            self.complete = undo_overflow(line, self.from);
        }
        if self.complete {
            longest
        } else {
            longest.min(REDRAW_STEP)
        }
    }
}

/// Undoes on the client's screen a scroll that the redraw since `from` caused there and not on
/// the console (see [`redraw_overflow`]); true once the redraw is complete (and put right).
fn undo_overflow(line: &mut Line, from: usize) -> bool {
    let buf = &line.buf()[from.min(line.buf().len())..];
    if !redraw_done(buf) {
        return false;
    }
    let rows = redraw_overflow(buf);
    if rows > 0 {
        line.mark("the redraw's last row overflowed on the line (noise): its rows put back");
        line.seed(format!("\x1b[{rows}T").as_bytes());
    }
    true
}

/// Rows the client's screen scrolled during a full redraw: SAC pads row 24 to 80 columns, so a
/// character doubled on the line there wraps past the last column and scrolls every row up by
/// one, while the console goes on as if it had not (its last cursor position is absolute, and
/// lands below the prompt). Seen at 1% dup: more than half the views of a channel.
fn redraw_overflow(buf: &[u8]) -> u16 {
    const ROW_24: &[u8] = b"\x1b[24;1H";
    let Some(clear) = crate::line::rfind(buf, b"\x1b[2J") else { return 0 };
    let rest = &buf[clear..];
    let Some(at) = crate::line::rfind(rest, ROW_24) else { return 0 };
    let mut printed = 0usize;
    let mut i = at + ROW_24.len();
    while i < rest.len() {
        if rest[i] == 0x1b {
            // Colours (`ESC[40m`) do not move the cursor; any other sequence ends the row.
            let params = rest.get(i + 2..).unwrap_or_default();
            let n = params.iter().take_while(|c| c.is_ascii_digit() || **c == b';').count();
            if rest.get(i + 1) == Some(&b'[') && params.get(n) == Some(&b'm') {
                i += 2 + n + 1;
                continue;
            }
            break;
        }
        // One cell per character: a UTF-8 continuation byte (a localized Windows) is no cell.
        if rest[i] >= 0x20 && rest[i] != 0x7f && !(0x80..0xc0).contains(&rest[i]) {
            printed += 1;
        }
        i += 1;
    }
    u16::try_from(printed.saturating_sub(1) / usize::from(crate::term::COLS)).unwrap_or(0)
}

/// Waits for the full redraw that viewing a channel sends (sac-protocol.md §6.3) to end: its
/// last row (`ESC[24;1H` and the cells) followed by the final cursor position. A screen read
/// before that shows rows of the old view mixed with the new one, and a prompt seen on an early
/// row is not the channel's last word. A console that draws otherwise (no such redraw within
/// 2 s) is left to settle by a quiet spell.
pub(super) fn settle_redraw(line: &mut Line, from: usize) -> Result<(), SessionError> {
    match line.wait(Duration::from_secs(2), "waiting for the channel's redraw to end", |l| {
        redraw_done(&l.buf()[from.min(l.buf().len())..]).then_some(())
    }) {
        Ok(()) => Ok(()),
        Err(LineError::Timeout { .. }) => Ok(line.settle()?),
        Err(e) => Err(e.into()),
    }
}

/// True when `buf` holds a full redraw that reached its end: after the last `ESC[2J`, the
/// position of row 24 and, after it, another cursor position (where the redraw leaves the
/// cursor).
fn redraw_done(buf: &[u8]) -> bool {
    let Some(clear) = crate::line::rfind(buf, b"\x1b[2J") else { return false };
    let rest = &buf[clear..];
    const ROW_24: &[u8] = b"\x1b[24;1H";
    let Some(last_row) = find(rest, ROW_24) else { return false };
    let mut tail = &rest[last_row + ROW_24.len()..];
    while let Some(at) = find(tail, b"\x1b[") {
        let params = &tail[at + 2..];
        let n = params.iter().take_while(|c| c.is_ascii_digit() || **c == b';').count();
        if n > 0 && params.get(n) == Some(&b'H') {
            return true;
        }
        tail = &tail[at + 2..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(bytes: &[u8]) -> crate::term::Term {
        let mut t = crate::term::Term::new();
        t.feed(bytes);
        t
    }

    #[test]
    fn every_answer_to_a_view_is_told_apart() {
        let answer = |bytes: &[u8]| {
            let t = term(bytes);
            let at_empty_sac = t.before_cursor() == "SAC>";
            answer_to_view(&t, bytes, at_empty_sac, "Cmd0001")
        };
        // Answers as sac-protocol.md gives them (§3 and §4).
        let garbled = b"SAC>ch -sn Cmd0001\r\nA parameter was incorrect or missing.  Try the 'help' command for more details.\r\nSAC>";
        assert_eq!(answer(garbled), Some(Answer::Other));
        let unknown =
            b"SAC>ch -sn Cmd0001\r\nError: Could not find a channel with that name.\r\nSAC>";
        assert_eq!(answer(unknown), Some(Answer::NoSuchChannel));
        let switch = b"\x1b[2J\x1b[HName:                  Cmd0001\r\nDescription:           Command\r\nType:                  VT-UTF8\r\nChannel GUID:          0f23d2f3-551a-9170-9801-74f9d36f0d37\r\nApplication Type GUID: 63d02271-8aa4-11d5-bccf-00b0d014a2d0\r\n\r\nPress <esc><tab> for next channel.\r\nPress <esc><tab>0 to return to the SAC channel.\r\nUse any other key to view this channel.\r\n\r\n";
        assert_eq!(answer(switch), Some(Answer::Switch));
        // Still coming: the echo only, or the answer's first line.
        assert_eq!(answer(b"SAC>ch -sn Cmd0001"), None);
        assert_eq!(answer(b"SAC>ch -sn Cmd0001\r\nA parameter was incorrect"), None);
    }

    #[test]
    fn a_line_typed_half_way_is_recognised_on_its_row_and_wrapped() {
        assert!(half_typed(&term(b"C:\\Windows\\system32>cls")));
        assert!(!half_typed(&term(b"C:\\Windows\\system32>")));
        assert!(!half_typed(&term(b"C:\\Windows\\system32>   ")));
        // Wrapped onto the next row.
        let long = format!("C:\\Windows\\system32>{}", "x".repeat(90));
        assert!(half_typed(&term(long.as_bytes())));
        // A capture line that deletes the last spools first spans 8 rows.
        let capture = format!("C:\\Windows\\system32>{}", "del x & ".repeat(72));
        assert!(half_typed(&term(capture.as_bytes())));
        // Output, then an empty row: not a line being typed.
        assert!(!half_typed(&term(b"C:\\x>dir\r\n\r\nsome output")));
        assert!(!half_typed(&term(b"Username: ")));
    }

    #[test]
    fn each_prompt_of_a_channel_is_told_apart() {
        assert_eq!(channel_view("Username: "), Some(View::Login));
        // A name begun before: typing behind it would submit a wrong one.
        assert_eq!(channel_view("Username: azu"), Some(View::HalfLogin));
        assert_eq!(channel_view("Domain  : "), Some(View::HalfLogin));
        assert_eq!(channel_view("Password: ***"), Some(View::HalfLogin));
        assert_eq!(channel_view("C:\\Windows\\system32>"), Some(View::Prompt));
        assert_eq!(channel_view("C:\\Windows\\system32>cls"), None);
        // A command line cut right after a `>` of its own is no prompt.
        assert_eq!(channel_view("C:\\Windows\\system32>>"), None);
        assert_eq!(channel_view("C:\\Windows\\system32>netstat 2>"), None);
    }

    /// A login form's redraw as the simulator sends it (rows padded to 80 columns), with one
    /// space of row 24 doubled: the client's screen scrolls, the console's does not.
    #[test]
    fn a_redraw_whose_last_row_overflowed_is_scrolled_back() {
        let pad = " ".repeat(80);
        let mut redraw = format!(
            "\x1b[2J\x1b[1;1H\x1b[0m\x1b[40mPlease enter login credentials.{}\x1b[2;1HUsername:{}",
            &pad[31..],
            &pad[9..]
        );
        for r in 3..=24 {
            redraw.push_str(&format!("\x1b[{r};1H{pad}"));
        }
        let clean = format!("{redraw}\x1b[2;11H\x1b[22m");
        assert_eq!(redraw_overflow(clean.as_bytes()), 0);
        // 80 cells of UTF-8 (`ü` is two bytes) fill the row and no more.
        let german = format!("{redraw}\x1b[24;1HPr\u{fc}fung{}\x1b[2;11H", &pad[7..]);
        assert_eq!(redraw_overflow(german.as_bytes()), 0);
        let doubled = format!("{redraw} \x1b[2;11H\x1b[22m");
        assert_eq!(redraw_overflow(doubled.as_bytes()), 1);
        let mut t = term(doubled.as_bytes());
        assert_eq!(channel_view(&t.before_cursor()), None, "the prompt scrolled up a row");
        t.feed(b"\x1b[1T");
        assert_eq!(channel_view(&t.before_cursor()), Some(View::Login));
    }

    #[test]
    fn a_redraw_ends_with_the_cursor_after_row_24() {
        let head = b"\x1b[2J\x1b[1;1H\x1b[0mrow1\x1b[2;1Hrow2";
        assert!(!redraw_done(head));
        assert!(!redraw_done(b"\x1b[2Jx\x1b[24;1H"));
        let mut full = head.to_vec();
        full.extend_from_slice(b"\x1b[24;1H   \x1b[40m");
        assert!(!redraw_done(&full));
        full.extend_from_slice(b"\x1b[3;21H\x1b[22m");
        assert!(redraw_done(&full));
        // A later clear starts a new redraw.
        full.extend_from_slice(b"\x1b[2J\x1b[1;1Hx");
        assert!(!redraw_done(&full));
    }
}
