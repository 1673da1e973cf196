//! The SAC channel: reaching `SAC>` from whatever the console shows, running SAC commands, and
//! creating cmd channels (viewing one is [`super::view`]). Strings are those of the reference
//! (`shared/reference/sac-protocol.md` §1–§5).

use std::time::Duration;

use super::view::{settle_redraw, RedrawWatch, MORE};
use super::{looks, SessionError};
use crate::line::{find, Line, LineError};
use crate::runner::is_cmd_prompt;
use crate::typing::{type_checked, Anchor, Echo};

/// Waits up to `limit` for the SAC channel's redraw since `from` to show its prompt, putting back
/// a scroll its last row caused on the line (see [`RedrawWatch`]) once it is in.
fn wait_unscrolled(
    line: &mut Line,
    from: usize,
    limit: Duration,
    redrawn: impl Fn(&Line) -> Option<()>,
) -> Result<(), LineError> {
    let what = "waiting for the SAC channel to be redrawn";
    let start = std::time::Instant::now();
    let mut redraw = RedrawWatch::new(from);
    loop {
        let left = limit.saturating_sub(start.elapsed());
        let step = redraw.next_step(line, left);
        match line.wait(step, what, &redrawn) {
            Err(LineError::Timeout { .. }) if !left.is_zero() && step < left => {}
            Err(LineError::Timeout { .. }) => {
                return Err(LineError::Timeout { secs: limit.as_secs(), what: what.into() })
            }
            other => return other,
        }
    }
}

/// The SAC prompt (no trailing space).
pub const SAC_PROMPT: &str = "SAC>";
/// The prompt of the crash-time console.
pub const BANG_PROMPT: &str = "!SAC>";
/// Application type GUID of the SAC channel, shown on its switch screen.
pub const SAC_APP_GUID: &str = "63d02270-8aa4-11d5-bccf-806d6172696f";
/// Last line of every channel-switch screen.
pub const SWITCH_LAST: &str = "Use any other key to view this channel.";
/// Esc Tab 0: to the SAC channel's switch screen from anywhere SAC is running.
pub const ESC_TAB_0: &[u8] = b"\x1b\t0";

const LAUNCHED: &[u8] = b"The Command Prompt session was successfully launched.";
const CMD_AVAILABLE: &[u8] = b"The CMD command is now available.";
const NOT_REGISTERED: &[u8] = b"has not yet registered";
const TIMED_OUT: &[u8] = b"has timed out";
const DISABLED: &[u8] = b"Launching of Command Prompt channels is disabled.";
const MAX_CHANNELS: &[u8] = b"The maximum number of channels has been reached.";
const FAILED: &[u8] = b"session failed to be created";
const NEW_CHANNEL: &[u8] = b"Channel: ";
const MORE_SAC: &str = "----Press <Enter> for more----";

/// What the console showed when the session reached it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arrival {
    /// At `SAC>`.
    Sac,
    /// At `!SAC>`: the machine has crashed (Stop error); only !SAC commands work.
    Crashed,
}

/// True when the cursor sits right after `SAC>` (possibly with typed text after it).
pub(super) fn at_sac(line: &Line) -> Option<usize> {
    let before = line.term().before_cursor();
    if before.starts_with(BANG_PROMPT) {
        return None;
    }
    before.strip_prefix(SAC_PROMPT).map(|rest| rest.chars().count())
}

fn at_bang(line: &Line) -> bool {
    line.term().before_cursor().starts_with(BANG_PROMPT)
}

/// Gets to an empty `SAC>` prompt without side effects, from any state: booting (waits for SAC),
/// at `SAC>` (erases half-typed text with backspaces), inside a cmd channel or at a login prompt
/// (Esc Tab 0 leaves it without typing anything into it), on a switch screen. Never sends Enter
/// anywhere but at a switch screen (where the key is consumed) or at `SAC>`.
pub fn reach_sac(line: &mut Line, timeout: Duration) -> Result<Arrival, SessionError> {
    // Look first: what is already arriving tells the state without touching anything.
    line.clear();
    line.drain(Duration::from_millis(700), Duration::from_millis(150))?;
    if at_bang(line) {
        return Ok(Arrival::Crashed);
    }
    let banner = line.buf_has(0, b"SAC started and initialized");
    if (banner || booting_noise(line)) && !shows_a_later_state(line) {
        // Booting: wait for the prompt before any key (a boot menu would take the keys). SAC
        // prints its prompt right after its banner, so a banner that no prompt follows within
        // a few seconds is old output a relay replayed on connect (sac-protocol.md §12): the
        // state is then found by acting, below.
        let wait = if banner { BANNER_PROMPT_WAIT.min(timeout) } else { timeout };
        let booted = line.wait(wait, "waiting for the SAC prompt while the machine boots", |l| {
            (at_sac(l).is_some() || at_bang(l)).then_some(())
        });
        match booted {
            Ok(()) => {}
            Err(LineError::Timeout { .. }) if banner => {
                line.mark("a SAC banner with no prompt after it: old output replayed; acting");
            }
            Err(e) => return Err(e.into()),
        }
        if at_bang(line) {
            return Ok(Arrival::Crashed);
        }
    }
    if let Some(junk) = at_sac(line) {
        erase(line, junk)?;
        return Ok(Arrival::Sac);
    }
    let on_sac_switch = super::looks::sac_switch_screen(line.term());
    // Anywhere else (cmd channel, login prompt, another switch screen, silent line): Esc Tab 0.
    let from = line.buf().len();
    let mut presses = 0;
    let outcome = loop {
        if !on_sac_switch {
            line.send(ESC_TAB_0)?;
            presses += 1;
        }
        let outcome = line.wait(
            Duration::from_secs(5).min(timeout),
            "waiting for the SAC switch screen after Esc Tab 0",
            |l| {
                if at_bang(l) {
                    return Some(false);
                }
                super::looks::sac_switch_screen(l.term()).then_some(true)
            },
        );
        // Something came back but no SAC switch screen was recognised in it: noise can garble
        // every line that names it. Esc Tab 0 again is harmless (from the SAC switch screen it
        // shows the same screen), unless the `0` was echoed at a prompt that ignores Esc Tab.
        let garbled = matches!(outcome, Err(LineError::Timeout { .. }))
            && line.buf().len() > from
            && !crate::term::stream_text(&line.buf()[from..]).ends_with('0');
        if !(garbled && !on_sac_switch && presses < ESC_TAB_PRESSES) {
            break outcome;
        }
        line.mark("the SAC switch screen was not recognised: Esc Tab 0 again");
    };
    match outcome {
        Ok(true) => {}
        Ok(false) => return Ok(Arrival::Crashed),
        Err(LineError::Timeout { .. }) => {
            // Nothing recognisable: either a silent line or a console that ignores Esc Tab.
            if at_sac(line).is_some() {
                let junk = at_sac(line).unwrap_or(0);
                erase(line, junk)?;
                return Ok(Arrival::Sac);
            }
            let got = line.buf().len() - from;
            let echoed = crate::term::stream_text(&line.buf()[from..]);
            if echoed.ends_with('0') {
                // The `0` was echoed at a prompt that ignores Esc Tab: `!SAC>` (a crashed machine)
                // shows no switch screen. Erase it and ask for a fresh prompt to see which.
                line.send(b"\x08")?;
                line.send(b"\r")?;
                line.wait(Duration::from_secs(5).min(timeout), "waiting for a prompt", |l| {
                    (at_sac(l).is_some() || at_bang(l)).then_some(())
                })?;
                if at_bang(line) {
                    return Ok(Arrival::Crashed);
                }
                let junk = at_sac(line).unwrap_or(0);
                erase(line, junk)?;
                return Ok(Arrival::Sac);
            }
            return Err(SessionError::NoSac {
                detail: if got == 0 {
                    "nothing came back after Esc Tab 0 (is SAC enabled, the port and speed right, \
                     the VM running?)"
                        .into()
                } else {
                    format!(
                        "Esc Tab 0 did not bring up the SAC switch screen; the screen shows {:?}",
                        line.term().snapshot().text()
                    )
                },
            });
        }
        Err(e) => return Err(e.into()),
    }
    // Any key views the SAC channel; the key is consumed by the switch screen.
    let redraw_from = line.buf().len();
    line.send(b"\r")?;
    let redrawn = |l: &Line| at_sac(l).map(|_| ()).or(if at_bang(l) { Some(()) } else { None });
    let first = wait_unscrolled(line, redraw_from, Duration::from_secs(5).min(timeout), redrawn);
    match first {
        Ok(()) => {}
        // The switch screen was left, so the SAC channel is on view; the redraw came but noise
        // garbled its prompt (`SC>`) or the cursor position that ends it. SAC answers an empty
        // line with a fresh prompt, which is harmless at `SAC>` and at `!SAC>` alike.
        Err(LineError::Timeout { .. }) => {
            line.mark("SAC prompt not recognised after the redraw: asking for a fresh one");
            let mut fresh = Err(LineError::Timeout { secs: 0, what: String::new() });
            for _ in 0..3 {
                line.send(b"\r")?;
                fresh = line.wait(
                    Duration::from_secs(3).min(timeout),
                    "waiting for a fresh SAC prompt",
                    redrawn,
                );
                if !matches!(fresh, Err(LineError::Timeout { .. })) {
                    break;
                }
            }
            fresh?;
        }
        Err(e) => return Err(e.into()),
    }
    settle_redraw(line, redraw_from)?;
    if at_bang(line) {
        return Ok(Arrival::Crashed);
    }
    let junk = at_sac(line).unwrap_or(0);
    erase(line, junk)?;
    Ok(Arrival::Sac)
}

/// Times Esc Tab 0 is pressed when what came back was not recognised as the SAC switch screen.
const ESC_TAB_PRESSES: u32 = 3;

/// How long a SAC banner may stand without the prompt that follows it before it counts as old
/// output (a relay's replay), not a boot in progress.
const BANNER_PROMPT_WAIT: Duration = Duration::from_secs(5);

/// True when the screen shows a state no boot shows (a cmd prompt, a login prompt, `-- More --`,
/// a channel's switch screen): a banner read before it is old output a relay replayed.
fn shows_a_later_state(line: &Line) -> bool {
    let before = line.term().before_cursor();
    is_cmd_prompt(&before)
        || before.contains(MORE)
        || ["Username:", "Password:"].iter().any(|p| super::looks::prompt_is(&before, p))
        || line.term().contains(SWITCH_LAST)
}

/// Bytes keep arriving and none of them is a SAC prompt: firmware or boot manager output.
fn booting_noise(line: &Line) -> bool {
    !line.buf().is_empty()
        && at_sac(line).is_none()
        && !line.term().contains(SWITCH_LAST)
        && !line.buf_has(0, b"Username:")
        && !line.buf_has(0, b"Password:")
        && (line.buf_has(0, b"Windows Boot Manager") || line.buf_has(0, b"Computer is booting"))
}

/// Erases the `n` characters the screen shows after `SAC>`. Noise can paint characters there
/// that SAC's line does not hold: SAC then erases nothing and echoes nothing (a backspace on an
/// empty line does nothing, sac-protocol.md §2), and the screen keeps them. When not one byte
/// answers the backspaces, the line was empty, and Enter on an empty line only brings a fresh
/// `SAC>`. When some did answer, SAC's line held text: nothing is entered, since a line that is
/// not empty would run.
fn erase(line: &mut Line, n: usize) -> Result<(), SessionError> {
    if n == 0 {
        return Ok(());
    }
    let before = line.received();
    line.send(&vec![0x08u8; n])?;
    let erased = line.wait(ERASE_ANSWER, "waiting for backspaces at SAC>", |l| {
        (at_sac(l) == Some(0)).then_some(())
    });
    match erased {
        Ok(()) => Ok(()),
        Err(LineError::Timeout { .. }) if line.received() == before => {
            line.mark("characters after SAC> that SAC did not hold (noise): a fresh prompt");
            // The fresh prompt can be garbled too (`SCC>`): the line is empty, so Enter again.
            Ok(fresh_sac_prompt(line)?)
        }
        Err(e) => Err(e.into()),
    }
}

/// How long the echo of backspaces at `SAC>` may take.
const ERASE_ANSWER: Duration = Duration::from_secs(2);

/// Runs one command at `SAC>` (or `!SAC>`) and returns what SAC printed before the next prompt,
/// pressing Enter at SAC's own pager. The prompt must be showing.
pub fn sac_command(line: &mut Line, cmd: &str, timeout: Duration) -> Result<String, SessionError> {
    let bang = at_bang(line);
    let anchor = Anchor::here(line);
    type_checked(line, &anchor, cmd, Echo::Plain, timeout)?;
    line.clear();
    line.send(b"\r")?;
    let prompt = if bang { BANG_PROMPT } else { SAC_PROMPT };
    let mut pages = 0;
    // Commands that stop or restart the machine leave no prompt to probe for: nothing is
    // pressed after them (a key could reach a boot menu).
    let word = cmd.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
    let mut probes =
        if ["restart", "shutdown", "crashdump"].contains(&word.as_str()) { 3 } else { 0 };
    loop {
        // SAC answers at once: a line quiet for a few seconds with no prompt recognised showed
        // it garbled, and Enter brings a fresh one (an empty line at `SAC>` does nothing; at
        // SAC's pager it shows the next page, which is wanted too).
        let what = format!("waiting for SAC to answer {cmd:?}");
        let got = wait_or_quiet(
            line,
            timeout,
            if probes < 3 { UNREADABLE_AFTER } else { timeout },
            &what,
            |l| {
                let before = l.term().before_cursor();
                if before == MORE_SAC || before.ends_with(MORE_SAC) {
                    return Some(false);
                }
                // The answer ends with a fresh prompt at the cursor, after the echoed Enter.
                let tail = tail_after_enter(l.buf());
                (before == prompt && tail.ends_with(prompt.as_bytes())).then_some(true)
            },
        );
        let got = match got {
            Ok(got) => got,
            Err(LineError::Timeout { .. }) if probes < 3 => {
                probes += 1;
                line.mark("SAC's answer ended with no prompt recognised: Enter for a fresh one");
                line.send(b"\r")?;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if got {
            break;
        }
        pages += 1;
        if pages > 10_000 {
            break;
        }
        line.send(b"\r")?;
    }
    let text = crate::term::stream_text(line.buf());
    let text = text.strip_prefix("\r\n").unwrap_or(&text);
    let text = text.strip_suffix(prompt).unwrap_or(text);
    Ok(text.replace(&format!("{MORE_SAC}\r\n"), "").replace(MORE_SAC, ""))
}

fn tail_after_enter(buf: &[u8]) -> &[u8] {
    match find(buf, b"\n") {
        Some(i) => &buf[i + 1..],
        None => &[],
    }
}

/// The channel named in SAC's answer to `cmd` (`The Command Prompt session was successfully
/// launched.`, then the event's `Channel: Cmd0001` line, both whole), recognised through line
/// noise: the launch line within a few edits, the `Channel:` label too. The name itself may still
/// be garbled; the caller checks it.
fn launched_channel(answer: &[u8]) -> Option<String> {
    let text = crate::term::stream_text(answer);
    let lines: Vec<&str> = text.split("\r\n").collect();
    // The last piece has no line end yet: it may still be arriving.
    let whole = &lines[..lines.len().saturating_sub(1)];
    let launch = String::from_utf8_lossy(LAUNCHED);
    let label = String::from_utf8_lossy(NEW_CHANNEL);
    let at = whole.iter().position(|l| looks::near(l.trim(), &launch))?;
    whole[at..].iter().find_map(|l| {
        let (head, name) = l.split_once(':')?;
        looks::near(&format!("{head}: "), &label).then(|| name.trim().to_string())
    })
}

/// What an answer to `cmd` whose launch line or event noise garbled still tells: a name such as
/// `Cmd0001` that survived whole (only the event names a channel), else, when one of the two
/// lines survived nearly, that a channel was made whose name SAC's list must give. `None` when
/// nothing says a channel was made: `cmd` is then typed again.
fn launched_unread(answer: &[u8]) -> Option<Result<String, u32>> {
    let text = crate::term::stream_text(answer);
    if let Some(name) =
        text.split(|c: char| !c.is_ascii_alphanumeric()).find(|w| is_cmd_channel_name(w))
    {
        return Some(Ok(name.to_string()));
    }
    let launch = String::from_utf8_lossy(LAUNCHED);
    let made = text.split("\r\n").any(|l| {
        looks::near(l.trim(), &launch)
            || looks::near(
                l.trim(),
                "EVENT:   A new channel has been created.  Use \"ch -?\" for channel help.",
            )
    });
    made.then(|| Ok(String::new()))
}

/// Presses Enter at `SAC>` (an empty line there does nothing but print a fresh prompt) until an
/// empty prompt shows, at most 3 times: the way back from a prompt the line garbled.
fn fresh_sac_prompt(line: &mut Line) -> Result<(), LineError> {
    let mut fresh = Ok(());
    for _ in 0..3 {
        line.send(b"\r")?;
        fresh = line.wait(Duration::from_secs(3), "waiting for a fresh SAC prompt", |l| {
            (at_sac(l) == Some(0)).then_some(())
        });
        if !matches!(fresh, Err(LineError::Timeout { .. })) {
            break;
        }
    }
    fresh
}

/// True for a cmd channel's name as SAC makes them: `Cmd` and four digits (§7 of the notes).
fn is_cmd_channel_name(name: &str) -> bool {
    name.len() == 7 && name.starts_with("Cmd") && name[3..].bytes().all(|b| b.is_ascii_digit())
}

/// The highest-numbered cmd channel in the text of SAC's `ch` list: the one created last.
fn newest_cmd_channel(list: &str) -> Option<String> {
    list.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| is_cmd_channel_name(w))
        .max_by_key(|w| w[3..].parse::<u32>().unwrap_or(0))
        .map(str::to_string)
}

/// How many times `cmd` is typed while the service that launches cmd channels registers.
const CMD_TRIES: u32 = 6;
/// Longest wait for the registration event before `cmd` is typed again.
const CMD_EVENT_WAIT: Duration = Duration::from_secs(15);

/// Creates a cmd channel and returns its name (`Cmd0001`). Waits for the CMD service once when it
/// has not registered yet (just after boot).
pub fn create_cmd(line: &mut Line, timeout: Duration) -> Result<String, SessionError> {
    let start = std::time::Instant::now();
    for attempt in 0..CMD_TRIES {
        // Still not registered after waiting for its event (or the event was garbled on the
        // line): the last try reports it.
        let last = attempt + 1 == CMD_TRIES || start.elapsed() >= timeout;
        let from = line.buf().len();
        let anchor = Anchor::here(line);
        type_checked(line, &anchor, "cmd", Echo::Plain, timeout)?;
        line.send(b"\r")?;
        // SAC answers `cmd` at once and the event follows within moments, so a line quiet for
        // a few seconds with neither recognised garbled them.
        let what = "waiting for SAC to launch a cmd channel";
        let got = wait_or_quiet(line, timeout, UNREADABLE_AFTER, what, |l| {
            let b = &l.buf()[from..];
            for (needle, what) in
                [(NOT_REGISTERED, 1), (TIMED_OUT, 2), (DISABLED, 3), (MAX_CHANNELS, 4), (FAILED, 5)]
            {
                if find(b, needle).is_some() && at_sac(l) == Some(0) {
                    return Some(Err(what));
                }
            }
            launched_channel(b).map(Ok)
        });
        let got = match got {
            Ok(got) => got,
            Err(LineError::Timeout { .. }) => match launched_unread(&line.buf()[from..]) {
                Some(got) => got,
                None => {
                    return Err(
                        LineError::Timeout { secs: timeout.as_secs(), what: what.into() }.into()
                    )
                }
            },
            Err(e) => return Err(e.into()),
        };
        match got {
            Ok(name) => {
                if line
                    .wait(Duration::from_secs(5), "waiting for SAC> after the event", |l| {
                        (at_sac(l) == Some(0)).then_some(())
                    })
                    .is_err()
                {
                    fresh_sac_prompt(line)?;
                }
                if is_cmd_channel_name(&name) {
                    return Ok(name);
                }
                // The event's name was garbled on the line: SAC's channel list says it again.
                let list = sac_command(line, "ch", timeout)?;
                return newest_cmd_channel(&list).ok_or(SessionError::NoChannel(name));
            }
            Err(1) if !last => {
                // The service is not up yet: its registration is announced by an event. The
                // event can be garbled on the line, so `cmd` is tried again after a while
                // whether it came or not.
                let from = line.buf().len();
                let left = timeout.saturating_sub(start.elapsed()).min(CMD_EVENT_WAIT);
                match line.wait(left, "waiting for \"The CMD command is now available.\"", |l| {
                    (l.buf_has(from, CMD_AVAILABLE) && at_sac(l) == Some(0)).then_some(())
                }) {
                    Ok(()) | Err(LineError::Timeout { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Err(1) => {
                return Err(SessionError::CmdUnavailable(
                    "the service that launches cmd channels (sacsvr) has not registered with SAC \
                     (still booting, disabled, or the Special Administration Console Helper \
                     service is broken); wait for the machine to finish booting and run again"
                        .into(),
                ))
            }
            Err(2) => {
                return Err(SessionError::CmdUnavailable(
                    "the service that launches cmd channels timed out; it may be hung: try again \
                     or restart the VM"
                        .into(),
                ))
            }
            Err(3) => {
                return Err(SessionError::CmdUnavailable(
                    "launching cmd channels is disabled on this machine (DisableCmdSessions under \
                     the sacdrv service key)"
                        .into(),
                ))
            }
            Err(4) => return Err(SessionError::CmdUnavailable(
                "SAC has no free channel (10 in all); close some with `sacdoc sac TARGET -- ch \
                     -ci N`"
                    .into(),
            )),
            Err(_) => {
                return Err(SessionError::CmdUnavailable(
                    "SAC could not create the cmd session".into(),
                ))
            }
        }
    }
    Err(SessionError::CmdUnavailable("the cmd channel could not be launched".into()))
}

/// How long the line must stay quiet, with nothing recognisable on screen, before a view is
/// tried again (a redraw or a switch screen takes well under a second).
pub(super) const UNREADABLE_AFTER: Duration = Duration::from_secs(3);

/// Waits as [`Line::wait`] does, and also ends (as a timeout) once the line has been quiet for
/// `quiet` with `check` still unmet: the answer to a key comes at once, so a quiet line showed it
/// garbled.
pub(super) fn wait_or_quiet<T>(
    line: &mut Line,
    timeout: Duration,
    quiet: Duration,
    what: &str,
    check: impl FnMut(&Line) -> Option<T>,
) -> Result<T, LineError> {
    wait_or_give_up(line, timeout, what, check, |l| l.quiet_for() >= quiet)
}

/// Waits as [`Line::wait`] does, and also ends (as a timeout, said as long as it was) as soon as
/// `give_up` holds while `check` is still unmet; `give_up` is looked at every half second.
pub(super) fn wait_or_give_up<T>(
    line: &mut Line,
    timeout: Duration,
    what: &str,
    mut check: impl FnMut(&Line) -> Option<T>,
    give_up: impl Fn(&Line) -> bool,
) -> Result<T, LineError> {
    let start = std::time::Instant::now();
    loop {
        let step = timeout.saturating_sub(start.elapsed()).min(Duration::from_millis(500));
        match line.wait(step, what, &mut check) {
            Err(LineError::Timeout { .. }) if start.elapsed() < timeout && !give_up(line) => {}
            Err(LineError::Timeout { .. }) => {
                // Said as long as it was: giving up can end the wait well before `timeout`.
                let secs = start.elapsed().as_secs();
                return Err(LineError::Timeout { secs, what: what.into() });
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_launch_answer_is_read_through_noise() {
        let clean = b"\r\nThe Command Prompt session was successfully launched.\r\nSAC>\r\nEVENT:   A new channel has been created.  Use \"ch -?\" for channel help.\r\nChannel: Cmd0001\r\nSAC>";
        assert_eq!(launched_channel(clean).as_deref(), Some("Cmd0001"));
        let noisy = b"\r\nThe Command Prompt sesion was successfuly launched.\r\nSAC>\r\nEVENT:   A new channel has been sreated.  Use \"ch -?\" for channel help.\r\nChanne: Cmd0002\r\nSAC>";
        assert_eq!(launched_channel(noisy).as_deref(), Some("Cmd0002"));
        // The name line not yet whole: wait.
        assert_eq!(
            launched_channel(
                b"\r\nThe Command Prompt session was successfully launched.\r\nChannel: Cmd00"
            ),
            None
        );
        // Another answer.
        assert_eq!(
            launched_channel(b"\r\nThe maximum number of channels has been reached.\r\nSAC>"),
            None
        );
    }

    #[test]
    fn a_garbled_channel_name_is_found_again_in_the_list() {
        assert!(is_cmd_channel_name("Cmd0001"));
        assert!(!is_cmd_channel_name("Cmd001"));
        assert!(!is_cmd_channel_name("Cmd00a1"));
        let list = "Channel List\r\n\r\n(Use \"ch -?\" for information on using channels)\r\n\r\n# Status  Channel Name\r\n0 (AV)    SAC\r\n1 (AV)    Cmd0001\r\n2 (AV)    Cmd0002\r\n";
        assert_eq!(newest_cmd_channel(list).as_deref(), Some("Cmd0002"));
        assert_eq!(newest_cmd_channel("0 (AV)    SAC\r\n"), None);
    }
}
