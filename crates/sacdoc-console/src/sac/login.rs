//! Logging in to a cmd channel: `Username:`, `Domain  :`, `Password:` (sac-protocol.md §5.4).
//!
//! One try only: a wrong password is reported, never retried, because each failure counts
//! against the account's lockout threshold.

use std::time::{Duration, Instant};

use super::console::{wait_or_give_up, wait_or_quiet, UNREADABLE_AFTER};

use super::config::{Credentials, Profile};
use super::secret::type_secret;
use super::SessionError;
use crate::line::{find, Line, LineError};
use crate::runner::is_cmd_prompt;
use crate::typing::{press, type_checked, Anchor, Echo};

/// Logs in at the `Username:` prompt (the cursor must be there). Returns the profile seen in the
/// bytes that followed the login (painted consoles position the cursor explicitly).
pub fn login(
    line: &mut Line,
    creds: &Credentials,
    timeout: Duration,
) -> Result<Profile, SessionError> {
    let mut repairs = field(line, "Username:", &creds.user, Echo::Plain, timeout)?;
    press(line, b"\r")?;
    wait_prompt(line, "Domain", timeout)?;
    repairs += field(line, "Domain", &creds.domain, Echo::Plain, timeout)?;
    press(line, b"\r")?;
    wait_prompt(line, "Password:", timeout)?;
    expect_prompt(line, "Password:")?;
    let anchor = Anchor::here(line);
    repairs += type_secret(line, &anchor, creds.password.expose(), timeout)?;
    let from = line.buf().len();
    // Every password submitted is counted in the transcript (never its content or length).
    line.mark("password submitted");
    // From here a cut link loses the login's outcome: that is said, so that the session does not
    // take a login prompt seen after the reconnect for a fresh one and type the password again.
    let lost = |e: LineError| match e {
        LineError::Reconnected => {
            SessionError::LoginCut { user: creds.user.clone(), domain: creds.domain.clone() }
        }
        e => e.into(),
    };
    press(line, b"\r").map_err(lost)?;
    let ok = wait_for_login_answer(line, from, timeout).map_err(|e| match e {
        // Noise hid the answer (a garbled prompt is never recognised): the session views the
        // channel again to learn the outcome, and never types the password a second time.
        LineError::Timeout { .. } => SessionError::LoginUnconfirmed {
            user: creds.user.clone(),
            domain: creds.domain.clone(),
        },
        e => lost(e),
    })?;
    if !ok {
        let (user, domain) = (creds.user.clone(), creds.domain.clone());
        return Err(if repairs > 0 {
            SessionError::LoginFailedOnNoisyLine { user, domain, repairs }
        } else {
            SessionError::LoginFailed { user, domain }
        });
    }
    line.settle()?;
    let profile = detect_profile(&line.buf()[from..]);
    match settle_prompt(line, timeout) {
        Ok(()) => {}
        // The login worked; only the probe's echo or erase was lost on the line. Ctrl+C drops
        // whatever the probe left on the VM's line and brings a fresh prompt.
        Err(SessionError::Line(LineError::Timeout { .. })) => {
            line.mark("the probe key's echo was unreadable: dropping the line with Ctrl+C");
            crate::runner::cancel_line(line, timeout).map_err(SessionError::Run)?;
        }
        Err(e) => return Err(e),
    }
    Ok(profile)
}

/// Waits for the answer to the password: `Some(true)` at a cmd prompt, `Some(false)` when the
/// login was refused. A login can take many quiet seconds (a profile loading), so the wait ends
/// early only when the line is quiet after a `>` came that is no prompt on screen: a prompt the
/// line garbled (`C:\Windows\ssystem32>`, or painted where the cursor is not), which a view of
/// the channel reads again.
fn wait_for_login_answer(
    line: &mut Line,
    from: usize,
    timeout: Duration,
) -> Result<bool, LineError> {
    let what = "waiting for the cmd prompt after the password";
    let answer = |l: &Line| {
        // Real consoles print this and then re-prompt or close the channel (sac-protocol §12).
        if find(&l.buf()[from..], b"Unable to authenticate").is_some() {
            return Some(false);
        }
        let before = l.term().before_cursor();
        if super::looks::prompt_is(&before, "Username:") {
            return Some(false);
        }
        is_cmd_prompt(&before).then_some(true)
    };
    // The prompt's `>` came (no banner line has one) but was not read as a prompt: garbled
    // text, or a garbled cursor position that left the cursor elsewhere (`ESC 4;1H` for
    // `ESC[4;1H` paints the prompt on the row above).
    let garbled = |l: &Line| {
        (l.term().before_cursor().trim_end().ends_with('>') || l.buf()[from..].contains(&b'>'))
            && l.quiet_for() >= UNREADABLE_AFTER
    };
    wait_or_give_up(line, timeout, what, answer, garbled)
}

/// Right after a cmd prompt starts, a real console can eat the first keys typed. One space,
/// pressed until its echo shows, then erased, proves keys arrive before a command is typed.
fn settle_prompt(line: &mut Line, timeout: Duration) -> Result<(), SessionError> {
    let anchor = Anchor::here(line);
    press(line, b" ")?;
    // A quiet line without the echo showed it garbled: the caller drops the line at once rather
    // than wait out the whole timeout.
    wait_or_quiet(line, timeout, UNREADABLE_AFTER, "waiting for the echo of a probe key", |l| {
        (anchor.typed(l).as_deref() == Some(" ")).then_some(())
    })?;
    press(line, b"\x08")?;
    wait_or_quiet(
        line,
        timeout,
        UNREADABLE_AFTER,
        "waiting for the probe key to be erased",
        |l| (anchor.typed(l).as_deref() == Some("")).then_some(()),
    )?;
    line.settle()?;
    Ok(())
}

/// A console that paints sends cursor positions (`ESC[r;cH`) with ordinary output; a streaming
/// one sends text and CRLF.
pub fn detect_profile(bytes: &[u8]) -> Profile {
    let mut i = 0;
    while let Some(at) = find(&bytes[i..], b"\x1b[") {
        let start = i + at + 2;
        let mut j = start;
        while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b';') {
            j += 1;
        }
        // `ESC[1;1H` is only "home" (after a clear); painting positions rows and columns.
        let params = &bytes[start..j];
        if j < bytes.len() && bytes[j] == b'H' && params.contains(&b';') && params != b"1;1" {
            return Profile::Painted;
        }
        i = j.max(start);
    }
    Profile::Stream
}

/// Waits for the login prompt that follows the one just answered. The prompt comes with the
/// answer to Enter (which [`press`] has seen begin), so a line quiet for [`UNREADABLE_AFTER`]
/// without it showed it garbled: the wait ends early (as a timeout) and the session views the
/// channel again, rather than wait out the whole timeout.
fn wait_prompt(line: &mut Line, prefix: &str, timeout: Duration) -> Result<(), SessionError> {
    let what = format!("waiting for the {prefix:?} login prompt");
    let start = Instant::now();
    loop {
        let step = timeout.saturating_sub(start.elapsed()).min(Duration::from_millis(500));
        match line.wait(step, &what, |l| {
            super::looks::prompt_is(&l.term().before_cursor(), prefix).then_some(())
        }) {
            Ok(()) => break,
            Err(LineError::Timeout { .. })
                if start.elapsed() < timeout && line.quiet_for() < UNREADABLE_AFTER => {}
            Err(LineError::Timeout { .. }) => {
                return Err(LineError::Timeout { secs: timeout.as_secs(), what }.into())
            }
            Err(e) => return Err(e.into()),
        }
    }
    // The prompt may still be arriving (its trailing blank): typing starts after it.
    line.settle()?;
    Ok(())
}

/// Types a visible field; returns the repair rounds its echo needed.
fn field(
    line: &mut Line,
    prefix: &str,
    value: &str,
    echo: Echo,
    timeout: Duration,
) -> Result<u32, SessionError> {
    expect_prompt(line, prefix)?;
    let anchor = Anchor::here(line);
    Ok(match echo {
        // A login field is erased whole when its echo is wrong, never repaired from the screen.
        Echo::Plain => super::secret::type_field(line, &anchor, value, timeout)?,
        Echo::Masked => type_checked(line, &anchor, value, echo, timeout)?,
    })
}

fn expect_prompt(line: &Line, prefix: &str) -> Result<(), SessionError> {
    if super::looks::prompt_is(&line.term().before_cursor(), prefix) {
        return Ok(());
    }
    Err(SessionError::Unexpected(format!(
        "expected the {prefix:?} login prompt, the screen shows {:?}",
        line.term().before_cursor()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn painted_is_recognised_by_cursor_positions() {
        assert_eq!(detect_profile(b"\r\nMicrosoft Windows\r\n\r\nC:\\>"), Profile::Stream);
        assert_eq!(detect_profile(b"\x1b[2;1HMicrosoft\x1b[0K\x1b[4;21H"), Profile::Painted);
        assert_eq!(detect_profile(b"\x1b[0m\x1b[H"), Profile::Stream);
        assert_eq!(detect_profile(b"\x1b[2J\x1b[1;1HMicrosoft\r\n"), Profile::Stream);
    }
}
