//! Typing a login field whole: the password into a masked field, where the echo is one `*` per
//! key, and the user and domain names into visible ones.
//!
//! A visible field has the same hazard: when the line loses a key's echo (not the key), the
//! screen shows `azreuser` while the field holds `azureuser`, and a repair that trusts the
//! screen (erase the visible tail, retype the rest) submits `azuureuser`, a failed login that
//! counts against the lockout threshold like a wrong password. So a login field whose echo is
//! not exactly right is always erased whole, with the margin, and typed again.
//!
//! Stars say how many keys the far end echoed, not which: when the count is short, a key may
//! have been dropped (a debouncing console) or only its star lost on the way back (line noise),
//! and a repair that keeps part of the field and retypes the rest can submit a password with a
//! key too many. A wrong password counts against the account's lockout threshold on a server
//! that is already down, so nothing here is guessed: when the count is not exactly right, the
//! whole field is erased (with a margin, since the far end may hold more keys than it showed, and
//! a backspace can be lost too) and the password typed again, with the pauses a debounce needs
//! before every repeated key from the first try on. The echo of backspaces can itself be garbled
//! and leave the screen out of step with the field, so after erasing, the count starts again from
//! wherever the cursor stands. Enter is the caller's, pressed only after an exact count.

use std::time::{Duration, Instant};

use crate::line::{Line, LineError};
use crate::typing::{Anchor, TypeError, DEFAULT_REPEAT_PAUSE};

/// Backspaces beyond what the field should hold: the far end may hold keys it never echoed, and
/// up to this many backspaces may be lost on the way without leaving a key behind.
const ERASE_MARGIN: usize = 4;
/// How long the echo must stay unchanged before its count is judged.
const SETTLE: Duration = Duration::from_millis(400);
/// Whole retypes before giving up.
const MAX_ROUNDS: u32 = 4;

/// Types `secret` at the masked field marked by `anchor` until the screen shows exactly one star
/// per character. Returns how many times the field had to be erased and typed again (0 when
/// the first try was right): more than 0 means the line lost or garbled bytes meanwhile.
pub fn type_secret(
    line: &mut Line,
    anchor: &Anchor,
    secret: &str,
    timeout: Duration,
) -> Result<u32, TypeError> {
    type_whole(line, anchor, secret, true, timeout)
}

/// Types a visible login field (user or domain name) at `anchor` until the screen shows exactly
/// `value`, erasing the whole field and typing it again otherwise (see the module's note).
pub fn type_field(
    line: &mut Line,
    anchor: &Anchor,
    value: &str,
    timeout: Duration,
) -> Result<u32, TypeError> {
    type_whole(line, anchor, value, false, timeout)
}

fn type_whole(
    line: &mut Line,
    anchor: &Anchor,
    text: &str,
    masked: bool,
    timeout: Duration,
) -> Result<u32, TypeError> {
    let want: String = if masked { text.chars().map(|_| '*').collect() } else { text.into() };
    let want_len = want.chars().count();
    let deadline = Instant::now() + timeout;
    let pause = line.debounce.map_or(DEFAULT_REPEAT_PAUSE, |d| d.max(DEFAULT_REPEAT_PAUSE));
    let mut anchor = anchor.clone();
    let mut last_shown = shown(line, &anchor);
    let field = if masked { "password" } else { "login" };
    for round in 0..MAX_ROUNDS {
        if round > 0 || !last_shown.is_empty() {
            line.mark(&format!("{field} field: echo wrong, erasing the whole field"));
            erase(line, last_shown.chars().count().max(want_len) + ERASE_MARGIN, pause)?;
            anchor = Anchor::here(line);
        }
        send_paced(line, text, masked, pause)?;
        last_shown = settled(line, &anchor, &want, deadline)?;
        if last_shown == want {
            return Ok(round);
        }
        if masked && shows_in_clear(&last_shown, text) {
            line.mark("password field: the console echoed it in clear; erased, not typed again");
            erase(line, last_shown.chars().count().max(want_len) + ERASE_MARGIN, pause)?;
            return Err(TypeError::ClearEcho);
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    // Leave nothing half typed behind: a later Enter must not submit a wrong field.
    erase(line, last_shown.chars().count().max(want_len) + ERASE_MARGIN, pause)?;
    let count = |s: &str| format!("{} characters", s.chars().count());
    Err(TypeError::Garbled {
        tries: MAX_ROUNDS,
        wanted: if masked { count(&want) } else { want.clone() },
        shown: if masked { count(&last_shown) } else { last_shown },
    })
}

/// How many of the secret's characters in a row, shown in a masked field, mean the far end
/// echoes it in clear: noise that garbles stars into the secret's own characters, in its order,
/// this many times running is not a line's doing.
const CLEAR_RUN: usize = 3;

/// True when `shown` holds a run of the secret's characters ([`CLEAR_RUN`] in a row, or the
/// whole secret when it is shorter): the field displays what was typed.
fn shows_in_clear(shown: &str, secret: &str) -> bool {
    let secret: Vec<char> = secret.chars().collect();
    let shown: Vec<char> = shown.chars().collect();
    let k = CLEAR_RUN.min(secret.len());
    if k == 0 {
        return false;
    }
    secret
        .windows(k)
        .filter(|w| w.iter().any(|c| *c != '*'))
        .any(|w| shown.windows(k).any(|s| s == w))
}

/// What is shown after the anchor (stars, the typed text, or anything the line garbled).
fn shown(line: &Line, anchor: &Anchor) -> String {
    anchor.typed(line).unwrap_or_default()
}

/// Sends the field in key runs, pausing before every key equal to the one before it.
fn send_paced(line: &mut Line, text: &str, masked: bool, pause: Duration) -> Result<(), LineError> {
    let send = |line: &mut Line, run: &str| {
        if masked {
            line.send_secret(run.as_bytes())
        } else {
            line.send(run.as_bytes())
        }
    };
    let mut run = String::new();
    let mut prev = None;
    for c in text.chars() {
        if prev == Some(c) {
            send(line, &run)?;
            run.clear();
            std::thread::sleep(pause);
        }
        run.push(c);
        prev = Some(c);
    }
    send(line, &run)
}

/// Presses backspace `count` times, each after the repeat pause (backspace is a repeated key),
/// then lets the echo land.
fn erase(line: &mut Line, count: usize, pause: Duration) -> Result<(), TypeError> {
    for i in 0..count {
        if i > 0 {
            std::thread::sleep(pause);
        }
        line.send(b"\x08")?;
        line.poll()?;
    }
    line.drain(SETTLE, Duration::from_millis(100))?;
    Ok(())
}

/// Waits until the echo has stayed unchanged for [`SETTLE`] (or the deadline), and returns what
/// it shows then.
fn settled(
    line: &mut Line,
    anchor: &Anchor,
    want: &str,
    deadline: Instant,
) -> Result<String, LineError> {
    let mut shown = self::shown(line, anchor);
    let mut since = Instant::now();
    loop {
        // An exact count still waits a little: a late or duplicated star would change it.
        let settle = if shown == want { SETTLE } else { SETTLE * 2 };
        if since.elapsed() >= settle || Instant::now() >= deadline {
            return Ok(shown);
        }
        if line.poll()? > 0 {
            let now = self::shown(line, anchor);
            if now != shown {
                shown = now;
                since = Instant::now();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shows_in_clear;

    #[test]
    fn a_clear_echo_is_told_from_stars_and_noise() {
        let pw = "Sim-Passw0rd!";
        assert!(shows_in_clear(pw, pw));
        assert!(shows_in_clear("Sim", pw), "the start of the password");
        assert!(shows_in_clear("**w0r**", pw), "a run from its middle");
        assert!(!shows_in_clear("*************", pw));
        assert!(!shows_in_clear("******x******", pw), "one garbled star");
        assert!(!shows_in_clear("**Sx*", pw), "two of its characters, not in a run");
        assert!(!shows_in_clear("", pw));
        // Short passwords: the whole of it; a password of stars is never "in clear".
        assert!(shows_in_clear("ab", "ab"));
        assert!(!shows_in_clear("a*", "ab"));
        assert!(!shows_in_clear("*****", "***abc"));
        assert!(shows_in_clear("**abc", "***abc"));
        assert!(!shows_in_clear("", ""));
    }
}
